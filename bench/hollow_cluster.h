// What the benchmarks of a whole cluster share (controllers_bench, burst_bench): a cluster of
// hollow nodes started through cluster::Cluster (every component a process, secure as
// `scripts/up` makes it), kubectl against it, the CPU and memory of each process, and a pod
// watch that notes when each pod was first seen created, bound and Running.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "cluster/cluster.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::bench {

using k8s::core::v1::Pod;

// Exits the benchmark with `what` on stderr.
[[noreturn]] inline void Die(const std::string& what) {
  fmt::print(stderr, "{}: {}\n", program_invocation_short_name, what);
  std::exit(1);
}

// Polls `done` every 10 ms for up to `seconds`; exits the benchmark with `what` otherwise.
inline void WaitOrDie(const std::function<bool()>& done, int seconds, const std::string& what) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (Clock::now() > deadline) Die(what);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// When a pod watch first saw each pod of a label selector created, bound and Running.
class PodTimes {
 public:
  PodTimes(const client::Clientset& cs, const std::string& selector) {
    client::ListOptions options;
    options.label_selector = selector;
    auto watch = cs.Pods("default").Watch(options);
    if (!watch.ok()) Die("watch: " + watch.status().message());
    watch_ = std::move(watch).value();
    thread_ = std::thread([this] { Loop(); });
  }
  ~PodTimes() {
    stop_ = true;
    thread_.join();
  }
  struct Summary {
    int running = 0;
    Clock::time_point created, bound, ran;  // the last of each
  };
  // Pods first seen Running in each second after `t0` ("12 40 97 ..."), for the progress log.
  std::string RunningPerSecond(Clock::time_point t0) {
    std::lock_guard lock(mu_);
    std::vector<int> per;
    for (const auto& [name, t] : times_) {
      if (t.running == Clock::time_point()) continue;
      size_t s = size_t(std::max(0.0, Ms(t.running - t0) / 1000));
      if (per.size() <= s) per.resize(s + 1);
      ++per[s];
    }
    std::string out;
    for (int n : per) out += fmt::format(" {}", n);
    return out;
  }
  // When each pod was first seen Running (pods not yet Running are left out).
  std::map<std::string, Clock::time_point> Running() {
    std::lock_guard lock(mu_);
    std::map<std::string, Clock::time_point> out;
    for (const auto& [name, t] : times_) {
      if (t.running != Clock::time_point()) out.emplace(name, t.running);
    }
    return out;
  }
  Summary Get() {
    std::lock_guard lock(mu_);
    Summary s;
    for (const auto& [name, t] : times_) {
      s.created = std::max(s.created, t.created);
      s.bound = std::max(s.bound, t.bound);
      if (t.running == Clock::time_point()) continue;
      s.ran = std::max(s.ran, t.running);
      ++s.running;
    }
    return s;
  }

 private:
  struct Times {
    Clock::time_point created, bound, running;
  };
  void Loop() {
    while (!stop_) {
      auto event = watch_->Next(std::chrono::milliseconds(50));
      if (!event || !event->object || event->type == client::EventType::kDeleted) continue;
      const Pod& pod = *event->object;
      const auto now = Clock::now();
      std::lock_guard lock(mu_);
      Times& t = times_[pod.metadata().name()];
      if (t.created == Clock::time_point()) t.created = now;
      if (t.bound == Clock::time_point() && !pod.spec().node_name().empty()) t.bound = now;
      if (t.running == Clock::time_point() && pod.status().phase() == "Running") t.running = now;
    }
  }
  std::unique_ptr<client::TypedWatch<Pod>> watch_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, Times> times_;
};

class HollowCluster {
 public:
  HollowCluster(const std::string& dir, int nodes, double time_scale,
                const std::string& kubelet_workers)
      : dir_(dir) {
    cluster::ClusterOptions options;
    options.dir = dir + "/cluster";
    options.bin_dir = BinaryBeside("");
    cluster::KubeletGroup group;
    group.name = "hollow";
    group.nodes = nodes;
    options.kubelets = {group};
    options.time_scale = time_scale;
    if (!kubelet_workers.empty()) options.extra_args["kubelet"] = {"--workers=" + kubelet_workers};
    // For profiling a run: more apiserver flags, e.g. an audit log of every request.
    if (const char* extra = std::getenv("PK_BENCH_APISERVER_ARGS")) {
      std::istringstream words(extra);
      for (std::string w; words >> w;) options.extra_args["apiserver"].push_back(w);
    }
    options.ready_timeout = std::chrono::seconds(300);  // 5,000 nodes register
    const auto t0 = Clock::now();
    auto started = cluster::Cluster::Start(options);
    if (!started.ok()) Die(started.status().message());
    cluster_ = std::move(started).value();
    fmt::print(stderr, "cluster of {} hollow nodes up in {:.2f} s ({})\n", nodes,
               Ms(Clock::now() - t0) / 1000, options.dir.string());
  }
  const client::Clientset& cs() const { return cluster_->clientset(); }
  cluster::Cluster& cluster() { return *cluster_; }

  std::string Kubectl(const std::string& args) {
    std::string command =
        fmt::format("/usr/bin/kubectl --kubeconfig={} --cache-dir={}/kube-cache {} 2>&1",
                    cluster_->kubeconfig().string(), dir_, args);
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) Die("popen kubectl");
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    if (pclose(pipe) != 0) Die("kubectl " + args + ": " + out);
    return out;
  }
  void Apply(const std::string& yaml) {
    const std::string file = fmt::format("{}/manifest-{}.yaml", dir_, ++manifests_);
    std::ofstream(file) << yaml;
    Kubectl("apply -f " + file);
  }
  int RunningPods(const std::string& selector) {
    client::ListOptions options;
    options.label_selector = selector;
    auto list = cs().Pods("default").List(options);
    if (!list.ok()) return -1;
    int n = 0;
    for (const auto& p : list->items) n += p->status().phase() == "Running";
    return int(list->items.size()) == n ? n : -1;
  }
  // CPU seconds each component used since the last call, and its RSS now. The sum over
  // the components is kept for CpuSecondsSince().
  std::string UsageSince() {
    std::string out;
    cpu_since_ = 0;
    for (const std::string& name : cluster_->components()) {
      cluster::Usage u = cluster_->usage(name);
      out += fmt::format(" {} {:.1f}s/{:.0f}MB", name, u.cpu_seconds - cpu_[name], u.rss_mb);
      cpu_since_ += u.cpu_seconds - cpu_[name];
      cpu_[name] = u.cpu_seconds;
    }
    return out;
  }
  // CPU seconds of all the components between the last two UsageSince() calls.
  double CpuSecondsSince() const { return cpu_since_; }
  // The store's revision now: every write anywhere adds one.
  int64_t Revision() {
    client::ListOptions options;
    options.limit = 1;
    auto list = cs().Pods("kube-system").List(options);
    return list.ok() ? std::stoll(list->metadata.resource_version()) : 0;
  }
  int Pods(const std::string& selector) {
    client::ListOptions options;
    options.label_selector = selector;
    auto list = cs().Pods("default").List(options);
    return list.ok() ? int(list->items.size()) : -1;
  }

 private:
  std::string dir_;
  int manifests_ = 0;
  std::map<std::string, double> cpu_;
  double cpu_since_ = 0;
  std::unique_ptr<cluster::Cluster> cluster_;
};

}  // namespace pk::bench
