// Scheduler throughput through the real processes: pods created through the apiserver and
// bound through the apiserver (pods/binding) by bin/scheduler, onto 100, 1,000 and 5,000 Node
// objects (no kubelets: the nodes are only API objects).
//
// For each node count N (--nodes): a fresh bin/apiserver in a temp dir (gRPC on a unix
// socket); N Nodes created from 8 client threads (node-i, labels kubernetes.io/hostname and
// topology.kubernetes.io/zone=zone-(i%3), capacity = allocatable = 32 cpu, 128Gi memory,
// 110 pods, Ready=True); then bin/scheduler (--leader-elect=false --port=-1), waited for until
// its log says "scheduler: running"; then a watch on namespace "bench" notes when each pod
// is first seen with spec.nodeName, while 8 client threads create --pods pods (one nginx
// container requesting 100m cpu and 128Mi memory, label app=bench) as fast as they go.
//   seconds = last pod bound (seen by the watch) - first create sent
//   pods/s  = pods bound / seconds
//   p50/p99 = per pod, create sent -> bound seen by the watch
// Every pod must be bound within 120 s of the last create; the row says how many were not,
// or why the run failed (then the next N still runs; the exit status is 1 if any N failed).
// The processes are stopped and the temp dir removed after each N. Processes are not pinned:
// apiserver, scheduler and this client share the machine's CPUs, as on one control-plane host.
// Results to stdout (a table, then as the last line `scheduler: X pods/s at N nodes` for the
// largest N run), progress to stderr.
// Usage: scheduler_bench [--nodes=100,1000,5000] [--pods=2000] [--threads=8]
//                        [--quick=true]          (a smoke run: 20 nodes, 50 pods)
//                        [--perf=FILE]           (perf record of the scheduler while the largest
//                                                 N's pods are scheduled, into FILE; DWARF call
//                                                 graphs, as Release builds omit frame pointers)
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "client/clientset.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::bench {
namespace {

using k8s::core::v1::Node;
using k8s::core::v1::Pod;

constexpr char kNamespace[] = "bench";
constexpr int kBindTimeoutSeconds = 120;

struct Options {
  std::vector<int> nodes;
  int pods = 2000;
  int threads = 8;
  std::string perf_file;
};

struct Row {
  int nodes = 0, pods = 0, bound = 0;
  double seconds = 0, pods_per_s = 0;
  // The backlog: `pods` more pods created before the scheduler started, drained from its
  // first binding to its last -- the scheduler's own rate, not bounded by how fast the
  // client can create pods (Kubernetes' scheduler_perf creates faster than it schedules).
  int backlog_bound = 0;
  double backlog_seconds = 0, backlog_pods_per_s = 0;
  Stats latency;
  std::string failed;  // why the run did not finish (the row has no figures then)
};

std::vector<int> ParseList(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(std::max(1, std::atoi(item.c_str())));
  }
  return out;
}

Node MakeNode(int i) {
  Node node;
  std::string name = fmt::format("node-{}", i);
  node.mutable_metadata()->set_name(name);
  auto& labels = *node.mutable_metadata()->mutable_labels();
  labels["kubernetes.io/hostname"] = name;
  labels["topology.kubernetes.io/zone"] = fmt::format("zone-{}", i % 3);
  auto* status = node.mutable_status();
  for (auto* list : {status->mutable_capacity(), status->mutable_allocatable()}) {
    (*list)["cpu"].set_string("32");
    (*list)["memory"].set_string("128Gi");
    (*list)["pods"].set_string("110");
  }
  auto* ready = status->add_conditions();
  ready->set_type("Ready");
  ready->set_status("True");
  ready->set_reason("KubeletReady");
  return node;
}

Pod MakePod(int i, const char* prefix = "pod") {
  Pod pod;
  pod.mutable_metadata()->set_name(fmt::format("{}-{}", prefix, i));
  pod.mutable_metadata()->set_namespace_(kNamespace);
  (*pod.mutable_metadata()->mutable_labels())["app"] = "bench";
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image("nginx");
  auto& requests = *c->mutable_resources()->mutable_requests();
  requests["cpu"].set_string("100m");
  requests["memory"].set_string("128Mi");
  return pod;
}

Status Failed(const std::string& what) { return Status::InternalError(what); }

// Calls fn(i) for i in [0, n) from `threads` threads; stops at the first error, which it
// returns as "WHAT I: message".
Status ParallelFor(int n, int threads, const std::function<Status(int)>& fn,
                   const std::string& what) {
  std::atomic<int> next{0};
  std::mutex mu;
  Status first;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < n; i = next++) {
        Status s = fn(i);
        if (s.ok()) continue;
        std::lock_guard lock(mu);
        if (first.ok()) first = Failed(fmt::format("{} {}: {}", what, i, s.message()));
        next = n;
      }
    });
  }
  for (auto& w : workers) w.join();
  return first;
}

