// The JUnit XML report CI systems read: <testsuites>, a <testsuite> per scenario, a
// <testcase> per step with <failure> or <skipped>.
#include <fmt/format.h>

#include <fstream>

#include "scenario/scenario.h"

namespace pk::scenario {
namespace {

std::string Xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
          out += c;
        }
    }
  }
  return out;
}

std::string Suite(const ScenarioResult& r) {
  int failures = 0, skipped = 0;
  for (const auto& s : r.steps) {
    failures += !s.passed && !s.skipped;
    skipped += s.skipped;
  }
  if (!r.error.empty()) ++failures;
  std::string out = fmt::format(
      "  <testsuite name=\"{}\" file=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" "
      "time=\"{:.3f}\">\n    <properties><property name=\"seed\" value=\"{}\"/></properties>\n",
      Xml(r.name), Xml(r.file), r.steps.size() + !r.error.empty(), failures, skipped, r.seconds,
      r.seed);
  if (!r.error.empty()) {
    out += fmt::format(
        "    <testcase name=\"cluster\" classname=\"{}\"><failure message=\"{}\"/></testcase>\n",
        Xml(r.file), Xml(r.error));
  }
  for (size_t i = 0; i < r.steps.size(); ++i) {
    const StepResult& s = r.steps[i];
    out += fmt::format("    <testcase name=\"{:02} {}\" classname=\"{}\" time=\"{:.3f}\"", i + 1,
                       Xml(s.label), Xml(r.file), s.seconds);
    if (s.skipped) {
      out += "><skipped message=\"an earlier step failed\"/></testcase>\n";
    } else if (!s.passed) {
      std::string first = s.failure.substr(0, s.failure.find('\n'));
      out += fmt::format("><failure message=\"{}\">{}</failure></testcase>\n", Xml(first),
                         Xml(s.failure));
    } else {
      out += "/>\n";
    }
  }
  return out + "  </testsuite>\n";
}

}  // namespace

Status WriteJUnit(const std::vector<ScenarioResult>& results, const std::filesystem::path& path) {
  std::ofstream out(path);
  if (!out) return Status::InternalError("cannot write the JUnit report " + path.string());
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const auto& r : results) out << Suite(r);
  out << "</testsuites>\n";
  return out ? Status() : Status::InternalError("writing the JUnit report " + path.string());
}

}  // namespace pk::scenario
