// RunScenario: a fresh cluster for the scenario, its steps in order, each printed as it ends.
#include <fmt/format.h>
#include <stdlib.h>

#include <fstream>
#include <thread>

#include "scenario/report.h"
#include "scenario/scenario_internal.h"

namespace pk::scenario {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string CapacityText(const Labels& capacity) {
  Labels all{{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}};
  for (const auto& [k, v] : capacity) all[k] = v;
  std::vector<std::string> parts;
  for (const auto& [k, v] : all) parts.push_back(k + "=" + v);
  return fmt::format("{}", fmt::join(parts, ","));
}

cluster::KubeletGroup Group(const NodeEntry& e, const std::string& name, int nodes,
                            const std::string& zone) {
  cluster::KubeletGroup g;
  g.name = name;
  g.nodes = nodes;
  g.capacity = CapacityText(e.capacity);
  for (const auto& [k, v] : e.labels) g.labels.push_back(k + "=" + v);
  if (!zone.empty()) g.labels.push_back("topology.kubernetes.io/zone=" + zone);
  g.taints = e.taints;
  return g;
}

cluster::ClusterOptions OptionsFor(const Scenario& s, const RunOptions& run, const fs::path& dir,
                                   uint64_t seed) {
  cluster::ClusterOptions o;
  o.dir = dir;
  o.bin_dir = run.bin_dir;
  o.kubelets = KubeletGroups(s.cluster);
  o.time_scale = s.cluster.time_scale;
  o.scheduler = s.cluster.scheduler;
  o.controller_manager = s.cluster.controller_manager;
  o.extra_args["apiserver"] = {"--fault-injection"};
  o.extra_args["fake-cri"] = {fmt::format("--seed={}", seed)};
  o.extra_args["scheduler"] = {fmt::format("--seed={}", seed)};
  if (!s.cluster.scheduler_config.empty()) {
    const fs::path config = dir / "scheduler-config.yaml";
    std::ofstream(config) << s.cluster.scheduler_config;
    o.extra_args["scheduler"].push_back("--config=" + config.string());
  }
  if (!s.cluster.controllers.empty()) {
    o.extra_args["controller-manager"] = {"--controllers=" + s.cluster.controllers};
  }
  return o;
}

// Reads what `check` looks at. An error means the cluster could not be read (an apiserver
// being restarted, say): the check is then neither held nor broken.
Result<Snapshot> Read(const cluster::Cluster& c, const Check& check) {
  Snapshot s;
  const auto& cs = c.clientset();
  client::ListOptions options;
  options.label_selector = check.selector;
  if (check.kind != Check::Kind::kNode && check.kind != Check::Kind::kEvent &&
      check.kind != Check::Kind::kRollout) {
    auto pods = check.kind == Check::Kind::kWithinCapacity ? cs.Pods("").List()
                                                           : cs.Pods(check.ns).List(options);
    if (!pods.ok()) return pods.take_status();
    s.pods = std::move(pods->items);
  }
  if (NeedsNodes(check)) {
    auto nodes = cs.Nodes().List();
    if (!nodes.ok()) return nodes.take_status();
    s.nodes = std::move(nodes->items);
  }
  if (check.kind == Check::Kind::kEvent) {
    auto events = cs.Events(check.ns).List();
    if (!events.ok()) return events.take_status();
    s.events = std::move(events->items);
  }
  if (check.kind == Check::Kind::kRollout) {
    auto d = cs.Resource<k8s::apps::v1::Deployment>(check.ns).Get(check.name);
    if (!d.ok() && d.status().reason() != Reason::kNotFound) return d.take_status();
    if (d.ok()) s.deployment = *d;
  }
  return s;
}

// Polls the check every 100 ms: `eventually` until it holds, `always` until it breaks, each
// within the step's bound.
Verdict Assert(const cluster::Cluster& c, const Step& step) {
  const bool always = step.action == "always";
  const auto deadline = Clock::now() + step.bound;
  Verdict last;
  std::string read_error;
  bool evaluated = false;
  while (true) {
    auto snapshot = Read(c, step.check);
    if (snapshot.ok()) {
      last = Evaluate(step.check, *snapshot);
      evaluated = true;
      if (last.ok != always) return last;  // eventually: held; always: broke
    } else {
      read_error = snapshot.status().message();
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!evaluated) {
    Verdict unread;
    unread.saw = "the cluster could not be read: " + read_error;
    return unread;
  }
  if (!always) last.saw = "never held; last: " + last.saw;
  return last;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char name[] = "/tmp/pk-scenario-XXXXXX";  // short: unix socket paths live under it
    if (mkdtemp(name) != nullptr) path = name;
  }
};

}  // namespace

std::vector<cluster::KubeletGroup> KubeletGroups(const ClusterSpec& spec) {
  std::vector<cluster::KubeletGroup> out;
  for (const NodeEntry& e : spec.nodes) {
    if (e.zones.empty()) {
      out.push_back(Group(e, e.name, e.count, ""));
      continue;
    }
    const int per_zone = e.count / static_cast<int>(e.zones.size());
    for (const std::string& zone : e.zones) {
      out.push_back(Group(e, e.name + "-" + zone, per_zone, zone));
    }
  }
  return out;
}

