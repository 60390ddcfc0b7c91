// Pods scheduled and started in a burst, through every component as a process: for each node
// count N (--nodes), a fresh cluster (cluster::Cluster, secure as `scripts/up` makes it:
// apiserver, scheduler, controller-manager, one hollow kubelet of N nodes syncing
// --kubelet-workers pods at once, over one fake-cri), then --pods pods created as fast as
// --threads client threads go (gRPC, the admin's certificate; no requests, no nodeName: the
// scheduler places each). Each runs the pause image, as the pods of Kubernetes' density tests
// do: it is present on every node, so no pull is timed. A watch notes when each pod is first
// seen Running.
//   pods/s      = pods / (last Running seen - first create sent): scheduled and started
//   p50/p90/p99 = per pod, create sent -> Running seen by the watch
//   cpu ms/pod  = CPU time of all the cluster's processes in the burst, per pod (and a line
//                 per node count of each process's share)
// Every pod must run within --timeout s (default 300), else the row says how many did. Ends
// with `burst: X pods/s scheduled and started at N nodes` for the largest N.
// Usage: burst_bench [--nodes=100,1000,5000] [--pods=1000] [--threads=8] [--timeout=300]
//                    [--kubelet-workers=64]
//                    [--quick=true] (10 nodes, 50 pods) [--json=FILE]
#include <fmt/ranges.h>

#include "bench/hollow_cluster.h"

namespace pk::bench {
namespace {

Pod MakePod(const std::string& name) {
  Pod pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_("default");
  (*pod.mutable_metadata()->mutable_labels())["bench"] = "burst";
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image("registry.k8s.io/pause:3.10");
  return pod;
}

struct Row {
  int nodes = 0, pods = 0, running = 0;
  double seconds = 0, per_s = 0, p50 = 0, p90 = 0, p99 = 0, cpu_ms_per_pod = 0;
  std::map<std::string, double> cpu_ms_per_pod_of;  // by component
};

// CPU seconds each component has used so far.
std::map<std::string, double> CpuSeconds(cluster::Cluster& c) {
  std::map<std::string, double> out;
  for (const std::string& name : c.components()) out[name] = c.usage(name).cpu_seconds;
  return out;
}

// Creates `pods` pods from `threads` threads; `sent` gets each create's send time.
void Create(const client::Clientset& cs, int pods, int threads,
            std::map<std::string, Clock::time_point>* sent) {
  std::mutex mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto client = cs.Pods("default");
      for (int i = t; i < pods; i += threads) {
        const std::string name = fmt::format("burst-{}", i);
        {
          std::lock_guard lock(mu);
          (*sent)[name] = Clock::now();
        }
        auto created = client.Create(MakePod(name));
        if (!created.ok()) fmt::print(stderr, "create {}: {}\n", name, created.status().message());
      }
    });
  }
  for (std::thread& w : workers) w.join();
}