// Polls `done` every 10 ms for up to `seconds`; false if it never held.
bool WaitFor(const std::function<bool()>& done, int seconds) {
  for (int i = 0; i < seconds * 100; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

std::string ReadFile(const std::string& file) {
  std::ifstream in(file);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

bool LogSays(const std::string& file, const std::string& text) {
  return ReadFile(file).find(text) != std::string::npos;
}

// The last `lines` lines of `text`.
std::string Tail(const std::string& text, int lines) {
  size_t at = text.size();
  for (int n = 0; n <= lines && at != std::string::npos && at > 0; ++n) {
    at = text.rfind('\n', at - 1);
  }
  return at == std::string::npos ? text : text.substr(at + 1);
}

// When each pod-i was created (sent) and first seen bound by the watch.
struct Timeline {
  explicit Timeline(int pods) : sent(pods), bound(pods), seen(pods) {}
  std::vector<Clock::time_point> sent, bound;
  std::vector<std::atomic<bool>> seen;
  std::atomic<int> bound_count{0};

  void NoteBound(const std::string& name) {
    int i = -1;
    if (std::sscanf(name.c_str(), "pod-%d", &i) != 1 || i < 0 || size_t(i) >= seen.size()) return;
    if (seen[i].exchange(true)) return;
    bound[i] = Clock::now();
    ++bound_count;
  }
};

Row Summarized(const Timeline& t, int nodes) {
  Row row;
  row.nodes = nodes;
  row.pods = int(t.sent.size());
  row.bound = t.bound_count;
  Clock::time_point first = *std::min_element(t.sent.begin(), t.sent.end()), last = first;
  std::vector<double> ms;
  for (size_t i = 0; i < t.sent.size(); ++i) {
    if (!t.seen[i]) continue;
    last = std::max(last, t.bound[i]);
    ms.push_back(Ms(t.bound[i] - t.sent[i]));
  }
  row.seconds = Ms(last - first) / 1000;
  row.pods_per_s = row.seconds > 0 ? row.bound / row.seconds : 0;
  row.latency = Summarize(&ms);
  return row;
}

// With the scheduler running: a watch noting bindings, then the pods from opt.threads threads.
Result<Row> SchedulePods(const client::Clientset& cs, const Options& opt, int nodes) {
  auto pods = cs.Pods(kNamespace);
  auto list = pods.List();
  if (!list.ok()) return Failed("list pods: " + list.status().message());
  client::ListOptions from;
  from.resource_version = list->metadata.resource_version();
  auto watch = pods.Watch(from);
  if (!watch.ok()) return Failed("watch pods: " + watch.status().message());
  Timeline timeline(opt.pods);
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    while (!stop) {
      if ((*watch)->done()) {
        fmt::print(stderr, "scheduler_bench: the watch ended: {}\n", (*watch)->status().message());
        return;
      }
      auto event = (*watch)->Next(std::chrono::milliseconds(100));
      if (!event || !event->object || event->object->spec().node_name().empty()) continue;
      timeline.NoteBound(event->object->metadata().name());
    }
  });
  auto start = Clock::now();
  Status created = ParallelFor(
      opt.pods, opt.threads,
      [&](int i) {
        timeline.sent[i] = Clock::now();
        return pods.Create(MakePod(i)).status();
      },
      "create pod");
  if (created.ok()) {
    fmt::print(stderr, "[{} nodes] {} pods created in {:.2f} s, {} bound so far\n", nodes, opt.pods,
               Ms(Clock::now() - start) / 1000, timeline.bound_count.load());
    WaitFor([&] { return timeline.bound_count >= opt.pods; }, kBindTimeoutSeconds);
  }
  stop = true;
  watcher.join();
  (*watch)->Stop();
  if (!created.ok()) return created;
  Row row = Summarized(timeline, nodes);
  if (row.bound < row.pods) {
    fmt::print(stderr, "[{} nodes] {} of {} pods not bound after {} s\n", nodes,
               row.pods - row.bound, row.pods, kBindTimeoutSeconds);
  }
  fmt::print(stderr, "[{} nodes] {} pods bound in {:.2f} s\n", nodes, row.bound, row.seconds);
  return row;
}

// One node count: fresh processes, nodes, the scheduler, then the pods. The processes are
// stopped and the temp dir removed on return, failed or not.
Result<Row> RunOne(const Options& opt, int nodes, bool profile) {
  TempDir dir;
  auto path = [&](const std::string& name) { return dir.path() + "/" + name; };
  fmt::print(stderr, "[{} nodes] starting the apiserver in {}\n", nodes, dir.path());
  ChildProcess apiserver(
      {BinaryBeside("apiserver"), "--data-dir=" + path("data"), "--port=0",
       "--port-file=" + path("port"), "--grpc-port=-1", "--grpc-socket=" + path("api.sock"),
       "--max-requests-inflight=10000", "--max-mutating-requests-inflight=10000"},
      path("apiserver.log"));
  WaitForPortFile(path("port"), path("apiserver.log"), &apiserver);
  client::Clientset cs(
      grpc::CreateChannel("unix:" + path("api.sock"), grpc::InsecureChannelCredentials()));

  auto start = Clock::now();
  Status created = ParallelFor(
      nodes, opt.threads, [&](int i) { return cs.Nodes().Create(MakeNode(i)).status(); },
      "create node");
  if (!created.ok()) return created;
  fmt::print(stderr, "[{} nodes] nodes created in {:.2f} s\n", nodes,
             Ms(Clock::now() - start) / 1000);
  k8s::core::v1::Namespace ns;
  ns.mutable_metadata()->set_name(kNamespace);
  if (auto s = cs.Resource<k8s::core::v1::Namespace>().Create(ns).status(); !s.ok()) {
    return Failed("create namespace: " + s.message());
  }
  // What the controller-manager's serviceaccount controller would make: pods need it.
  k8s::core::v1::ServiceAccount sa;
  sa.mutable_metadata()->set_name("default");
  if (auto s = cs.Resource<k8s::core::v1::ServiceAccount>(kNamespace).Create(sa).status();
      !s.ok()) {
    return Failed("create service account: " + s.message());
  }

  // The backlog, and a watch that notes when each of its pods is bound.
  start = Clock::now();
  created = ParallelFor(
      opt.pods, opt.threads,
      [&](int i) { return cs.Pods(kNamespace).Create(MakePod(i, "backlog")).status(); },
      "create backlog pod");
  if (!created.ok()) return created;
  fmt::print(stderr, "[{} nodes] {} backlog pods created in {:.2f} s\n", nodes, opt.pods,
             Ms(Clock::now() - start) / 1000);
  auto backlog_watch = cs.Pods(kNamespace).Watch({});
  if (!backlog_watch.ok()) return Failed("watch pods: " + backlog_watch.status().message());
  std::vector<Clock::time_point> backlog_bound;
  std::set<std::string> backlog_seen;  // the watcher thread's
  std::atomic<int> backlog_count{0};
  std::atomic<bool> backlog_stop{false};
  std::thread backlog_watcher([&] {
    while (!backlog_stop && !(*backlog_watch)->done()) {
      auto event = (*backlog_watch)->Next(std::chrono::milliseconds(100));
      if (!event || !event->object || event->object->spec().node_name().empty()) continue;
      const std::string& name = event->object->metadata().name();
      if (name.rfind("backlog-", 0) == 0 && backlog_seen.insert(name).second) {
        backlog_bound.push_back(Clock::now());
        ++backlog_count;
      }
    }
  });
  auto stop_backlog_watch = [&] {
    backlog_stop = true;
    backlog_watcher.join();
    (*backlog_watch)->Stop();
  };

  ChildProcess scheduler({BinaryBeside("scheduler"), "--apiserver=unix:" + path("api.sock"),
                          "--leader-elect=false", "--port=-1"},
                         path("scheduler.log"));
  auto running = [&] { return LogSays(path("scheduler.log"), "scheduler: running"); };
  WaitFor([&] { return running() || scheduler.Exited(); }, 30);
  if (!running()) {
    std::string log = ReadFile(path("scheduler.log"));
    fmt::print(stderr, "[{} nodes] the scheduler's log ends with:\n{}\n", nodes, Tail(log, 20));
    std::string last = Tail(log, 1);
    if (!last.empty() && last.back() == '\n') last.pop_back();
    stop_backlog_watch();
    return Failed("the scheduler did not start: " + last);
  }
  WaitFor([&] { return backlog_count >= opt.pods; }, kBindTimeoutSeconds);
  stop_backlog_watch();
  int drained = int(backlog_bound.size());
  double drain_seconds = drained > 1 ? Ms(backlog_bound.back() - backlog_bound.front()) / 1000 : 0;
  fmt::print(stderr, "[{} nodes] backlog: {} of {} pods bound in {:.2f} s\n", nodes, drained,
             opt.pods, drain_seconds);
  fmt::print(stderr, "[{} nodes] scheduler running (pid {})\n", nodes, scheduler.pid());
  std::unique_ptr<ChildProcess> perf;
  if (profile) {
    perf = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/perf", "record", "-F", "999", "--call-graph",
                                 "dwarf,32768", "-o", opt.perf_file, "-p",
                                 std::to_string(scheduler.pid())},
        path("perf.log"));
  }
  auto row = SchedulePods(cs, opt, nodes);
  if (row.ok()) {
    row->backlog_bound = drained;
    row->backlog_seconds = drain_seconds;
    // drained - 1 intervals between the first binding and the last.
    row->backlog_pods_per_s = drain_seconds > 0 ? (drained - 1) / drain_seconds : 0;
  }
  if (row.ok() && row->bound < row->pods) {
    fmt::print(stderr, "[{} nodes] the scheduler's log ends with:\n{}\n", nodes,
               Tail(ReadFile(path("scheduler.log")), 20));
  }
  return row;  // perf (SIGTERM: it writes its file), scheduler, apiserver stop; dir removed
}

