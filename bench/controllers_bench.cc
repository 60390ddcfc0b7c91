// The controllers end to end, through every component as a process (cluster::Cluster:
// apiserver, scheduler, controller-manager, one hollow kubelet of --nodes nodes over fake-cri).
//
// Phase 1, scale: a Deployment at 0 replicas, then `kubectl scale --replicas=--pods`; times from
// the kubectl call until a pod watch has seen every pod created, bound and Running.
// Phase 2, rolling update: --deployments Deployments sharing --pods pods, all Running, then one
// `kubectl set image` of them all; times until every Deployment reports the new template fully
// available and every old pod is gone.
// Both images are pulled by a warm-up pod first (tagged images are IfNotPresent, as in
// Kubernetes' density tests). Ends with `scale 0->N: X s`.
// Usage: controllers_bench [--nodes=100] [--pods=1000] [--deployments=10] [--quick=true]
//        [--time-scale=1] [--kubelet-workers=N] [--phases=scale,roll]
// --phases=scale runs phase 1 only (for profiling the scale path).
#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "bench/bench_util.h"
#include "cluster/cluster.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::bench {
namespace {

using k8s::core::v1::Pod;

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "controllers_bench: {}\n", what);
  std::exit(1);
}

// Polls `done` every 10 ms for up to `seconds`; exits the benchmark with `what` otherwise.
void WaitOrDie(const std::function<bool()>& done, int seconds, const std::string& what) {
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

class Bench {
 public:
  Bench(const std::string& dir, int nodes, double time_scale, const std::string& kubelet_workers)
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
    options.ready_timeout = std::chrono::seconds(120);
    const auto t0 = Clock::now();
    auto started = cluster::Cluster::Start(options);
    if (!started.ok()) Die(started.status().message());
    cluster_ = std::move(started).value();
    fmt::print(stderr, "cluster of {} hollow nodes up in {:.2f} s ({})\n", nodes,
               Ms(Clock::now() - t0) / 1000, options.dir.string());
  }
  const client::Clientset& cs() const { return cluster_->clientset(); }

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
  // CPU seconds each component used since the last call, and its RSS now.
  std::string UsageSince() {
    std::string out;
    for (const std::string& name : cluster_->components()) {
      cluster::Usage u = cluster_->usage(name);
      out += fmt::format(" {} {:.1f}s/{:.0f}MB", name, u.cpu_seconds - cpu_[name], u.rss_mb);
      cpu_[name] = u.cpu_seconds;
    }
    return out;
  }
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
  std::unique_ptr<cluster::Cluster> cluster_;
};

std::string Deployment(const std::string& name, int replicas, const std::string& image,
                       const std::string& group) {
  return fmt::format(R"(apiVersion: apps/v1
kind: Deployment
metadata: {{name: {0}, labels: {{bench: {3}}}}}
spec:
  replicas: {1}
  selector: {{matchLabels: {{app: {0}}}}}
  strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 25%, maxUnavailable: 25%}}}}
  template:
    metadata: {{labels: {{app: {0}, bench: {3}}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{{name: main, image: "{2}"}}]
)",
                     name, replicas, image, group);
}

struct Row {
  std::string phase;
  int pods;
  double created_s, bound_s, running_s;
};

void WarmUp(Bench& bench) {
  bench.Apply(Deployment("warm-a", 1, "nginx:1.25", "warm") + "---\n" +
              Deployment("warm-b", 1, "nginx:1.26", "warm"));
  WaitOrDie([&] { return bench.RunningPods("bench=warm") == 2; }, 120, "the warm-up never ran");
  bench.Kubectl("delete deployments -l bench=warm");
  WaitOrDie([&] { return bench.Pods("bench=warm") == 0; }, 120, "the warm-up pods stayed");
}

Row Scale(Bench& bench, int pods) {
  bench.Apply(Deployment("scale", 0, "nginx:1.25", "scale"));
  PodTimes times(bench.cs(), "bench=scale");
  bench.UsageSince();
  fmt::print(stderr, "scaling to {} pods\n", pods);  // a profiler's cue
  const int64_t rev0 = bench.Revision();
  const auto t0 = Clock::now();
  bench.Kubectl(fmt::format("scale deployment scale --replicas={}", pods));
  WaitOrDie([&] { return times.Get().running >= pods; }, 300,
            fmt::format("not {} pods Running after 300 s", pods));
  fmt::print(stderr, "cpu:{}\nRunning per second:{}\nstore writes per pod: {:.1f}\n",
             bench.UsageSince(), times.RunningPerSecond(t0),
             double(bench.Revision() - rev0) / pods);
  auto s = times.Get();
  Row row{fmt::format("scale 0->{}", pods), pods, Ms(s.created - t0) / 1000,
          Ms(s.bound - t0) / 1000, Ms(s.ran - t0) / 1000};
  bench.Kubectl("delete deployment scale");
  WaitOrDie([&] { return bench.Pods("bench=scale") == 0; }, 300, "the scaled pods stayed");
  return row;
}

