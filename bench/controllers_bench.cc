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
#include "bench/hollow_cluster.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::bench {
namespace {

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
  double cpu_ms_per_pod;  // all the cluster's processes, over the phase
};

void WarmUp(HollowCluster& bench) {
  bench.Apply(Deployment("warm-a", 1, "nginx:1.25", "warm") + "---\n" +
              Deployment("warm-b", 1, "nginx:1.26", "warm"));
  WaitOrDie([&] { return bench.RunningPods("bench=warm") == 2; }, 120, "the warm-up never ran");
  bench.Kubectl("delete deployments -l bench=warm");
  WaitOrDie([&] { return bench.Pods("bench=warm") == 0; }, 120, "the warm-up pods stayed");
}

Row Scale(HollowCluster& bench, int pods) {
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
          Ms(s.bound - t0) / 1000, Ms(s.ran - t0) / 1000, bench.CpuSecondsSince() * 1000 / pods};
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

Row RollingUpdate(HollowCluster& bench, int pods, int deployments) {
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
          Ms(s.created - t0) / 1000, Ms(s.bound - t0) / 1000, done_s,
          bench.CpuSecondsSince() * 1000 / total};
}

int Main(int argc, char** argv) {
  const bool quick = Flag(argc, argv, "quick", "") == "true";
  const int nodes = int(FlagNum(argc, argv, "nodes", quick ? 10 : 100));
  const int pods = int(FlagNum(argc, argv, "pods", quick ? 100 : 1000));
  const int deployments = int(FlagNum(argc, argv, "deployments", quick ? 2 : 10));
  const double time_scale = FlagNum(argc, argv, "time-scale", 1.0);
  const std::string phases = Flag(argc, argv, "phases", "scale,roll");
  TempDir dir;
  HollowCluster bench(dir.path(), nodes, time_scale, Flag(argc, argv, "kubelet-workers", ""));
  WarmUp(bench);
  std::vector<Row> rows{Scale(bench, pods)};
  fmt::print(stderr, "{}: {:.2f} s\n", rows[0].phase, rows[0].running_s);
  if (phases.find("roll") != std::string::npos) {
    rows.push_back(RollingUpdate(bench, pods, deployments));
  }

  fmt::print(
      "{} hollow nodes, time scale {}; seconds from the kubectl command until the last pod was\n"
      "created / bound / Running (rolling update: until every Deployment was rolled out);\n"
      "cpu ms/pod: CPU time of all the cluster's processes in the phase, per pod\n",
      nodes, time_scale);
  fmt::print("{:<24} {:>6} {:>10} {:>10} {:>10} {:>11}\n", "phase", "pods", "created s",
             "bound s", "done s", "cpu ms/pod");
  for (const Row& r : rows) {
    fmt::print("{:<24} {:>6} {:>10.2f} {:>10.2f} {:>10.2f} {:>11.1f}\n", r.phase, r.pods,
               r.created_s, r.bound_s, r.running_s, r.cpu_ms_per_pod);
  }
  Figures figures;
  figures.Set("scale_pods", pods);
  figures.Set("scale_nodes", nodes);
  figures.Set("scale_s", rows[0].running_s);
  figures.Set("scale_cpu_ms_per_pod", rows[0].cpu_ms_per_pod);
  if (rows.size() > 1) figures.Set("rolling_update_s", rows[1].running_s);
  figures.WriteIfAsked(argc, argv);
  fmt::print("scale 0->{}: {:.2f} s\n", pods, rows[0].running_s);
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
