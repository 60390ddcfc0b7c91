#include "cluster/commands.h"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "cluster/cluster.h"
#include "cluster/pidfiles.h"

namespace pk::cluster {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Prints to stdout; a closed stdout (`picokube up | head -3`) must not stop the launch halfway.
template <class... Args>
void Say(fmt::format_string<Args...> format, Args&&... args) {
  std::fputs(fmt::format(format, std::forward<Args>(args)...).c_str(), stdout);
  std::fflush(stdout);
}

// What `up` keeps for the next `up` on the same directory: the node count and REST port, so
// that a restart brings back the same nodes and the kubeconfig stays valid.
struct Remembered {
  int nodes = 2;
  int port = 0;
};

Remembered Load(const fs::path& dir) {
  Remembered r;
  std::ifstream in(dir / "up.conf");
  for (std::string key; in >> key;) {
    if (key == "nodes") in >> r.nodes;
    if (key == "port") in >> r.port;
  }
  return r;
}

void Save(const fs::path& dir, const Remembered& r) {
  std::ofstream(dir / "up.conf") << fmt::format("nodes {}\nport {}\n", r.nodes, r.port);
}

// Node groups: nodes node-0..node-(N-1), each its own kubelet and fake-cri up to
// `hollow_above`, else one hollow group of N (whose nodes get the same names).
std::vector<KubeletGroup> NodeGroups(int nodes, int hollow_above) {
  if (nodes > hollow_above) {
    KubeletGroup group;
    group.name = "node";
    group.nodes = nodes;
    return {group};
  }
  std::vector<KubeletGroup> groups(static_cast<size_t>(nodes));
  for (int i = 0; i < nodes; ++i) groups[size_t(i)].name = fmt::format("node-{}", i);
  return groups;
}

}  // namespace

int Up(UpOptions options) {
  const auto t0 = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
  };
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  options.dir = fs::canonical(options.dir, ec);
  if (ec) {
    fmt::print(stderr, "up: cannot use {}: {}\n", options.dir.string(), ec.message());
    return 1;
  }
  if (!StopRecorded(options.dir).empty()) {
    Say("up: stopped the previous processes of {} ({} ms)\n", options.dir.string(), elapsed());
  }
  Remembered remembered = Load(options.dir);
  if (options.nodes >= 0) remembered.nodes = options.nodes;
  if (options.port >= 0) remembered.port = options.port;

  ClusterOptions cluster;
  cluster.dir = options.dir;
  cluster.bin_dir = options.bin_dir;
  cluster.kubelets = NodeGroups(remembered.nodes, options.hollow_above);
  cluster.rest_port = remembered.port;
  cluster.time_scale = options.time_scale;
  cluster.slow_motion = options.slow_motion;
  cluster.secure = !options.insecure;
  cluster.detach = true;
  cluster.progress = [&](const std::string& step) { Say("up: {} ({} ms)\n", step, elapsed()); };
  auto started = Cluster::Start(cluster);
  if (!started.ok()) {
    fmt::print(stderr, "up: {}\n", started.status().message());
    StopRecorded(options.dir);
    return 1;
  }
  (*started)->Detach();
  remembered.port = (*started)->rest_port();
  Save(options.dir, remembered);
  const std::string dir = options.dir.string();
  const int port = (*started)->rest_port();
  const std::string web =
      options.insecure ? fmt::format("http://127.0.0.1:{}/ui/", port)
                       : "run `kubectl proxy --port=8001`, then open http://127.0.0.1:8001/ui/";
  Say("up: cluster ready in {:.2f} s. Logs: {}/logs/\n"
      "API: {} (kubectl as kubernetes-admin; certificates in {}/pki/)\n\n"
      "  export KUBECONFIG={}/kubeconfig\n"
      "  kubectl get nodes\n"
      "  kubectl run nginx --image=nginx --restart=Always\n"
      "  kubectl get pods -w\n"
      "  scripts/trace nginx                  # the pod's flow, step by step, and nginx.svg\n\n"
      "Web page (live nodes, pods, each pod's flow): {}\n"
      "Status: scripts/up --status --data-dir {}    Stop: scripts/down --data-dir {}\n",
      double(elapsed()) / 1000, dir,
      options.insecure ? fmt::format("http://127.0.0.1:{} (insecure: no authentication)", port)
                       : fmt::format("https://127.0.0.1:{}", port),
      dir, dir, web, dir, dir);
  return 0;
}

int Down(const fs::path& dir) {
  if (!fs::exists(dir / "pids")) {
    Say("down: no cluster in {}\n", dir.string());
    return 0;
  }
  for (const std::string& name : StopRecorded(fs::absolute(dir))) {
    Say("down: stopped {}\n", name);
  }
  return 0;
}

int PrintStatus(const fs::path& dir_in) {
  const fs::path dir = fs::absolute(dir_in);
  auto processes = RecordedProcesses(dir);
  if (processes.empty()) {
    Say("status: no cluster in {} (start one with scripts/up --data-dir {})\n", dir.string(),
        dir.string());
    return 3;
  }
  Say("{:<24} {:>8} {:<12} {:>8} {:>8}\n", "COMPONENT", "PID", "STATE", "CPU", "RSS");
  int dead = 0;
  for (const auto& p : processes) {
    if (p.running) {
      const Usage u = UsageOf(p.pid);
      Say("{:<24} {:>8} {:<12} {:>7.1f}s {:>6.0f}MB\n", p.name, p.pid, "Running", u.cpu_seconds,
          u.rss_mb);
    } else {
      Say("{:<24} {:>8} {:<12}\n", p.name, p.pid, "NotRunning");
      ++dead;
    }
  }
  for (const auto& p : processes) {
    if (p.running) continue;
    const fs::path log = dir / "logs" / (p.name + ".log");
    Say("\n--- {} is not running; the end of {}:\n{}", p.name, log.string(), LogTail(log));
  }
  return dead == 0 ? 0 : 1;
}

}  // namespace pk::cluster
