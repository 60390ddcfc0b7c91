// The scheduler with real processes: an apiserver and one or two schedulers on loopback, on
// node objects created through the API (no kubelet: nothing runs, pods are only placed).
// Each case checks where pods land, the events and conditions Kubernetes users read, and the
// scheduler's explanation.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <fstream>

#include "client/clientset.h"
#include "proto/core/v1/event.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"
#include "scheduler/framework/testing.h"
#include "tests/process.h"
#include "tests/testing.h"

namespace pk::testing {
namespace {

using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using scheduler::testing::FromYaml;

class SchedulerCluster {
 public:
  // `config`: a KubeSchedulerConfiguration for the scheduler ("" for the defaults).
  // `start`: start scheduler "a" now (false: the test starts it once its nodes exist, so the
  // scheduler's first list has them all).
  explicit SchedulerCluster(const std::string& config = "", bool start = true) {
    apiserver_ = std::make_unique<Process>(
        BinaryPath("apiserver"),
        std::vector<std::string>{"--data-dir=" + Path("data"), "--port=0",
                                 "--port-file=" + Path("port"), "--grpc-port=-1",
                                 "--disable-admission-plugins=ServiceAccount",
                                 "--grpc-socket=" + Path("api.sock")},
        Path("apiserver.log"));
    WaitForPortFile(Path("port"));
    clientset_ = std::make_unique<client::Clientset>(
        grpc::CreateChannel("unix:" + Path("api.sock"), grpc::InsecureChannelCredentials()));
    if (!config.empty()) std::ofstream(Path("config.yaml")) << config;
    if (start) StartScheduler("a", !config.empty());
  }

  void StartScheduler(const std::string& id, bool with_config, bool leader_elect = false) {
    std::vector<std::string> args{
        "--apiserver=unix:" + Path("api.sock"), "--port=0",
        "--port-file=" + Path("sched-" + id + ".port"), "--identity=" + id,
        std::string("--leader-elect=") + (leader_elect ? "true" : "false")};
    if (with_config) args.push_back("--config=" + Path("config.yaml"));
    schedulers_[id] =
        std::make_unique<Process>(BinaryPath("scheduler"), args, Path("scheduler-" + id + ".log"));
  }
  Process& scheduler(const std::string& id) { return *schedulers_.at(id); }

  // A node with `cpu` cores, 8Gi, 110 pods, and the given labels/taints (YAML fragments).
  void AddNode(const std::string& name, const std::string& cpu, const std::string& labels = "{}",
               const std::string& taints = "[]") {
    auto node = FromYaml<Node>(fmt::format(R"(
metadata: {{name: {}, labels: {}}}
spec: {{taints: {}}}
status:
  capacity: {{cpu: "{}", memory: 8Gi, pods: "110"}}
  allocatable: {{cpu: "{}", memory: 8Gi, pods: "110"}}
  conditions: [{{type: Ready, status: "True"}}]
)",
                                           name, labels, taints, cpu, cpu));
    auto created = clientset_->Nodes().Create(*node);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
  }

  // A pod from a YAML spec fragment (indented under spec:), named `name`.
  void AddPod(const std::string& name, const std::string& spec, const std::string& labels = "{}") {
    auto pod = FromYaml<Pod>(fmt::format(
        "metadata: {{name: {}, namespace: default, labels: {}}}\nspec:\n{}", name, labels, spec));
    auto created = Pods().Create(*pod);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
  }

  client::Ptr<Pod> Get(const std::string& name) {
    auto pod = Pods().Get(name);
    return pod.ok() ? *pod : nullptr;
  }

  // The node the pod is bound to, once it is (fails with the scheduler's log otherwise).
  std::string WaitBound(const std::string& name,
                        std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::string node;
    bool ok = Eventually(
        [&] {
          auto pod = Get(name);
          node = pod ? pod->spec().node_name() : "";
          return !node.empty();
        },
        timeout);
    if (!ok) FAIL_CHECK("pod " << name << " never bound; " << Diagnose(name));
    return node;
  }