bool RolledOut(const client::Clientset& cs, int deployments) {
  auto list = cs.Resource<k8s::apps::v1::Deployment>("default").List();
  if (!list.ok()) return false;
  int done = 0;
  for (const auto& d : list->items) {
    if (d->metadata().labels().count("bench") == 0 || d->metadata().labels().at("bench") != "roll")
      continue;
    const auto& st = d->status();
    done += st.observed_generation() >= d->metadata().generation() &&
            st.updated_replicas() == d->spec().replicas() &&
            st.available_replicas() == d->spec().replicas() &&
            st.replicas() == d->spec().replicas();
  }
  return done == deployments;
}

Row RollingUpdate(Bench& bench, int pods, int deployments) {
  std::string yaml;
  for (int i = 0; i < deployments; ++i) {
    yaml += (i ? "---\n" : "") +
            Deployment(fmt::format("roll-{}", i), pods / deployments, "nginx:1.25", "roll");
  }
  bench.Apply(yaml);
  const int total = pods / deployments * deployments;
  WaitOrDie([&] { return bench.RunningPods("bench=roll") == total; }, 300,
            "the rolling update's pods never all ran");
  WaitOrDie([&] { return RolledOut(bench.cs(), deployments); }, 120, "first rollout unfinished");
  PodTimes times(bench.cs(), "bench=roll");
  bench.UsageSince();
  const auto t0 = Clock::now();
  bench.Kubectl("set image deployments -l bench=roll main=nginx:1.26");
  WaitOrDie([&] { return RolledOut(bench.cs(), deployments) && bench.Pods("bench=roll") == total; },
            600, "the rolling update never completed");
  const double done_s = Ms(Clock::now() - t0) / 1000;
  fmt::print(stderr, "cpu:{}\nRunning per second:{}\n", bench.UsageSince(),
             times.RunningPerSecond(t0));
  auto s = times.Get();
  return {fmt::format("rolling update {}x{}", deployments, pods / deployments), total,
          Ms(s.created - t0) / 1000, Ms(s.bound - t0) / 1000, done_s};
}

int Main(int argc, char** argv) {
  const bool quick = Flag(argc, argv, "quick", "") == "true";
  const int nodes = int(FlagNum(argc, argv, "nodes", quick ? 10 : 100));
  const int pods = int(FlagNum(argc, argv, "pods", quick ? 100 : 1000));
  const int deployments = int(FlagNum(argc, argv, "deployments", quick ? 2 : 10));
  const double time_scale = FlagNum(argc, argv, "time-scale", 1.0);
  const std::string phases = Flag(argc, argv, "phases", "scale,roll");
  TempDir dir;
  Bench bench(dir.path(), nodes, time_scale, Flag(argc, argv, "kubelet-workers", ""));
  WarmUp(bench);
  std::vector<Row> rows{Scale(bench, pods)};
  fmt::print(stderr, "{}: {:.2f} s\n", rows[0].phase, rows[0].running_s);
  if (phases.find("roll") != std::string::npos) {
    rows.push_back(RollingUpdate(bench, pods, deployments));
  }

  fmt::print(
      "{} hollow nodes, time scale {}; seconds from the kubectl command until the last pod was\n"
      "created / bound / Running (rolling update: until every Deployment was rolled out)\n",
      nodes, time_scale);
  fmt::print("{:<24} {:>6} {:>10} {:>10} {:>10}\n", "phase", "pods", "created s", "bound s",
             "done s");
  for (const Row& r : rows) {
    fmt::print("{:<24} {:>6} {:>10.2f} {:>10.2f} {:>10.2f}\n", r.phase, r.pods, r.created_s,
               r.bound_s, r.running_s);
  }
  fmt::print("scale 0->{}: {:.2f} s\n", pods, rows[0].running_s);
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
