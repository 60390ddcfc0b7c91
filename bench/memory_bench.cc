// Memory (RSS) of every process of a cluster (cluster::Cluster), idle and at scale.
//
// Phase idle: a cluster as `scripts/up` makes it — --idle-nodes (3) nodes, each its own
// kubelet and fake-cri, secure (TLS, Node,RBAC) — waits until every node is Ready, settles
// for --idle-seconds (10), then reads the RSS of each process. The goal "idle RSS of the
// whole control plane <= 100 MB" is measured on the control plane: apiserver + scheduler +
// controller-manager. The nodes (kubelets, fake-cris) are reported beside it, and the total.
//
// Phase scale: a fresh secure cluster of --nodes (5000) hollow nodes (one kubelet, one
// fake-cri; its pods synced --kubelet-workers (64) at once: the kubelet's default of 4, with
// a 500 ms image pull on each node's first pod, runs 15 pods/s), then --pods (150000) bare
// pods created by this process from --creators (16)
// threads over gRPC as kubernetes-admin. Direct creation rather than Deployments: the
// ReplicaSet controller creates at most a burst per sync and waits to observe each batch,
// while direct creates are paced only by the apiserver, so the count is reached sooner and
// the fill time measures the apiserver, scheduler and kubelet, not the controller's batching.
// Pods request 10m cpu and 16Mi memory: 150000 fit on 5000 nodes of cpu=4, memory=8Gi,
// pods=110 (30 a node on average). The bench waits (bounded by --timeout, 900 s) until a pod
// watch has seen every pod Running, sampling each process's RSS every second meanwhile (the
// peak), then reads the RSS of each process again. Before the pods, the RSS with the nodes
// alone is read too: the growth over it divided by the pods created is each process's bytes
// per pod.
// On a shared machine the fill stops (and reports, as at the timeout) once all processes
// together hold more than --max-mb (8192: twice the goal's 4 GB).
// This process's own RSS (the pod watch keeps a name and a flag per pod) is reported apart
// and counted in no total.
//
// RSS in MiB ("MB") from /proc/PID/stat. The machine is shared: figures include whatever the
// allocators kept, not a steady state.
// Ends with `memory: control plane idle X MB, all processes at N nodes / P pods Y MB`.
// Usage: memory_bench [--phases=idle,scale] [--idle-nodes=3] [--idle-seconds=10]
//        [--nodes=5000] [--pods=150000] [--creators=16] [--kubelet-workers=64] [--timeout=900]
//        [--max-mb=8192] [--quick=true]
//        [--json=FILE]
// --quick=true: idle 2 s, then 50 nodes / 500 pods.
#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "apimachinery/stop_signals.h"
#include "bench/bench_util.h"
#include "cluster/cluster.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::bench {
namespace {

using k8s::core::v1::Pod;

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "memory_bench: {}\n", what);
  std::exit(1);
}

// Set by a first SIGINT or SIGTERM: the fill's wait ends as at its timeout (the figures so
// far are reported and the cluster's processes stopped); a second one exits at once.
std::atomic<bool> interrupted{false};

void WatchStopSignals(StopSignals* signals) {
  std::thread([signals] {
    signals->Wait();
    fmt::print(stderr, "memory_bench: interrupted; reporting what was reached\n");
    interrupted = true;
    signals->Wait();
    std::_Exit(130);
  }).detach();
}

bool IsControlPlane(const std::string& name) {
  return name == "apiserver" || name == "scheduler" || name == "controller-manager";
}

