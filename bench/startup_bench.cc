// Pod startup latency through the real processes: how long from a pod's create (bound with
// spec.nodeName, so no scheduler) until a watch sees it Running.
//
// Launches bin/apiserver, bin/fake-cri and bin/kubelet (one node) in a temp dir, waits for the
// node to be Ready, starts one warm-up pod (so its image is present: tagged images default
// to imagePullPolicy IfNotPresent, as in Kubernetes' density tests, which pre-pull), then
// creates --pods pods (default 100) one every --interval-ms (default 50) over gRPC while a
// watch on the namespace notes when each is first Running. Latency = Running seen by the
// watch - create sent. Prints p50/p90/p99/max and ends with `startup p99: X ms`.
// --trace-slowest=N prints the pod-flow trace (apiserver's /debug/picokube/traces/, the
// apiserver's and kubelet's steps) of the N slowest pods to stderr, to see which hop waited.
// Usage: startup_bench [--pods=100] [--interval-ms=50] [--image=nginx:1.25] [--trace-slowest=N]
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "apiserver/testing_http.h"
#include "bench/bench_util.h"
#include "client/clientset.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::bench {
namespace {

using k8s::core::v1::Pod;

Pod MakePod(const std::string& name, const std::string& image) {
  Pod pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("node-1");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("main");
  c->set_image(image);
  return pod;
}

bool NodeReady(const client::Clientset& cs) {
  auto node = cs.Nodes().Get("node-1");
  if (!node.ok()) return false;
  for (const auto& c : (*node)->status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

// Polls `done` every 10 ms for up to `seconds`; exits the benchmark with `what` otherwise.
void WaitOrDie(const std::function<bool()>& done, int seconds, const std::string& what) {
  for (int i = 0; i < seconds * 100; ++i) {
    if (done()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fmt::print(stderr, "startup_bench: {}\n", what);
  std::exit(1);
}

// The flow traces of the `count` slowest pods (name -> ms), to stderr.
void PrintSlowestTraces(const std::map<std::string, double>& ms_by_pod, int count, int port) {
  std::vector<std::pair<double, std::string>> slowest;
  for (const auto& [name, ms] : ms_by_pod) slowest.emplace_back(ms, name);
  std::sort(slowest.rbegin(), slowest.rend());
  for (int i = 0; i < count && i < int(slowest.size()); ++i) {
    const auto& [ms, name] = slowest[size_t(i)];
    auto answer = apiserver::http_testing::HttpWithHeaders(
        uint16_t(port), boost::beast::http::verb::get,
        "/debug/picokube/traces/default/" + name + "?format=text", "", {});
    fmt::print(stderr, "--- {} ({:.1f} ms), its flow:\n{}\n", name, ms, answer.body);
  }
}

int Main(int argc, char** argv) {
  const int pods = std::max(1, int(FlagNum(argc, argv, "pods", 100)));
  const int interval_ms = int(FlagNum(argc, argv, "interval-ms", 50));
  const std::string image = Flag(argc, argv, "image", "nginx:1.25");
  TempDir dir;
  auto path = [&](const std::string& name) { return dir.path() + "/" + name; };
  ChildProcess apiserver(
      {BinaryBeside("apiserver"), "--data-dir=" + path("data"), "--port=0",
       "--port-file=" + path("port"), "--grpc-port=-1", "--grpc-socket=" + path("api.sock")},
      path("apiserver.log"));
  const int rest_port = WaitForPortFile(path("port"), path("apiserver.log"), &apiserver);
  ChildProcess fake_cri(
      {BinaryBeside("fake-cri"), "--socket=" + path("cri.sock"), "--state-dir=" + path("cri")},
      path("fake-cri.log"));
  WaitOrDie([&] { return std::filesystem::exists(path("cri.sock")); }, 30,
            "fake-cri did not start");
  ChildProcess kubelet({BinaryBeside("kubelet"), "--apiserver=unix:" + path("api.sock"),
                        "--cri-socket=" + path("cri.sock"), "--root-dir=" + path("kubelet"),
                        "--node-name=node-1", "--pod-cidr=10.244.1.0/24"},
                       path("kubelet.log"));
  client::Clientset cs(
      grpc::CreateChannel("unix:" + path("api.sock"), grpc::InsecureChannelCredentials()));
  WaitOrDie([&] { return NodeReady(cs); }, 30, "node-1 never became Ready");

  // What the controller-manager's serviceaccount controller would make: pods need it.
  k8s::core::v1::ServiceAccount sa;
  sa.mutable_metadata()->set_name("default");
  if (!cs.Resource<k8s::core::v1::ServiceAccount>("default").Create(sa).ok()) return 1;
  auto client = cs.Pods("default");
  if (!client.Create(MakePod("warm-up", image)).ok()) return 1;
  WaitOrDie(
      [&] {
        auto p = client.Get("warm-up");
        return p.ok() && (*p)->status().phase() == "Running";
      },
      60, "the warm-up pod never ran");

  auto list = client.List();
  if (!list.ok()) return 1;
  client::ListOptions from;
  from.resource_version = list->metadata.resource_version();
  auto watch = client.Watch(from);
  if (!watch.ok()) return 1;
  std::mutex mu;
  std::map<std::string, Clock::time_point> sent, running;
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    while (!stop) {
      auto event = (*watch)->Next(std::chrono::milliseconds(100));
      if (!event || !event->object) continue;
      if (event->object->status().phase() != "Running") continue;
      std::lock_guard lock(mu);
      running.emplace(event->object->metadata().name(), Clock::now());
    }
  });
  for (int i = 0; i < pods; ++i) {
    std::string name = fmt::format("pod-{}", i);
    {
      std::lock_guard lock(mu);
      sent[name] = Clock::now();
    }
    auto created = client.Create(MakePod(name, image));
    if (!created.ok()) fmt::print(stderr, "create {}: {}\n", name, created.status().message());
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  WaitOrDie(
      [&] {
        std::lock_guard lock(mu);
        return running.size() >= size_t(pods);
      },
      60, "not every pod ran within 60 s; see " + path("kubelet.log"));
  stop = true;
  watcher.join();
  (*watch)->Stop();

  std::vector<double> ms;
  std::map<std::string, double> ms_by_pod;
  for (const auto& [name, at] : running) {
    if (sent.count(name)) ms.push_back(ms_by_pod[name] = Ms(at - sent[name]));
  }
  PrintSlowestTraces(ms_by_pod, int(FlagNum(argc, argv, "trace-slowest", 0)), rest_port);
  Stats s = Summarize(&ms);
  double p90 = ms[std::min(ms.size() - 1, size_t(0.9 * ms.size()))];
  std::printf(
      "pod startup (create -> Running seen by a watch), 1 node, image %s present,\n"
      "%d pods one every %d ms; apiserver, fake-cri and kubelet as processes\n",
      image.c_str(), pods, interval_ms);
  std::printf("%6s %9s %9s %9s %9s\n", "pods", "p50 ms", "p90 ms", "p99 ms", "max ms");
  std::printf("%6zu %9.2f %9.2f %9.2f %9.2f\n", s.count, s.p50, p90, s.p99, s.max);
  Figures figures;
  figures.Set("startup_p50_ms", s.p50);
  figures.Set("startup_p90_ms", p90);
  figures.Set("startup_p99_ms", s.p99);
  figures.Set("pods", double(s.count));
  figures.WriteIfAsked(argc, argv);
  std::printf("startup p99: %.2f ms\n", s.p99);
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