  // The message of the pod's PodScheduled=False condition once the scheduler set it.
  std::string WaitUnschedulable(const std::string& name) {
    std::string message;
    bool ok = Eventually([&] {
      auto pod = Get(name);
      if (!pod) return false;
      for (const auto& c : pod->status().conditions()) {
        if (c.type() == "PodScheduled" && c.status() == "False" && c.reason() == "Unschedulable") {
          message = c.message();
          return true;
        }
      }
      return false;
    });
    if (!ok) FAIL_CHECK("pod " << name << " never marked Unschedulable; " << Diagnose(name));
    return message;
  }

  // Messages of the events with `reason` about the pod (waits until there is one).
  std::vector<std::string> WaitEvents(const std::string& pod, const std::string& reason) {
    std::vector<std::string> out;
    Eventually([&] {
      out.clear();
      auto events = clientset_->Events("default").List();
      if (!events.ok()) return false;
      for (const auto& e : events->items) {
        if (e->involved_object().name() == pod && e->reason() == reason)
          out.push_back(e->message());
      }
      return !out.empty();
    });
    return out;
  }

  // What the scheduler explains about the pod, the pod itself, and the logs.
  std::string Diagnose(const std::string& name) {
    auto pod = Get(name);
    std::string out = "explanation:\n";
    for (const auto& [id, p] : schedulers_) {
      if (p->Running()) out += Debug(id, "/explain/default/" + name);
    }
    out += "\npod status: " + (pod ? pod->status().DebugString() : std::string("none"));
    return out + "\nlogs:\n" + Logs();
  }

  std::string Logs() {
    std::string out;
    for (const auto& [id, p] : schedulers_) out += ReadFile(p->log());
    return out;
  }

  // GET http://127.0.0.1:PORT/TARGET on scheduler `id`'s debug port, by curl.
  std::string Debug(const std::string& id, const std::string& target) {
    int port = WaitForPortFile(Path("sched-" + id + ".port"));
    std::string command = fmt::format("curl -s http://127.0.0.1:{}{}", port, target);
    return CommandOutput(command);
  }

  client::TypedClient<Pod> Pods() { return clientset_->Pods("default"); }
  const client::Clientset& clientset() { return *clientset_; }
  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }

 private:
  TempDir dir_;
  std::unique_ptr<Process> apiserver_;
  std::map<std::string, std::unique_ptr<Process>> schedulers_;
  std::unique_ptr<client::Clientset> clientset_;
};

constexpr const char* kContainer = "  containers: [{name: c, image: nginx}]\n";

std::string Requests(const std::string& cpu) {
  return fmt::format(
      "  containers: [{{name: c, image: nginx, resources: {{requests: {{cpu: \"{}\"}}}}}}]\n", cpu);
}

TEST_CASE("pods go where their requests fit, with Scheduled events and the explanation") {
  SchedulerCluster c("", false);
  c.AddNode("small", "1");
  c.AddNode("big", "4");
  c.AddNode("medium", "2");
  c.StartScheduler("a", false);
  c.AddPod("p3", Requests("3"));
  CHECK(c.WaitBound("p3") == "big");
  auto scheduled = c.WaitEvents("p3", "Scheduled");
  REQUIRE(!scheduled.empty());
  CHECK(scheduled[0] == "Successfully assigned default/p3 to big");
  auto pod = c.Get("p3");
  REQUIRE(pod);
  auto annotation = pod->metadata().annotations().find("scheduler.picokube.io/explanation");
  REQUIRE(annotation != pod->metadata().annotations().end());
  CHECK(annotation->second.find("3 of 3 nodes evaluated, 1 feasible") != std::string::npos);
  CHECK(annotation->second.find("2 x NodeResourcesFit: Insufficient cpu") != std::string::npos);

  std::string text = c.Debug("a", "/explain/default/p3");
  CHECK(text.find("small") != std::string::npos);
  CHECK(text.find("NodeResourcesFit: Insufficient cpu") != std::string::npos);
  CHECK(text.find("Successfully assigned default/p3 to big") != std::string::npos);
  CHECK(c.Debug("a", "/explain/default/p3?format=json").find("\"chosen\": \"big\"") !=
        std::string::npos);
}