// "kubelet-node-0" -> "kubelet_node_0": a JSON key part.
std::string Snake(std::string name) {
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

// The RSS of each component at one moment, in MiB.
struct Snapshot {
  std::vector<std::pair<std::string, double>> rss;  // in start order
  double ControlPlane() const {
    double sum = 0;
    for (const auto& [name, mb] : rss) sum += IsControlPlane(name) ? mb : 0;
    return sum;
  }
  double All() const {
    double sum = 0;
    for (const auto& [name, mb] : rss) sum += mb;
    return sum;
  }
};

Snapshot Take(const cluster::Cluster& cluster) {
  Snapshot s;
  for (const std::string& name : cluster.components()) {
    s.rss.emplace_back(name, cluster.usage(name).rss_mb);
  }
  return s;
}

double SelfRssMb() { return cluster::UsageOf(getpid()).rss_mb; }

std::unique_ptr<cluster::Cluster> StartCluster(const std::string& dir,
                                               std::vector<cluster::KubeletGroup> groups,
                                               int ready_seconds, int kubelet_workers = 0) {
  cluster::ClusterOptions options;
  options.dir = dir;
  options.bin_dir = BinaryBeside("");
  options.kubelets = std::move(groups);
  options.ready_timeout = std::chrono::seconds(ready_seconds);
  if (kubelet_workers > 0) {
    options.extra_args["kubelet"] = {fmt::format("--workers={}", kubelet_workers)};
  }
  options.progress = [](const std::string& step) { fmt::print(stderr, "  {}\n", step); };
  const auto t0 = Clock::now();
  auto started = cluster::Cluster::Start(options);
  if (!started.ok()) Die(started.status().message());
  fmt::print(stderr, "cluster up in {:.1f} s ({})\n", Ms(Clock::now() - t0) / 1000, dir);
  return std::move(started).value();
}

// Sums RSS every second in a thread of its own: the peak of the total and of each process.
class PeakSampler {
 public:
  explicit PeakSampler(const cluster::Cluster& cluster) : cluster_(cluster) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~PeakSampler() { Stop(); }
  void Stop() {
    if (stop_.exchange(true)) return;
    thread_.join();
  }
  double peak_all() {
    std::lock_guard lock(mu_);
    return peak_all_;
  }
  double last_all() {
    std::lock_guard lock(mu_);
    return last_all_;
  }
  std::map<std::string, double> peaks() {
    std::lock_guard lock(mu_);
    return peaks_;
  }

 private:
  void Loop() {
    while (!stop_) {
      Snapshot s = Take(cluster_);
      {
        std::lock_guard lock(mu_);
        last_all_ = s.All();
        peak_all_ = std::max(peak_all_, last_all_);
        for (const auto& [name, mb] : s.rss) peaks_[name] = std::max(peaks_[name], mb);
      }
      for (int i = 0; i < 10 && !stop_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  const cluster::Cluster& cluster_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  double peak_all_ = 0, last_all_ = 0;
  std::map<std::string, double> peaks_;
};

// How many pods of a label selector a watch has seen Running (by name: a flag per pod). The
// watch resumes from its last resourceVersion when the server ends it, and lists again when
// that version has expired.
class RunningCounter {
 public:
  RunningCounter(const client::Clientset& cs, std::string selector)
      : cs_(cs), selector_(std::move(selector)) {
    Relist();
    thread_ = std::thread([this] { Loop(); });
  }
  ~RunningCounter() {
    stop_ = true;
    thread_.join();
  }
  int running() const { return running_; }

 private:
  void Observe(const Pod& pod, bool deleted) {
    const bool now = !deleted && pod.status().phase() == "Running";
    auto [it, inserted] = running_by_name_.try_emplace(pod.metadata().name(), false);
    if (it->second != now) running_ += now ? 1 : -1;
    it->second = now;
  }
  void Relist() {
    client::ListOptions options;
    options.label_selector = selector_;
    options.limit = 5000;
    running_by_name_.clear();
    running_ = 0;
    do {
      auto page = cs_.Pods("default").List(options);
      if (!page.ok()) Die("listing pods: " + page.status().message());
      for (const auto& pod : page->items) Observe(*pod, false);
      options.continue_token = page->metadata.continue_();
      if (options.continue_token.empty()) rv_ = page->metadata.resource_version();
    } while (!options.continue_token.empty());
  }
  std::unique_ptr<client::TypedWatch<Pod>> Rewatch() {
    client::ListOptions options;
    options.label_selector = selector_;
    options.resource_version = rv_;
    options.allow_watch_bookmarks = true;
    auto watch = cs_.Pods("default").Watch(options);
    if (watch.ok()) return std::move(watch).value();
    fmt::print(stderr, "pod watch: {}; listing again\n", watch.status().message());
    Relist();
    return nullptr;
  }
  void Loop() {
    std::unique_ptr<client::TypedWatch<Pod>> watch;
    while (!stop_) {
      if (!watch || watch->done()) {
        watch = Rewatch();
        continue;
      }
      auto event = watch->Next(std::chrono::milliseconds(100));
      if (!event) continue;
      if (event->type == client::EventType::kError) {
        fmt::print(stderr, "pod watch: {}; listing again\n", event->error.message());
        Relist();
        watch = nullptr;
        continue;
      }
      if (!event->object) continue;
      rv_ = event->object->metadata().resource_version();
      if (event->type == client::EventType::kBookmark) continue;
      Observe(*event->object, event->type == client::EventType::kDeleted);
    }
  }
  const client::Clientset& cs_;
  std::string selector_;
  std::string rv_;
  std::unordered_map<std::string, bool> running_by_name_;
  std::atomic<int> running_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Pod MakePod(int i) {
  Pod pod;
  pod.mutable_metadata()->set_name(fmt::format("mem-{}", i));
  pod.mutable_metadata()->set_namespace_("default");
  (*pod.mutable_metadata()->mutable_labels())["bench"] = "mem";
  pod.mutable_spec()->set_termination_grace_period_seconds(1);
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image("nginx:1.25");
  auto& requests = *c->mutable_resources()->mutable_requests();
  requests["cpu"].set_string("10m");
  requests["memory"].set_string("16Mi");
  return pod;
}

// Creates pods mem-0..mem-(pods-1) from `threads` threads; a create the apiserver refuses
// for load (429, 503, a deadline) is retried, an AlreadyExists after such a retry counts.
// Ends early once `stop` is set.
void CreatePods(const client::Clientset& cs, int pods, int threads, std::atomic<int>* created,
                const std::atomic<bool>* stop) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      auto client = cs.Pods("default");
      for (int i; !*stop && (i = next++) < pods;) {
        const Pod pod = MakePod(i);
        for (int attempt = 0;; ++attempt) {
          auto result = client.Create(pod);
          if (result.ok() || (attempt > 0 && result.status().code() == 409)) {
            ++*created;
            break;
          }
          if (*stop) break;
          if (attempt >= 50) Die(fmt::format("creating mem-{}: {}", i, result.status().message()));
          std::this_thread::sleep_for(std::chrono::milliseconds(100 * (attempt + 1)));
        }
      }
    });
  }
  for (auto& w : workers) w.join();
}

void PrintSnapshot(const std::string& phase, const Snapshot& s, const Snapshot* before,
                   const std::map<std::string, double>* peaks, int pods) {
  for (const auto& [name, mb] : s.rss) {
    std::string extra;
    if (peaks) extra += fmt::format(" {:>10.1f}", peaks->count(name) ? peaks->at(name) : 0.0);
    if (before) {
      double base = 0;
      for (const auto& [n, b] : before->rss) base = n == name ? b : base;
      extra += fmt::format(" {:>10.1f} {:>10.0f}", base,
                           pods > 0 ? (mb - base) * 1024 * 1024 / pods : 0.0);
    }
    fmt::print("{:<8} {:<24} {:>10.1f}{}\n", phase, name, mb, extra);
  }
  fmt::print("{:<8} {:<24} {:>10.1f}\n", phase, "control plane", s.ControlPlane());
  fmt::print("{:<8} {:<24} {:>10.1f}\n", phase, "nodes", s.All() - s.ControlPlane());
  fmt::print("{:<8} {:<24} {:>10.1f}\n", phase, "all processes", s.All());
}

void AddPerProcess(const std::string& prefix, const Snapshot& s, Figures* out) {
  for (const auto& [name, mb] : s.rss) out->Set(prefix + Snake(name) + "_mb", mb);
}

struct IdleResult {
  Snapshot snapshot;
  double bench_mb = 0;
};

IdleResult Idle(const std::string& dir, int nodes, double settle_s) {
  fmt::print(stderr, "idle: {} nodes, each its own kubelet and fake-cri\n", nodes);
  std::vector<cluster::KubeletGroup> groups(static_cast<size_t>(nodes));
  for (int i = 0; i < nodes; ++i) groups[size_t(i)].name = fmt::format("node-{}", i);
  auto cluster = StartCluster(dir + "/idle", std::move(groups), 60);
  std::this_thread::sleep_for(std::chrono::duration<double>(settle_s));
  IdleResult r{Take(*cluster), SelfRssMb()};
  const std::string dead = cluster->Diagnose();
  if (!dead.empty()) Die("idle cluster: " + dead);
  return r;
}

struct ScaleResult {
  Snapshot before, after;
  std::map<std::string, double> peaks;
  double peak_all = 0;
  int running = 0, created = 0;
  double create_s = 0, fill_s = 0;
  bool complete = false;
  double bench_mb = 0;
  // One pod as the apiserver returns it: protobuf bytes, and as a parsed message in memory.
  size_t pod_wire_bytes = 0, pod_memory_bytes = 0, pod_memory_no_managed_fields_bytes = 0;
};

struct ScaleOptions {
  int nodes, pods, creators, kubelet_workers, timeout_s;
  double max_mb;  // the fill stops once all processes together hold more
};

ScaleResult Scale(const std::string& dir, const ScaleOptions& o) {
  const int nodes = o.nodes, pods = o.pods, timeout_s = o.timeout_s;
  fmt::print(stderr, "scale: {} hollow nodes, then {} pods\n", nodes, pods);
  cluster::KubeletGroup group;
  group.name = "hollow";
  group.nodes = nodes;
  auto cluster = StartCluster(dir + "/scale", {group}, std::max(120, nodes / 5), o.kubelet_workers);
  ScaleResult r;
  r.before = Take(*cluster);
  RunningCounter counter(cluster->clientset(), "bench=mem");
  PeakSampler sampler(*cluster);
  std::atomic<int> created{0};
  std::atomic<bool> stop_creating{false};
  const auto t0 = Clock::now();
  std::thread creator([&] {
    CreatePods(cluster->clientset(), pods, o.creators, &created, &stop_creating);
    r.create_s = Ms(Clock::now() - t0) / 1000;
  });
  const auto deadline = t0 + std::chrono::seconds(timeout_s);
  auto next_report = t0;
  while (counter.running() < pods && Clock::now() < deadline && !interrupted) {
    if (sampler.last_all() > o.max_mb) {
      fmt::print(stderr, "scale: all processes hold {:.0f} MB, over --max-mb={:.0f}: stopping\n",
                 sampler.last_all(), o.max_mb);
      break;
    }
    if (Clock::now() >= next_report) {
      next_report += std::chrono::seconds(10);
      fmt::print(stderr, "  {:>5.0f} s: {} created, {} Running, all processes {:.0f} MB\n",
                 Ms(Clock::now() - t0) / 1000, created.load(), counter.running(),
                 sampler.last_all());
      const std::string dead = cluster->Diagnose();
      if (!dead.empty()) Die("scale cluster: " + dead);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  r.fill_s = Ms(Clock::now() - t0) / 1000;
  r.running = counter.running();
  r.complete = r.running >= pods;
  stop_creating = true;
  creator.join();
  r.created = created;
  if (!r.complete) {
    fmt::print(stderr, "scale: only {} of {} pods Running ({} created) after {:.0f} s\n", r.running,
               pods, r.created, r.fill_s);
  }
  r.after = Take(*cluster);
  sampler.Stop();
  r.peaks = sampler.peaks();
  for (const auto& [name, mb] : r.after.rss) r.peaks[name] = std::max(r.peaks[name], mb);
  r.peak_all = std::max(sampler.peak_all(), r.after.All());
  r.bench_mb = SelfRssMb();
  auto pod = cluster->clientset().Pods("default").Get("mem-0");
  if (pod.ok()) {
    r.pod_wire_bytes = (*pod)->ByteSizeLong();
    r.pod_memory_bytes = (*pod)->SpaceUsedLong();
    Pod bare = **pod;
    bare.mutable_metadata()->clear_managed_fields();
    r.pod_memory_no_managed_fields_bytes = bare.SpaceUsedLong();
  }
  return r;
}

int Main(int argc, char** argv) {
  StopSignals signals;  // before any thread starts
  WatchStopSignals(&signals);
  const bool quick = Flag(argc, argv, "quick", "") == "true";
  const std::string phases = Flag(argc, argv, "phases", "idle,scale");
  const int idle_nodes = int(FlagNum(argc, argv, "idle-nodes", 3));
  const double idle_s = FlagNum(argc, argv, "idle-seconds", quick ? 2 : 10);
  const int nodes = int(FlagNum(argc, argv, "nodes", quick ? 50 : 5000));
  const int pods = int(FlagNum(argc, argv, "pods", quick ? 500 : 150000));
  const int creators = int(FlagNum(argc, argv, "creators", 16));
  const int kubelet_workers = int(FlagNum(argc, argv, "kubelet-workers", 64));
  const double max_mb = FlagNum(argc, argv, "max-mb", 8192);
  const int timeout_s = int(FlagNum(argc, argv, "timeout", 900));
  TempDir dir;
  Figures figures;
  std::string idle_summary = "-", scale_summary = "-";

  if (phases.find("idle") != std::string::npos) {
    IdleResult idle = Idle(dir.path(), idle_nodes, idle_s);
    fmt::print(
        "idle: {} nodes (a kubelet and a fake-cri each), secure, after {} s settled; RSS MB\n",
        idle_nodes, idle_s);
    fmt::print("{:<8} {:<24} {:>10}\n", "phase", "process", "rss MB");
    PrintSnapshot("idle", idle.snapshot, nullptr, nullptr, 0);
    fmt::print("{:<8} {:<24} {:>10.1f}  (this benchmark; in no total)\n\n", "idle", "bench",
               idle.bench_mb);
    figures.Set("idle_control_plane_mb", idle.snapshot.ControlPlane());
    figures.Set("idle_all_mb", idle.snapshot.All());
    AddPerProcess("idle_", idle.snapshot, &figures);
    idle_summary = fmt::format("{:.0f} MB", idle.snapshot.ControlPlane());
  }

  if (phases.find("scale") != std::string::npos) {
    ScaleResult s = Scale(dir.path(), {nodes, pods, creators, kubelet_workers, timeout_s, max_mb});
    fmt::print(
        "scale: {} hollow nodes (one kubelet of {} workers, one fake-cri), {} of {} pods created "
        "from {} "
        "threads in {:.1f} s; {} Running after {:.1f} s ({:.1f} pods/s){}\n",
        nodes, kubelet_workers, s.created, pods, creators, s.create_s, s.running, s.fill_s,
        s.running / s.fill_s, s.complete ? "" : " — INCOMPLETE: timeout, --max-mb or interrupt");
    fmt::print("{:<8} {:<24} {:>10} {:>10} {:>10} {:>10}\n", "phase", "process", "rss MB",
               "peak MB", "no pods MB", "B/pod");
    PrintSnapshot("scale", s.after, &s.before, &s.peaks, s.created);
    fmt::print("{:<8} {:<24} {:>10.1f}  (peak of the sum, sampled every second)\n", "scale",
               "all processes peak", s.peak_all);
    fmt::print("{:<8} {:<24} {:>10.1f}  (this benchmark: a pod watch; in no total)\n\n", "scale",
               "bench", s.bench_mb);
    fmt::print(
        "a pod (mem-0, read at the end): {} bytes as protobuf, {} bytes as a parsed message "
        "(SpaceUsedLong), {} of them without managedFields\n\n",
        s.pod_wire_bytes, s.pod_memory_bytes, s.pod_memory_no_managed_fields_bytes);
    figures.Set("scale_all_mb", s.after.All());
    figures.Set("scale_peak_all_mb", s.peak_all);
    figures.Set("scale_control_plane_mb", s.after.ControlPlane());
    figures.Set("scale_no_pods_all_mb", s.before.All());
    figures.Set("scale_nodes", nodes);
    figures.Set("scale_pods", pods);
    figures.Set("scale_created_pods", s.created);
    figures.Set("scale_running_pods", s.running);
    figures.Set("scale_fill_s", s.fill_s);
    figures.Set("scale_fill_pods_per_s", s.running / s.fill_s);
    figures.Set("pod_wire_bytes", double(s.pod_wire_bytes));
    figures.Set("pod_memory_bytes", double(s.pod_memory_bytes));
    figures.Set("pod_memory_no_managed_fields_bytes", double(s.pod_memory_no_managed_fields_bytes));
    AddPerProcess("scale_", s.after, &figures);
    for (const auto& [name, mb] : s.peaks) figures.Set("scale_peak_" + Snake(name) + "_mb", mb);
    scale_summary = fmt::format("{:.0f} MB", s.after.All());
    if (!s.complete) scale_summary += fmt::format(" (only {} Running)", s.running);
  }

  figures.WriteIfAsked(argc, argv);
  fmt::print("memory: control plane idle {}, all processes at {} nodes / {} pods {}\n",
             idle_summary, nodes, pods, scale_summary);
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
