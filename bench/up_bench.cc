// `scripts/up` as a user runs it, already built: the wall time from the command until it
// returns with every node Ready, for --nodes (3) — on a fresh directory, and again on the same
// directory (a restart on the stored state). Each run ends with scripts/down. The step times
// come from up's own progress lines ("up: 3 nodes Ready (412 ms)").
// Usage: up_bench [--nodes=3] [--runs=5] [--quick=true]
// Ends with `up: X s`, the median of the fresh runs.
#include <fmt/format.h>

#include <map>
#include <regex>

#include "bench/bench_util.h"

namespace pk::bench {
namespace {

struct Run {
  std::string kind;
  double total_ms = 0;
  std::map<std::string, double> step_ms;  // "apiserver", "nodes Ready", ...
};

// The source tree: bin/ sits in the build directory, which scripts/up is told to use.
struct Paths {
  std::filesystem::path build =
      std::filesystem::path(BinaryBeside("bin")).parent_path().parent_path();
  std::filesystem::path source = PK_SOURCE_DIR;
};

std::string RunCommand(const std::string& command, int* rc) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return "popen failed";
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  *rc = pclose(pipe);
  return out;
}

Run Up(const Paths& paths, const std::string& dir, int nodes, const std::string& kind) {
  const std::string command = fmt::format("PK_BUILD_DIR={} {}/scripts/up --data-dir {} --nodes {}",
                                          paths.build.string(), paths.source.string(), dir, nodes);
  const auto t0 = Clock::now();
  int rc = 0;
  const std::string out = RunCommand(command, &rc);
  Run run{kind, Ms(Clock::now() - t0), {}};
  if (rc != 0) {
    fmt::print(stderr, "up_bench: `{}` failed:\n{}\n", command, out);
    std::exit(1);
  }
  // "up: STEP (N ms)", where STEP is "3 nodes Ready" or "apiserver: REST on ...": the step's
  // name is what comes before a colon.
  static const std::regex step(R"(^up: ([^:(]+?)(?::[^\n]*)? \((\d+) ms\)$)",
                               std::regex::multiline);
  for (std::sregex_iterator it(out.begin(), out.end(), step), end; it != end; ++it) {
    run.step_ms[(*it)[1]] = std::stod((*it)[2]);
  }
  return run;
}

void Down(const Paths& paths, const std::string& dir) {
  int rc = 0;
  RunCommand(fmt::format("PK_BUILD_DIR={} {}/scripts/down --data-dir {}", paths.build.string(),
                         paths.source.string(), dir),
             &rc);
}

int Main(int argc, char** argv) {
  const bool quick = Flag(argc, argv, "quick", "") == "true";
  const int nodes = int(FlagNum(argc, argv, "nodes", 3));
  const int runs = int(FlagNum(argc, argv, "runs", quick ? 1 : 5));
  Paths paths;
  TempDir tmp;
  std::vector<Run> all;
  for (int i = 0; i < runs; ++i) {
    const std::string dir = fmt::format("{}/c{}", tmp.path(), i);
    all.push_back(Up(paths, dir, nodes, "fresh"));
    Down(paths, dir);
    all.push_back(Up(paths, dir, nodes, "restart"));
    Down(paths, dir);
    fmt::print(stderr, "run {}: fresh {:.0f} ms, restart {:.0f} ms\n", i + 1,
               all[all.size() - 2].total_ms, all.back().total_ms);
  }
  fmt::print("scripts/up --nodes {} (already built), then scripts/down; ms from the command\n",
             nodes);
  fmt::print("{:<8} {:>10} {:>14} {:>12} {:>12} {:>10}\n", "run", "built ms", "apiserver ms",
             "kubelets ms", "nodes Ready", "total ms");
  std::vector<double> fresh, restart;
  for (const Run& r : all) {
    auto step = [&](const std::string& name) {
      auto it = r.step_ms.find(name);
      return it == r.step_ms.end() ? std::string("-") : fmt::format("{:.0f}", it->second);
    };
    fmt::print("{:<8} {:>10} {:>14} {:>12} {:>12} {:>10.0f}\n", r.kind, step("installed and built"),
               step("apiserver"), step(fmt::format("kubelet-node-{}", nodes - 1)),
               step(fmt::format("{} nodes Ready", nodes)), r.total_ms);
    if (r.kind == "fresh") fresh.push_back(r.total_ms);
    if (r.kind == "restart") restart.push_back(r.total_ms);
  }
  const Stats s = Summarize(&fresh);
  Figures figures;
  figures.Set("up_s", s.p50 / 1000);
  figures.Set("up_restart_s", Summarize(&restart).p50 / 1000);
  figures.Set("nodes", nodes);
  figures.WriteIfAsked(argc, argv);
  fmt::print("up: {:.2f} s\n", s.p50 / 1000);
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
