// The kubelet with real processes: apiserver, fake-cri and kubelet, each its own process on
// loopback and unix sockets in a temp dir. Pods are bound with spec.nodeName (no scheduler).
// Kubelet and fake-cri timings run at --time-scale 0.05 (crash back-off 0.5 s doubling).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>

#include "client/clientset.h"
#include "proto/core/v1/event.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/process.h"
#include "tests/testing.h"

namespace pk::testing {
namespace {

using k8s::core::v1::Pod;
constexpr const char* kScale = "0.05";

class NodeCluster {
 public:
  NodeCluster() {
    apiserver_ = std::make_unique<Process>(
        BinaryPath("apiserver"),
        std::vector<std::string>{"--data-dir=" + Path("data"), "--port=0",
                                 "--port-file=" + Path("port"), "--grpc-port=-1",
                                 "--disable-admission-plugins=ServiceAccount",
                                 "--grpc-socket=" + Path("api.sock")},
        Path("apiserver.log"));
    WaitForPortFile(Path("port"));
    StartFakeCri();
    StartKubelet();
    clientset_ = std::make_unique<client::Clientset>(
        grpc::CreateChannel("unix:" + Path("api.sock"), grpc::InsecureChannelCredentials()));
    REQUIRE_MESSAGE(Eventually([&] { return NodeReady(); }), "node-1 never became Ready");
  }

  void StartFakeCri() {
    fake_cri_ =
        std::make_unique<Process>(BinaryPath("fake-cri"),
                                  std::vector<std::string>{"--socket=" + Path("cri.sock"),
                                                           std::string("--time-scale=") + kScale,
                                                           "--state-dir=" + Path("cri")},
                                  Path("fake-cri.log"));
    REQUIRE(Eventually([&] { return std::filesystem::exists(Path("cri.sock")); }));
  }
  void StartKubelet() {
    kubelet_ = std::make_unique<Process>(
        BinaryPath("kubelet"),
        std::vector<std::string>{"--apiserver=unix:" + Path("api.sock"),
                                 "--cri-socket=" + Path("cri.sock"),
                                 "--root-dir=" + Path("kubelet"), "--node-name=node-1",
                                 "--pod-cidr=10.244.1.0/24", "--capacity=cpu=2,pods=20",
                                 "--node-labels=zone=a", std::string("--time-scale=") + kScale},
        Path("kubelet.log"));
  }
  void StopFakeCri() {
    fake_cri_->Kill(SIGKILL);
    std::filesystem::remove(Path("cri.sock"));
  }
  void KillKubelet() { kubelet_->Kill(SIGKILL); }

  bool NodeReady() {
    auto node = clientset_->Nodes().Get("node-1");
    if (!node.ok()) return false;
    for (const auto& c : (*node)->status().conditions()) {
      if (c.type() == "Ready") return c.status() == "True";
    }
    return false;
  }

  client::Ptr<Pod> Create(const std::string& name, const std::string& image,
                          const std::string& policy, std::vector<std::string> command = {},
                          std::map<std::string, std::string> annotations = {},
                          const std::function<void(k8s::core::v1::Container*)>& edit = {}) {
    Pod pod;
    pod.mutable_metadata()->set_name(name);
    pod.mutable_metadata()->set_namespace_("default");
    for (const auto& [k, v] : annotations) (*pod.mutable_metadata()->mutable_annotations())[k] = v;
    pod.mutable_spec()->set_node_name("node-1");
    pod.mutable_spec()->set_restart_policy(policy);
    pod.mutable_spec()->set_termination_grace_period_seconds(1);
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("main");
    c->set_image(image);
    for (const auto& part : command) c->add_command(part);
    if (edit) edit(c);
    auto created = Pods().Create(pod);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
    return *created;
  }

  client::Ptr<Pod> Get(const std::string& name) {
    auto pod = Pods().Get(name);
    return pod.ok() ? *pod : nullptr;
  }