TEST_CASE("a pod too big for every node stays Pending with Kubernetes' FailedScheduling message") {
  SchedulerCluster c("", false);
  c.AddNode("n1", "1");
  c.AddNode("n2", "2");
  c.AddNode("n3", "2", "{}", "[{key: dedicated, value: gpu, effect: NoSchedule}]");
  c.StartScheduler("a", false);
  c.AddPod("huge", Requests("10"));
  std::string expected =
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient "
      "cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 "
      "No preemption victims found for incoming pod.";
  CHECK(c.WaitUnschedulable("huge") == expected);
  auto failed = c.WaitEvents("huge", "FailedScheduling");
  REQUIRE(!failed.empty());
  CHECK(failed[0] == expected);
  CHECK(c.Get("huge")->spec().node_name().empty());
}

TEST_CASE("taints keep pods away unless tolerated; node affinity and nodeSelector pick nodes") {
  SchedulerCluster c("", false);
  c.AddNode("plain", "2", "{zone: a}");
  c.AddNode("gpu", "2", "{zone: b, gpu: \"true\"}",
            "[{key: dedicated, value: gpu, effect: NoSchedule}]");
  c.StartScheduler("a", false);
  for (int i = 0; i < 3; ++i) {
    c.AddPod(fmt::format("plain-{}", i), kContainer);
    CHECK(c.WaitBound(fmt::format("plain-{}", i)) == "plain");
  }
  c.AddPod(
      "tolerant",
      std::string(kContainer) +
          "  nodeSelector: {gpu: \"true\"}\n"
          "  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n");
  CHECK(c.WaitBound("tolerant") == "gpu");
  c.AddPod("zone-b", std::string(kContainer) + R"(  tolerations: [{operator: Exists}]
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [b]}]}]
)");
  CHECK(c.WaitBound("zone-b") == "gpu");
  c.AddPod("nowhere", std::string(kContainer) + "  nodeSelector: {zone: c}\n");
  CHECK(c.WaitUnschedulable("nowhere") ==
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) "
        "had untolerated taint {dedicated: gpu}. preemption: 0/2 nodes are available: 2 "
        "Preemption is not helpful for scheduling.");
}

TEST_CASE("topology spread puts pods evenly across zones") {
  SchedulerCluster c("", false);
  c.AddNode("a1", "4", "{topology.kubernetes.io/zone: a}");
  c.AddNode("a2", "4", "{topology.kubernetes.io/zone: a}");
  c.AddNode("a3", "4", "{topology.kubernetes.io/zone: a}");
  c.AddNode("b1", "4", "{topology.kubernetes.io/zone: b}");
  c.StartScheduler("a", false);
  std::map<std::string, int> per_zone;
  for (int i = 0; i < 6; ++i) {
    std::string name = fmt::format("web-{}", i);
    c.AddPod(name, std::string(kContainer) + R"(  topologySpreadConstraints:
  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
)",
             "{app: web}");
    std::string node = c.WaitBound(name);
    per_zone[node.substr(0, 1)]++;
  }
  CHECK(per_zone["a"] == 3);
  CHECK(per_zone["b"] == 3);
}