int Main(int argc, char** argv) {
  Options opt;
  bool quick = Flag(argc, argv, "quick", "") == "true";
  opt.nodes = ParseList(Flag(argc, argv, "nodes", quick ? "20" : "100,1000,5000"));
  opt.pods = std::max(1, int(FlagNum(argc, argv, "pods", quick ? 50 : 2000)));
  opt.threads = std::max(1, int(FlagNum(argc, argv, "threads", 8)));
  opt.perf_file = Flag(argc, argv, "perf", "");
  if (opt.nodes.empty()) return 2;
  int largest = *std::max_element(opt.nodes.begin(), opt.nodes.end());
  // --perf profiles the last run of the largest N, the one the summary line reports.
  size_t profiled = opt.nodes.size();
  if (!opt.perf_file.empty()) {
    for (size_t k = 0; k < opt.nodes.size(); ++k) {
      if (opt.nodes[k] == largest) profiled = k;
    }
  }
  std::vector<Row> rows;
  for (size_t k = 0; k < opt.nodes.size(); ++k) {
    auto row = RunOne(opt, opt.nodes[k], k == profiled);
    if (!row.ok()) {
      fmt::print(stderr, "scheduler_bench: {} nodes: {}\n", opt.nodes[k], row.status().message());
      Row failed;
      failed.nodes = opt.nodes[k];
      failed.pods = opt.pods;
      failed.failed = row.status().message();
      rows.push_back(failed);
      continue;
    }
    rows.push_back(*row);
  }

  std::printf(
      "scheduler throughput: pods created and bound through the apiserver by bin/scheduler onto\n"
      "N node objects; apiserver, scheduler and client as processes on one machine.\n"
      "backlog: pods created before the scheduler starts, drained from its first binding to its\n"
      "last (the scheduler's rate). live: pods created by %d client threads while it runs,\n"
      "from the first create to the last binding (bounded by how fast pods can be created).\n",
      opt.threads);
  std::printf("%7s %7s %9s %13s %9s %11s %9s %9s\n", "nodes", "pods", "backlog s", "backlog pod/s",
              "live s", "live pod/s", "p50 ms", "p99 ms");
  bool all_ok = true;
  for (const auto& r : rows) {
    if (!r.failed.empty()) {
      std::printf("%7d %7d   failed: %s\n", r.nodes, r.pods, r.failed.c_str());
      all_ok = false;
      continue;
    }
    all_ok = all_ok && r.bound == r.pods && r.backlog_bound == r.pods;
    std::string missing =
        r.bound < r.pods || r.backlog_bound < r.pods
            ? fmt::format(" ({} not bound)", 2 * r.pods - r.bound - r.backlog_bound)
            : "";
    std::printf("%7d %7d %9.2f %13.1f %9.2f %11.1f %9.1f %9.1f%s\n", r.nodes, r.pods,
                r.backlog_seconds, r.backlog_pods_per_s, r.seconds, r.pods_per_s, r.latency.p50,
                r.latency.p99, missing.c_str());
  }
  Figures figures;
  for (const auto& r : rows) {
    figures.Set(fmt::format("pods_per_s_{}_nodes", r.nodes), r.backlog_pods_per_s);
    figures.Set(fmt::format("p99_ms_{}_nodes", r.nodes), r.latency.p99);
  }
  figures.WriteIfAsked(argc, argv);
  // The largest N (with --quick, its only N); the last row of that N when repeated.
  const Row* summary = &rows.back();
  for (const auto& r : rows) {
    if (r.nodes == largest) summary = &r;
  }
  if (summary->failed.empty()) {
    std::printf("scheduler: %.0f pods/s at %d nodes\n", summary->backlog_pods_per_s,
                summary->nodes);
  } else {
    std::printf("scheduler: failed at %d nodes\n", summary->nodes);
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