  // Waits until `done` holds for the pod; fails with the pod's status and the logs otherwise.
  client::Ptr<Pod> WaitFor(const std::string& name, const std::function<bool(const Pod&)>& done,
                           std::chrono::seconds timeout = std::chrono::seconds(30)) {
    client::Ptr<Pod> last;
    bool ok = Eventually(
        [&] {
          last = Get(name);
          return last && done(*last);
        },
        timeout);
    if (!ok) {
      FAIL_CHECK("pod " << name << " status: " << (last ? last->status().DebugString() : "none")
                        << "\nkubelet log:\n"
                        << ReadFile(Path("kubelet.log")) << "\nfake-cri log:\n"
                        << ReadFile(Path("fake-cri.log")));
    }
    return last;
  }

  std::vector<std::string> EventReasons(const std::string& pod) {
    std::vector<std::string> reasons;
    auto events = clientset_->Events("default").List();
    if (!events.ok()) return reasons;
    for (const auto& e : events->items) {
      if (e->involved_object().name() == pod) reasons.push_back(e->reason());
    }
    return reasons;
  }

  // The real kubectl against the apiserver's REST port: its stdout and stderr.
  std::string Kubectl(const std::string& args) {
    std::string command =
        fmt::format("/usr/bin/kubectl --cache-dir {} -s http://127.0.0.1:{} {} 2>&1",
                    Path("kubectl-cache"), WaitForPortFile(Path("port")), args);
    return CommandOutput(command);
  }

  client::TypedClient<Pod> Pods() { return clientset_->Pods("default"); }
  std::string Path(const std::string& name) const { return (dir_.path() / name).string(); }

