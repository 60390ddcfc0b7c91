#include "scenario/report.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>

#include "cluster/process.h"

namespace pk::scenario {
namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

std::string Indent(const std::string& text, const std::string& prefix = "      ") {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

// GET http://127.0.0.1:PORT/TARGET from the scheduler's debug server; "" on any failure.
std::string HttpGet(int port, const std::string& target) {
  try {
    boost::asio::io_context io;
    tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1");
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return response.body();
  } catch (const std::exception&) {
    return "";
  }
}

// The scheduler's last attempt for each pod (at most 5): every node's verdict and the scores.
std::string Explanations(RunContext& ctx, const Check& check,
                         const std::vector<std::string>& pods) {
  int port = 0;
  std::ifstream(ctx.dir / "scheduler.port") >> port;
  std::string out;
  for (size_t i = 0; i < pods.size() && i < 5; ++i) {
    std::string text = port > 0 ? HttpGet(port, "/explain/" + check.ns + "/" + pods[i]) : "";
    if (text.empty()) text = "(the scheduler is not reachable)\n";
    out += fmt::format("    scheduler, pod {}/{}:\n{}", check.ns, pods[i], Indent(text));
  }
  return out;
}

// The last `n` lines of `text`.
std::string LastLines(const std::string& text, size_t n) {
  size_t at = text.size(), lines = 0;
  if (at > 0 && text[at - 1] == '\n') --at;  // the final newline ends the last line
  while (at > 0 && lines < n) {
    size_t newline = text.rfind('\n', at - 1);
    if (newline == std::string::npos) return text;
    at = newline;
    ++lines;
  }
  return lines < n ? text : text.substr(at + 1);
}

// What the control plane logged last: the retries and refusals no API object shows (a
// controller's failing syncs, a scheduler's failed binds).
std::string ControlPlaneLogs(const cluster::Cluster& cluster) {
  std::string out;
  for (const char* component : {"apiserver", "scheduler", "controller-manager"}) {
    std::string tail = cluster::LogTail(cluster.log(component), 8);
    if (!tail.empty()) out += fmt::format("    {} log, last lines:\n{}", component, Indent(tail));
  }
  return out;
}

std::string Section(RunContext& ctx, const std::string& title, const std::string& args) {
  auto out = ctx.Kubectl(args);
  return fmt::format("    {}:\n{}", title, Indent(out.ok() ? *out : out.status().message()));
}

}  // namespace

std::string FailureReport(RunContext& ctx, const Step& step, const Verdict& verdict) {
  const bool assertion = step.action == "eventually" || step.action == "always";
  std::string out;
  if (assertion) {
    out += fmt::format("    wanted: {} {}\n    saw: {}\n", step.action, DescribeCheck(step.check),
                       verdict.saw);
  } else {
    out += fmt::format("    error: {}\n", verdict.saw);
  }
  const std::string ns = assertion ? step.check.ns : "default";
  out += "    the cluster at that moment:\n";
  out += Section(ctx, "pods", "get pods -o wide -n " + ShellQuote(ns));
  out += Section(ctx, "nodes",
                 "get nodes -o custom-columns=NAME:.metadata.name,"
                 "READY:'.status.conditions[?(@.type==\"Ready\")].status',"
                 "TAINTS:.spec.taints[*].key,CORDONED:.spec.unschedulable,"
                 "ZONE:'.metadata.labels.topology\\.kubernetes\\.io/zone'");
  auto events = ctx.Kubectl("get events -n " + ShellQuote(ns) + " --sort-by=.lastTimestamp");
  if (events.ok()) out += fmt::format("    recent events:\n{}", Indent(LastLines(*events, 15)));
  if (assertion) out += Explanations(ctx, step.check, verdict.pods_involved);
  out += ControlPlaneLogs(ctx.cluster);
  std::string dead = ctx.cluster.Diagnose();
  if (!dead.empty()) out += "    components not running:\n" + Indent(dead);
  return out;
}

std::string Printer::Paint(const std::string& text, const char* code) const {
  return color_ ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

void Printer::Header(const Scenario& s) {
  out_ << fmt::format("scenario {}: {} (seed {})\n", s.file, s.name, s.seed) << std::flush;
}

void Printer::ClusterUp(int nodes, double seconds) {
  out_ << fmt::format("  {:<66} {:>7.2f} s\n", fmt::format("cluster: {} nodes Ready", nodes),
                      seconds)
       << std::flush;
}

void Printer::Step(size_t number, const StepResult& r) {
  std::string label = r.label.size() > 56 ? r.label.substr(0, 53) + "..." : r.label;
  out_ << fmt::format("  {:>2} {:<56} {} {:>7.2f} s\n", number, label,
                      r.passed ? Paint("PASS", "32") : Paint("FAIL", "31"), r.seconds);
  if (!r.passed) out_ << r.failure;
  out_ << std::flush;
}

void Printer::Summary(const ScenarioResult& r) {
  size_t ran = 0;
  for (const auto& s : r.steps) ran += !s.skipped;
  if (r.passed) {
    out_ << fmt::format("{} {}: {} steps in {:.1f} s\n", Paint("PASS", "32"), r.file, ran,
                        r.seconds);
  } else {
    out_ << fmt::format("{} {}: step {} of {} failed after {:.1f} s (seed {}; --seed {} replays)\n",
                        Paint("FAIL", "31"), r.file, ran, r.steps.size(), r.seconds, r.seed,
                        r.seed);
  }
  out_ << std::flush;
}

void Printer::Error(const std::string& message) {
  out_ << Paint("FAIL", "31") << " " << message << "\n" << std::flush;
}

void Printer::Kept(const cluster::Cluster& c, const std::filesystem::path& dir) {
  out_ << fmt::format(
      "the cluster is still up (--keep):\n  export KUBECONFIG={}\n  kubectl get pods -o wide\n"
      "  stop it: picokube down --data-dir {}\n",
      c.kubeconfig().string(), dir.string());
}

}  // namespace pk::scenario