std::map<std::string, std::string> NodeEntries(const std::vector<cluster::KubeletGroup>& groups) {
  std::map<std::string, std::string> out;
  for (const auto& g : groups) {
    if (g.nodes == 1) {
      out[g.name] = g.name;
      continue;
    }
    for (int i = 0; i < g.nodes; ++i) out[fmt::format("{}-{}", g.name, i)] = g.name;
  }
  return out;
}

std::vector<std::string> RunContext::Entries() const {
  std::vector<std::string> out;
  for (const auto& g : cluster.options().kubelets) out.push_back(g.name);
  return out;
}

std::string ShellQuote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

Result<std::string> RunContext::Kubectl(const std::string& args) const {
  // A bound on every call: a kubectl that hangs must fail the step, not the whole run.
  CommandResult r = RunCommand(fmt::format(
      "timeout 180 {} --kubeconfig={} --cache-dir={} {}", ShellQuote(options.kubectl),
      ShellQuote(cluster.kubeconfig().string()), ShellQuote((dir / "kube-cache").string()), args));
  if (r.exit_code == 0) return r.output;
  return Status::BadRequest(
      fmt::format("kubectl {} exited with {}: {}", args, r.exit_code, r.output));
}

fs::path RunContext::WriteManifest(const std::string& text) const {
  static std::atomic<int> count{0};
  fs::create_directories(dir / "manifests");
  const fs::path file = dir / "manifests" / fmt::format("{}.yaml", ++count);
  std::ofstream(file) << text;
  return file;
}

ScenarioResult RunScenario(const Scenario& scenario, const RunOptions& options, std::ostream& out) {
  const auto start = Clock::now();
  ScenarioResult result;
  result.file = scenario.file;
  result.name = scenario.name;
  result.seed = options.seed.value_or(scenario.seed);
  Printer print(out, options.color);
  print.Header(scenario);
  TempDir tmp;
  if (tmp.path.empty()) {
    result.error = "cannot make a temporary directory under /tmp";
    print.Error(result.error);
    return result;
  }
  auto cluster = cluster::Cluster::Start(OptionsFor(scenario, options, tmp.path, result.seed));
  if (!cluster.ok()) {
    result.error = "the cluster did not start: " + cluster.status().message();
    print.Error(result.error);
    return result;
  }
  print.ClusterUp(static_cast<int>(NodeEntries((*cluster)->options().kubelets).size()),
                  Since(start));
  RunContext ctx{scenario,
                 options,
                 **cluster,
                 tmp.path,
                 std::mt19937_64(result.seed),
                 NodeEntries((*cluster)->options().kubelets)};
  bool failed = false;
  for (size_t i = 0; i < scenario.steps.size(); ++i) {
    const Step& step = scenario.steps[i];
    StepResult r;
    r.label = step.label;
    if (failed) {
      r.skipped = true;
      result.steps.push_back(r);
      continue;
    }
    const auto step_start = Clock::now();
    if (step.action == "eventually" || step.action == "always") {
      Verdict v = Assert(**cluster, step);
      r.passed = v.ok;
      if (!v.ok) r.failure = FailureReport(ctx, step, v);
    } else {
      Status s = FindAction(step.action)->run(ctx, step);
      r.passed = s.ok();
      if (!s.ok()) {
        Verdict error;
        error.saw = s.message();
        r.failure = FailureReport(ctx, step, error);
      }
    }
    r.seconds = Since(step_start);
    print.Step(i + 1, r);
    failed = !r.passed;
    result.steps.push_back(r);
  }
  result.passed = !failed;
  result.seconds = Since(start);
  print.Summary(result);
  if (options.keep) {
    print.Kept(**cluster, tmp.path);
    (*cluster)->Detach();
  } else {
    cluster->reset();
    std::error_code ec;
    fs::remove_all(tmp.path, ec);
  }
  return result;
}

int RunScenarioFiles(const std::vector<std::string>& files, const RunOptions& options,
                     const std::string& junit_path, std::ostream& out) {
  std::vector<Scenario> scenarios;
  for (const std::string& file : files) {
    auto s = ParseScenarioFile(file);
    if (!s.ok()) {
      out << s.status().message() << "\n";
      return 2;
    }
    scenarios.push_back(std::move(s).value());
  }
  std::vector<ScenarioResult> results;
  for (const Scenario& s : scenarios) results.push_back(RunScenario(s, options, out));
  if (!junit_path.empty()) {
    Status written = WriteJUnit(results, junit_path);
    if (!written.ok()) out << written.message() << "\n";
  }
  int failed = 0;
  for (const auto& r : results) failed += !r.passed;
  if (results.size() > 1) {
    out << fmt::format("{} of {} scenarios passed\n", results.size() - failed, results.size());
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace pk::scenario