 private:
  TempDir dir_;
  std::unique_ptr<Process> apiserver_, fake_cri_, kubelet_;
  std::unique_ptr<client::Clientset> clientset_;
};

const k8s::core::v1::ContainerStatus* Main(const Pod& pod) {
  return pod.status().container_statuses_size() > 0 ? &pod.status().container_statuses(0) : nullptr;
}

bool Has(const std::vector<std::string>& all, const std::string& one) {
  return std::find(all.begin(), all.end(), one) != all.end();
}

TEST_CASE("the kubelet registers its node with the labels and capacity of its flags") {
  NodeCluster cluster;
  auto node = cluster.Kubectl(
      "get node node-1 -o jsonpath={.metadata.labels.zone},{.status.capacity.cpu},"
      "{.status.allocatable.pods},{.status.capacity.memory},{.status.nodeInfo.kubeletVersion}");
  CHECK(node == "a,2,20,8Gi,v1.32.0");
  CHECK(cluster.Kubectl("get lease -n kube-node-lease node-1 -o "
                        "jsonpath={.spec.holderIdentity},{.spec.leaseDurationSeconds}") ==
        "node-1,40");
}

TEST_CASE("a pod bound to the node runs and becomes Ready, with Kubernetes' events") {
  NodeCluster cluster;
  cluster.Create("web", "nginx", "Always");
  auto pod = cluster.WaitFor("web", [](const Pod& p) {
    return p.status().phase() == "Running" && Main(p) && Main(p)->ready();
  });
  REQUIRE(pod);
  CHECK(pod->status().pod_ip().rfind("10.244.1.", 0) == 0);
  CHECK(Main(*pod)->container_id().rfind("fakecri://", 0) == 0);
  CHECK(Main(*pod)->restart_count() == 0);
  REQUIRE(Eventually([&] {
    auto reasons = cluster.EventReasons("web");
    return Has(reasons, "Pulling") && Has(reasons, "Pulled") && Has(reasons, "Created") &&
           Has(reasons, "Started");
  }));
  CHECK(cluster.Kubectl("get events --field-selector reason=Started -o "
                        "jsonpath={.items[0].involvedObject.fieldPath}") ==
        "spec.containers{main}");
}

TEST_CASE("a Never pod whose command exits 0 completes") {
  NodeCluster cluster;
  cluster.Create("job", "busybox", "Never", {"sh", "-c", "echo done; exit 0"});
  auto pod = cluster.WaitFor("job", [](const Pod& p) { return p.status().phase() == "Succeeded"; });
  REQUIRE(pod);
  CHECK(Main(*pod)->state().terminated().reason() == "Completed");
  CHECK(Main(*pod)->state().terminated().exit_code() == 0);
}

TEST_CASE("a crashing container goes into CrashLoopBackOff with a growing back-off") {
  NodeCluster cluster;
  cluster.Create("crash", "busybox", "Always", {"sh", "-c", "exit 3"});
  auto pod = cluster.WaitFor("crash", [](const Pod& p) {
    return Main(p) && Main(p)->restart_count() >= 3 &&
           Main(p)->state().waiting().reason() == "CrashLoopBackOff";
  });
  REQUIRE(pod);
  CHECK(Main(*pod)->last_state().terminated().exit_code() == 3);
  CHECK(Main(*pod)->state().waiting().message().find("back-off") == 0);
  CHECK(Eventually([&] { return Has(cluster.EventReasons("crash"), "BackOff"); }));
}

TEST_CASE("an OOM-killed container reports OOMKilled") {
  NodeCluster cluster;
  cluster.Create("oom", "nginx", "Never", {}, {{"picokube.io/oom-after", "1s"}});
  auto pod = cluster.WaitFor("oom", [](const Pod& p) { return p.status().phase() == "Failed"; });
  REQUIRE(pod);
  CHECK(Main(*pod)->state().terminated().reason() == "OOMKilled");
  CHECK(Main(*pod)->state().terminated().exit_code() == 137);
}

TEST_CASE("an image that does not exist fails to pull, then backs off") {
  NodeCluster cluster;
  cluster.Create("bad", "nosuchimage:1.0", "Always");
  auto pod = cluster.WaitFor("bad", [](const Pod& p) {
    return Main(p) && Main(p)->state().waiting().reason() == "ImagePullBackOff";
  });
  REQUIRE(pod);
  CHECK(pod->status().phase() == "Pending");
  CHECK(Eventually([&] { return Has(cluster.EventReasons("bad"), "Failed"); }));
}

// An httpGet probe on nginx's port 80, every second (scaled), giving up after one failure.
void HttpProbe(k8s::core::v1::Probe* probe) {
  probe->mutable_http_get()->set_path("/");
  probe->mutable_http_get()->mutable_port()->set_int_val(80);
  probe->set_period_seconds(1);
  probe->set_failure_threshold(1);
}

TEST_CASE("a failing liveness probe restarts the container") {
  NodeCluster cluster;
  cluster.Create("live", "nginx", "Always", {}, {{"picokube.io/probe-fail-after", "2s"}},
                 [](k8s::core::v1::Container* c) { HttpProbe(c->mutable_liveness_probe()); });
  auto pod = cluster.WaitFor("live",
                             [](const Pod& p) { return Main(p) && Main(p)->restart_count() >= 1; });
  REQUIRE(pod);
  CHECK(Eventually([&] { return Has(cluster.EventReasons("live"), "Unhealthy"); }));
  CHECK(Eventually([&] { return Has(cluster.EventReasons("live"), "Killing"); }));
}

TEST_CASE("a readiness probe holds Ready back until it passes") {
  NodeCluster cluster;
  // 60 s at the tests' time scale: 3 s, long enough to see it running and not ready yet.
  cluster.Create("ready", "nginx", "Always", {}, {{"picokube.io/ready-after", "60s"}},
                 [](k8s::core::v1::Container* c) { HttpProbe(c->mutable_readiness_probe()); });
  auto running = cluster.WaitFor(
      "ready", [](const Pod& p) { return Main(p) && Main(p)->state().has_running(); });
  REQUIRE(running);
  CHECK_FALSE(Main(*running)->ready());
  auto ready = cluster.WaitFor("ready", [](const Pod& p) { return Main(p) && Main(p)->ready(); });
  REQUIRE(ready);
  CHECK(Eventually([&] { return Has(cluster.EventReasons("ready"), "Unhealthy"); }));
  CHECK(Main(*ready)->restart_count() == 0);
}

TEST_CASE("kubectl logs shows the container's output, --previous the instance before") {
  NodeCluster cluster;
  cluster.Create("hello", "busybox", "Always", {"sh", "-c", "echo hello from $HOSTNAME; exit 1"});
  REQUIRE(cluster.WaitFor("hello",
                          [](const Pod& p) { return Main(p) && Main(p)->restart_count() >= 1; }));
  // The container restarts all along: between a start and its first line the current log is
  // empty, so each is read until it shows (bounded).
  CHECK(Eventually([&] { return cluster.Kubectl("logs hello") == "hello from hello\n"; }));
  CHECK(
      Eventually([&] { return cluster.Kubectl("logs hello --previous") == "hello from hello\n"; }));
  CHECK(cluster.Kubectl("logs hello -c nope") ==
        "error: container nope is not valid for pod hello\n");
  cluster.Create("fresh", "nginx", "Always");
  REQUIRE(cluster.WaitFor("fresh", [](const Pod& p) { return p.status().phase() == "Running"; }));
  CHECK(cluster.Kubectl("logs fresh --previous")
            .find("previous terminated container \"main\" in pod \"fresh\" not found") !=
        std::string::npos);
  CHECK(cluster.Kubectl("logs fresh --limit-bytes=100000")
            .find("Configuration complete; ready for start up") != std::string::npos);
}

TEST_CASE("kubectl exec runs a command in the container, with its output and exit code") {
  NodeCluster cluster;
  cluster.Create("shell", "nginx", "Always");
  REQUIRE(cluster.WaitFor("shell", [](const Pod& p) { return p.status().phase() == "Running"; }));
  CHECK(cluster.Kubectl("exec shell -- echo hello world") == "hello world\n");
  CHECK(cluster.Kubectl("exec shell -- hostname") == "shell\n");
  // kubectl exits with the command's exit code.
  CHECK(cluster.Kubectl("exec shell -- sh -c 'echo before; exit 3' 2>/dev/null; echo rc=$?") ==
        "before\nrc=3\n");
  CHECK(cluster.Kubectl("exec shell -c nope -- true") ==
        "Error from server (BadRequest): container nope is not valid for pod shell\n");
}

TEST_CASE("deleting a pod stops its containers and removes it") {
  NodeCluster cluster;
  cluster.Create("gone", "nginx", "Always");
  REQUIRE(cluster.WaitFor("gone", [](const Pod& p) { return p.status().phase() == "Running"; }));
  REQUIRE(cluster.Pods().Delete("gone").ok());
  CHECK(Eventually([&] { return cluster.Get("gone") == nullptr; }));
  CHECK(Eventually([&] { return Has(cluster.EventReasons("gone"), "Killing"); }));
}

TEST_CASE("a restarted kubelet adopts the running containers") {
  NodeCluster cluster;
  auto first = cluster.Create("keep", "nginx", "Always");
  auto running =
      cluster.WaitFor("keep", [](const Pod& p) { return p.status().phase() == "Running"; });
  REQUIRE(running);
  std::string id = Main(*running)->container_id();
  cluster.KillKubelet();
  cluster.StartKubelet();
  REQUIRE(Eventually([&] { return cluster.NodeReady(); }));
  cluster.Create("after", "nginx", "Always");
  REQUIRE(cluster.WaitFor("after", [](const Pod& p) { return p.status().phase() == "Running"; }));
  auto kept = cluster.Get("keep");
  CHECK(Main(*kept)->container_id() == id);
  CHECK(Main(*kept)->restart_count() == 0);
}

TEST_CASE("after a fake-cri restart (a node reboot) the pod's containers come back") {
  NodeCluster cluster;
  cluster.Create("reboot", "nginx", "Always");
  auto running =
      cluster.WaitFor("reboot", [](const Pod& p) { return p.status().phase() == "Running"; });
  REQUIRE(running);
  std::string id = Main(*running)->container_id();
  cluster.StopFakeCri();
  cluster.StartFakeCri();
  auto back = cluster.WaitFor("reboot", [&](const Pod& p) {
    return p.status().phase() == "Running" && Main(p)->container_id() != id &&
           Main(p)->state().has_running();
  });
  CHECK(back);
}

}  // namespace
}  // namespace pk::testing