TEST_CASE("required anti-affinity puts one pod per node and leaves the next Pending") {
  SchedulerCluster c("", false);
  for (const char* n : {"n1", "n2", "n3"})
    c.AddNode(n, "4", fmt::format("{{kubernetes.io/hostname: {}}}", n));
  std::string spec = std::string(kContainer) + R"(  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: db}}}
)";
  std::set<std::string> nodes;
  c.StartScheduler("a", false);
  for (int i = 0; i < 3; ++i) {
    c.AddPod(fmt::format("db-{}", i), spec, "{app: db}");
    nodes.insert(c.WaitBound(fmt::format("db-{}", i)));
  }
  CHECK(nodes.size() == 3);
  c.AddPod("db-3", spec, "{app: db}");
  CHECK(c.WaitUnschedulable("db-3").find("3 node(s) didn't match pod anti-affinity rules") !=
        std::string::npos);
}

TEST_CASE("an unschedulable pod is scheduled once a node that fits is added") {
  SchedulerCluster c;
  c.AddNode("small", "1");
  c.AddPod("wants-8", Requests("8"));
  c.WaitUnschedulable("wants-8");
  c.AddNode("large", "16");
  CHECK(c.WaitBound("wants-8") == "large");
}

TEST_CASE("a higher-priority pod preempts a lower-priority one") {
  SchedulerCluster c;
  k8s::scheduling::v1::PriorityClass high;
  high.mutable_metadata()->set_name("high");
  high.set_value(1000);
  auto created = c.clientset().Resource<k8s::scheduling::v1::PriorityClass>().Create(high);
  REQUIRE_MESSAGE(created.ok(), created.status().message());
  c.AddNode("only", "2");
  c.AddPod("low", Requests("2") + "  terminationGracePeriodSeconds: 0\n");
  REQUIRE(c.WaitBound("low") == "only");
  c.AddPod("urgent", Requests("2") + "  priorityClassName: high\n");
  CHECK(c.WaitBound("urgent", std::chrono::seconds(30)) == "only");
  CHECK(Eventually([&] { return c.Get("low") == nullptr; }));
  auto preempted = c.WaitEvents("low", "Preempted");
  REQUIRE(!preempted.empty());
  CHECK(preempted[0].rfind("Preempted by pod ", 0) == 0);
  CHECK(preempted[0].find(" on node only") != std::string::npos);
}

TEST_CASE("two profiles in one scheduler: each pod is scheduled by the profile it names") {
  SchedulerCluster c(R"(apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
  plugins:
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}, {name: ImageLocality}]
)");
  c.AddNode("empty", "8");
  c.AddNode("half", "8");
  c.AddPod("filler", Requests("4") + "  nodeName: half\n");
  c.AddPod("spread", Requests("1"));
  CHECK(c.WaitBound("spread") == "empty");  // LeastAllocated: the emptier node
  c.AddPod("packed", Requests("1") + "  schedulerName: bin-packing\n");
  CHECK(c.WaitBound("packed") == "half");  // MostAllocated: the fuller node
  auto scheduled = c.WaitEvents("packed", "Scheduled");
  REQUIRE(!scheduled.empty());
  c.AddPod("other", std::string(kContainer) + "  schedulerName: someone-else\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(c.Get("other")->spec().node_name().empty());
}

TEST_CASE("two schedulers elect a leader; the other takes over when it dies") {
  SchedulerCluster c("");
  c.scheduler("a").Stop();
  c.StartScheduler("one", false, true);
  c.StartScheduler("two", false, true);
  c.AddNode("n1", "4");
  c.AddPod("first", kContainer);
  CHECK(c.WaitBound("first") == "n1");
  std::string leader;
  REQUIRE(Eventually([&] {
    auto lease = c.clientset().Leases("kube-system").Get("kube-scheduler");
    if (!lease.ok()) return false;
    leader = (*lease)->spec().holder_identity();
    return !leader.empty();
  }));
  c.scheduler(leader).Kill(SIGKILL);
  c.AddPod("second", kContainer);
  CHECK(c.WaitBound("second", std::chrono::seconds(40)) == "n1");
}

}  // namespace
}  // namespace pk::testing