Row Burst(const std::string& dir, int nodes, int pods, int threads, int timeout_s,
          const std::string& kubelet_workers) {
  HollowCluster bench(dir, nodes, 1.0, kubelet_workers);
  PodTimes times(bench.cs(), "bench=burst");
  std::map<std::string, Clock::time_point> sent;
  const auto cpu0 = CpuSeconds(bench.cluster());
  fmt::print(stderr, "{} nodes: creating {} pods\n", nodes, pods);  // a profiler's cue
  Create(bench.cs(), pods, threads, &sent);
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  while (times.Get().running < pods && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Row row;
  row.nodes = nodes;
  row.pods = pods;
  const auto cpu1 = CpuSeconds(bench.cluster());
  Clock::time_point first = Clock::time_point::max(), last{};
  std::vector<double> ms;
  for (const auto& [name, ran] : times.Running()) {
    auto it = sent.find(name);
    if (it == sent.end()) continue;
    first = std::min(first, it->second);
    last = std::max(last, ran);
    ms.push_back(Ms(ran - it->second));
  }
  row.running = int(ms.size());
  if (ms.empty()) return row;
  Stats s = Summarize(&ms);
  row.p50 = s.p50;
  row.p99 = s.p99;
  row.p90 = ms[std::min(ms.size() - 1, size_t(0.9 * ms.size()))];
  row.seconds = Ms(last - first) / 1000;
  row.per_s = row.seconds > 0 ? row.running / row.seconds : 0;
  for (const auto& [name, seconds] : cpu1) {
    const double ms_per_pod = (seconds - cpu0.at(name)) * 1000 / row.running;
    row.cpu_ms_per_pod_of[name] = ms_per_pod;
    row.cpu_ms_per_pod += ms_per_pod;
  }
  return row;
}

std::vector<int> Numbers(const std::string& csv) {
  std::vector<int> out;
  size_t at = 0;
  while (at < csv.size()) {
    size_t comma = csv.find(',', at);
    if (comma == std::string::npos) comma = csv.size();
    out.push_back(std::atoi(csv.substr(at, comma - at).c_str()));
    at = comma + 1;
  }
  return out;
}

int Main(int argc, char** argv) {
  const bool quick = Flag(argc, argv, "quick", "") == "true";
  const auto node_counts = Numbers(Flag(argc, argv, "nodes", quick ? "10" : "100,1000,5000"));
  const int pods = int(FlagNum(argc, argv, "pods", quick ? 50 : 1000));
  const int threads = std::max(1, int(FlagNum(argc, argv, "threads", 8)));
  const int timeout_s = int(FlagNum(argc, argv, "timeout", 300));
  const std::string kubelet_workers = Flag(argc, argv, "kubelet-workers", "64");
  std::vector<Row> rows;
  for (int nodes : node_counts) {
    TempDir dir;
    rows.push_back(Burst(dir.path(), nodes, pods, threads, timeout_s, kubelet_workers));
  }

  fmt::print(
      "pods created by {} threads at once, scheduled and started on hollow nodes (secure\n"
      "cluster, every component a process); latency = create sent -> Running seen by a watch\n",
      threads);
  fmt::print("{:>6} {:>6} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>11}\n", "nodes", "pods", "running",
             "seconds", "pods/s", "p50 ms", "p90 ms", "p99 ms", "cpu ms/pod");
  for (const Row& r : rows) {
    fmt::print("{:>6} {:>6} {:>8} {:>9.2f} {:>8.0f} {:>8.0f} {:>8.0f} {:>8.0f} {:>11.1f}\n",
               r.nodes, r.pods, r.running, r.seconds, r.per_s, r.p50, r.p90, r.p99,
               r.cpu_ms_per_pod);
  }
  for (const Row& r : rows) {
    std::string by;
    for (const auto& [name, ms] : r.cpu_ms_per_pod_of) by += fmt::format(" {} {:.1f},", name, ms);
    if (!by.empty()) by.pop_back();
    fmt::print("cpu ms/pod at {} nodes:{}\n", r.nodes, by);
  }
  Figures figures;
  bool all_ran = true;
  for (const Row& r : rows) {
    const std::string at = fmt::format("_{}_nodes", r.nodes);
    figures.Set("pods_per_s" + at, r.per_s);
    figures.Set("p50_ms" + at, r.p50);
    figures.Set("p90_ms" + at, r.p90);
    figures.Set("p99_ms" + at, r.p99);
    figures.Set("running" + at, r.running);
    figures.Set("cpu_ms_per_pod" + at, r.cpu_ms_per_pod);
    all_ran = all_ran && r.running == r.pods;
  }
  figures.Set("pods", pods);
  figures.WriteIfAsked(argc, argv);
  const Row& largest = rows.back();
  if (largest.running < largest.pods) {
    fmt::print("burst: only {} of {} pods ran at {} nodes\n", largest.running, largest.pods,
               largest.nodes);
  } else {
    fmt::print("burst: {:.0f} pods/s scheduled and started at {} nodes\n", largest.per_s,
               largest.nodes);
  }
  return all_ran ? 0 : 1;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
