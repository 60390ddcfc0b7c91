// Levels, versions and the namespace labels (k8s.io/pod-security-admission/api/helpers.go).
#include "apiserver/admission/pod_security_levels.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

namespace pk::admission::podsecurity {
namespace {

constexpr const char* kLabelPrefix = "pod-security.kubernetes.io/";

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kPrivileged:
      return "privileged";
    case Level::kBaseline:
      return "baseline";
    case Level::kRestricted:
      return "restricted";
  }
  return "";
}

std::optional<Level> ParseLevel(std::string_view text) {
  for (Level l : {Level::kPrivileged, Level::kBaseline, Level::kRestricted}) {
    if (text == LevelName(l)) return l;
  }
  return std::nullopt;
}

// ^v1\.(0|[1-9][0-9]*)$ or "latest".
std::optional<Version> ParseVersion(std::string_view text) {
  if (text == "latest") return Version{};
  if (!text.starts_with("v1.")) return std::nullopt;
  std::string_view minor = text.substr(3);
  if (minor.empty() || (minor.size() > 1 && minor[0] == '0')) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(minor.data(), minor.data() + minor.size(), value);
  if (ec != std::errc() || end != minor.data() + minor.size()) return std::nullopt;
  return Version{false, value};
}

// Go's %q of a label value (printable ASCII assumed; quotes and backslashes escaped).
std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void AddError(std::vector<StatusCause>* errors, const std::string& key, const std::string& value,
              std::string_view why) {
  if (errors == nullptr) return;
  std::string field = fmt::format("metadata.labels[{}]", key);
  errors->push_back(
      {"FieldValueInvalid", fmt::format("Invalid value: {}: {}", GoQuote(value), why), field});
}

// One mode's labels: the level (when labelled, whether it parsed) and the version.
struct ModeLabels {
  bool has_level = false;
  bool level_ok = false;
  bool has_version = false;
};

ModeLabels ReadMode(const google::protobuf::Map<std::string, std::string>& labels,
                    std::string_view mode, LevelVersion* lv, std::vector<StatusCause>* errors) {
  ModeLabels seen;
  std::string key = fmt::format("{}{}", kLabelPrefix, mode);
  if (auto it = labels.find(key); it != labels.end()) {
    seen.has_level = true;
    auto level = ParseLevel(it->second);
    seen.level_ok = level.has_value();
    lv->level = level.value_or(Level::kRestricted);
    if (!level)
      AddError(errors, key, it->second, "must be one of privileged, baseline, restricted");
  }
  if (auto it = labels.find(key + "-version"); it != labels.end()) {
    seen.has_version = true;
    auto version = ParseVersion(it->second);
    lv->version = version.value_or(Version{});
    if (!version) AddError(errors, key + "-version", it->second, R"(must be "latest" or "v1.x")");
  }
  return seen;
}

}  // namespace

std::string LevelVersion::String() const {
  if (version.latest) return fmt::format("{}:latest", LevelName(level));
  return fmt::format("{}:v1.{}", LevelName(level), version.minor);
}

Policy PolicyToEvaluate(const google::protobuf::Map<std::string, std::string>& labels,
                        std::vector<StatusCause>* errors) {
  Policy p;
  ModeLabels enforce = ReadMode(labels, "enforce", &p.enforce, errors);
  ReadMode(labels, "audit", &p.audit, errors);
  ModeLabels warn = ReadMode(labels, "warn", &p.warn, errors);
  // Default warn to the enforce level when explicitly set to a more restrictive level.
  if (!warn.has_level && enforce.has_level && enforce.level_ok && p.enforce.level > p.warn.level) {
    p.warn.level = p.enforce.level;
    if (!warn.has_version) p.warn.version = p.enforce.version;
  }
  return p;
}

std::string Result::ForbiddenReason() const {
  std::string out;
  for (const auto& v : violations) out += (out.empty() ? "" : ", ") + v.reason;
  return out;
}

std::string Result::ForbiddenDetail() const {
  std::string out;
  for (const auto& v : violations) {
    if (!out.empty()) out += ", ";
    out += v.reason;
    if (!v.detail.empty()) out += " (" + v.detail + ")";
  }
  return out;
}

}  // namespace pk::admission::podsecurity
