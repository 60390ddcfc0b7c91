#include "controller-manager/nodelifecycle/node_lifecycle_controller.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "apimachinery/time.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::coordination::v1::Lease;
using k8s::core::v1::Node;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// At time_scale 0.05 the grace period is 2.5 s and the monitor runs every 0.25 s.
constexpr double kTimeScale = 0.05;

// The test's kubelet for one node: registers it (Ready as told, heartbeat now) with a Lease,
// and renews the Lease every 100 ms while renewing.
class FakeKubelet {
 public:
  FakeKubelet(const client::Clientset& cs, std::string name) : cs_(cs), name_(std::move(name)) {
    Node node;
    node.mutable_metadata()->set_name(name_);
    (*node.mutable_metadata()->mutable_labels())["kubernetes.io/os"] = "linux";
    (*node.mutable_metadata()->mutable_labels())["kubernetes.io/arch"] = "amd64";
    for (const char* type : {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}) {
      auto* c = node.mutable_status()->add_conditions();
      c->set_type(type);
      c->set_status(std::string(type) == "Ready" ? "True" : "False");
      *c->mutable_last_heartbeat_time() = NowTime();
      *c->mutable_last_transition_time() = NowTime();
    }
    auto created = cs_.Nodes().Create(node);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
    PostReady("True");  // the status of a create may be dropped; the kubelet posts it
    Lease lease;
    lease.mutable_metadata()->set_name(name_);
    lease.mutable_metadata()->set_namespace_("kube-node-lease");
    lease.mutable_spec()->set_holder_identity(name_);
    lease.mutable_spec()->set_lease_duration_seconds(40);
    *lease.mutable_spec()->mutable_renew_time() = NowMicroTime();
    REQUIRE(cs_.Leases("kube-node-lease").Create(lease).ok());
    thread_ = std::thread([this] { RenewLoop(); });
  }
  ~FakeKubelet() {
    done_ = true;
    thread_.join();
  }

  void SetRenewing(bool renewing) { renewing_ = renewing; }

  // Posts Ready=`status` with a new heartbeat (retrying conflicts with the controller).
  void PostReady(const std::string& status) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto got = cs_.Nodes().Get(name_);
      REQUIRE(got.ok());
      Node node = **got;
      for (auto& c : *node.mutable_status()->mutable_conditions()) {
        std::string want = c.type() == "Ready" ? status : "False";
        if (c.status() != want) *c.mutable_last_transition_time() = NowTime();
        c.set_status(want);
        c.set_reason(c.type() == "Ready" ? (status == "True" ? "KubeletReady" : "KubeletNotReady")
                                         : "KubeletHasSufficientMemory");
        c.set_message("");
        *c.mutable_last_heartbeat_time() = NowTime();
      }
      if (cs_.Nodes().UpdateStatus(node).ok()) return;
      std::this_thread::sleep_for(milliseconds(20));
    }
    FAIL("could not post the node status");
  }

 private:
  void RenewLoop() {
    while (!done_) {
      if (renewing_) Renew();
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  void Renew() {
    auto leases = cs_.Leases("kube-node-lease");
    auto got = leases.Get(name_);
    if (!got.ok()) return;
    Lease lease = **got;
    *lease.mutable_spec()->mutable_renew_time() = NowMicroTime();
    (void)leases.Update(lease);
  }

  const client::Clientset cs_;
  const std::string name_;
  std::atomic<bool> done_{false};
  std::atomic<bool> renewing_{true};
  std::thread thread_;
};

struct Cluster {
  Cluster() : cs(server.NewClientset()) {}
  void StartControllers(std::vector<std::string> controllers = {"nodelifecycle"}) {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = std::move(controllers);
    options.time_scale = kTimeScale;
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }
  Node Get(const std::string& name) {
    auto node = cs.Nodes().Get(name);
    REQUIRE(node.ok());
    return **node;
  }
  bool HasTaint(const std::string& node, const std::string& key, const std::string& effect) {
    Node n = Get(node);
    for (const auto& t : n.spec().taints()) {
      if (t.key() == key && t.effect() == effect) return t.has_time_added();
    }
    return false;
  }
  std::string ReadyStatus(const std::string& node) {
    Node n = Get(node);
    for (const auto& c : n.status().conditions()) {
      if (c.type() == "Ready") return c.status();
    }
    return "";
  }
  bool HasEvent(const std::string& node, const std::string& reason, const std::string& message) {
    auto events = cs.Events("default").List();
    if (!events.ok()) return false;
    for (const auto& e : events->items) {
      if (e->involved_object().name() == node && e->involved_object().kind() == "Node" &&
          e->reason() == reason && e->message() == message) {
        return true;
      }
    }
    return false;
  }

  client::testing::TestApiServer server;
  client::Clientset cs;
  std::unique_ptr<ControllerManager> manager;
};

constexpr char kUnreachable[] = "node.kubernetes.io/unreachable";
constexpr char kNotReady[] = "node.kubernetes.io/not-ready";

TEST_CASE("a node whose Lease and status stop is Unknown and unreachable; back, it is untainted") {
  Cluster cluster;
  FakeKubelet steady(cluster.cs, "steady");  // a Ready node, so that the zone is not all down
  FakeKubelet kubelet(cluster.cs, "n1");
  cluster.StartControllers();
  CHECK(pk::testing::Eventually([&] {  // the beta labels follow the stable ones
    Node n = cluster.Get("steady");
    const auto& labels = n.metadata().labels();
    return labels.count("beta.kubernetes.io/os") && labels.at("beta.kubernetes.io/os") == "linux" &&
           labels.count("beta.kubernetes.io/arch") &&
           labels.at("beta.kubernetes.io/arch") == "amd64";
  }));
  CHECK(pk::testing::Eventually([&] {
    return cluster.HasEvent("n1", "RegisteredNode",
                            "Node n1 event: Registered Node n1 in Controller");
  }));
  std::this_thread::sleep_for(milliseconds(500));
  CHECK(cluster.ReadyStatus("n1") == "True");

  auto silent_at = Steady::now();
  kubelet.SetRenewing(false);
  CHECK(pk::testing::Eventually([&] { return cluster.ReadyStatus("n1") == "Unknown"; }));
  CHECK(Steady::now() - silent_at >= milliseconds(2000));  // the 2.5 s grace period
  Node n1 = cluster.Get("n1");
  for (const auto& c : n1.status().conditions()) {
    CAPTURE(c.type());
    CHECK(c.status() == "Unknown");
    CHECK(c.reason() == "NodeStatusUnknown");
    CHECK(c.message() == "Kubelet stopped posting node status.");
  }
  CHECK(pk::testing::Eventually([&] {
    return cluster.HasTaint("n1", kUnreachable, "NoSchedule") &&
           cluster.HasTaint("n1", kUnreachable, "NoExecute");
  }));
  CHECK(!cluster.HasTaint("n1", kNotReady, "NoExecute"));
  CHECK(cluster.ReadyStatus("steady") == "True");
  CHECK(cluster.Get("steady").spec().taints_size() == 0);
  CHECK(pk::testing::Eventually([&] {
    return cluster.HasEvent("n1", "NodeNotReady", "Node n1 status is now: NodeNotReady");
  }));

  // The kubelet comes back: it renews its Lease and posts Ready.
  kubelet.SetRenewing(true);
  kubelet.PostReady("True");
  CHECK(pk::testing::Eventually([&] {
    return cluster.Get("n1").spec().taints_size() == 0 && cluster.ReadyStatus("n1") == "True";
  }));
}

TEST_CASE("a node reporting Ready=False is tainted not-ready, untainted when Ready again") {
  Cluster cluster;
  FakeKubelet steady(cluster.cs, "steady");
  FakeKubelet kubelet(cluster.cs, "n1");
  cluster.StartControllers();
  std::this_thread::sleep_for(milliseconds(300));
  kubelet.PostReady("False");
  CHECK(pk::testing::Eventually([&] {
    return cluster.HasTaint("n1", kNotReady, "NoSchedule") &&
           cluster.HasTaint("n1", kNotReady, "NoExecute");
  }));
  CHECK(!cluster.HasTaint("n1", kUnreachable, "NoSchedule"));
  CHECK(!cluster.HasTaint("n1", kUnreachable, "NoExecute"));
  CHECK(cluster.ReadyStatus("n1") == "False");  // the kubelet's word stands while it posts
  kubelet.PostReady("True");
  CHECK(pk::testing::Eventually([&] { return cluster.Get("n1").spec().taints_size() == 0; }));
}

TEST_CASE("when every node is down the NoExecute taint is held back (full disruption)") {
  Cluster cluster;
  FakeKubelet kubelet(cluster.cs, "n1");
  cluster.StartControllers();
  std::this_thread::sleep_for(milliseconds(300));
  kubelet.SetRenewing(false);
  CHECK(pk::testing::Eventually([&] {
    return cluster.ReadyStatus("n1") == "Unknown" &&
           cluster.HasTaint("n1", kUnreachable, "NoSchedule");
  }));
  std::this_thread::sleep_for(milliseconds(1000));  // four monitor passes
  CHECK(!cluster.HasTaint("n1", kUnreachable, "NoExecute"));
}

k8s::core::v1::Pod RunningPod(const std::string& name, std::optional<int64_t> tolerate) {
  k8s::core::v1::Pod pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("n1");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("app");
  c->set_image("nginx");
  auto* t = pod.mutable_spec()->add_tolerations();
  t->set_key(kUnreachable);
  t->set_operator_("Exists");
  t->set_effect("NoExecute");
  if (tolerate) t->set_toleration_seconds(*tolerate);
  return pod;
}

// Both controllers: the pods of a silent node are marked not Ready, then evicted as their
// tolerations say (20 s at 0.05 is 1 s).
TEST_CASE("a silent node's pods are marked not Ready and evicted after their toleration") {
  Cluster cluster;
  FakeKubelet steady(cluster.cs, "steady");
  FakeKubelet kubelet(cluster.cs, "n1");
  auto pods = cluster.cs.Pods("default");
  for (auto [name, seconds] :
       {std::pair<const char*, std::optional<int64_t>>{"web", 20}, {"forever", std::nullopt}}) {
    REQUIRE(pods.Create(RunningPod(name, seconds)).ok());
    auto patched = pods.PatchStatus(name, "application/merge-patch+json",
                                    R"({"status":{"phase":"Running","conditions":[)"
                                    R"({"type":"Ready","status":"True"}]}})");
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  cluster.StartControllers({"nodelifecycle", "taint-eviction-controller"});
  std::this_thread::sleep_for(milliseconds(300));
  kubelet.SetRenewing(false);

  auto ready = [&](const std::string& name) {
    auto pod = pods.Get(name);
    if (!pod.ok()) return std::string("gone");
    for (const auto& c : (*pod)->status().conditions()) {
      if (c.type() == "Ready") return c.status();
    }
    return std::string();
  };
  CHECK(pk::testing::Eventually([&] { return ready("forever") == "False"; }));
  auto deleted = [&](const std::string& name) {
    auto pod = pods.Get(name);
    return !pod.ok() || (*pod)->metadata().has_deletion_timestamp();
  };
  CHECK(pk::testing::Eventually([&] { return deleted("web"); }));
  auto events = cluster.cs.Events("default").List();
  REQUIRE(events.ok());
  bool pod_event = false;
  for (const auto& e : events->items) {
    pod_event |= e->involved_object().name() == "forever" && e->reason() == "NodeNotReady" &&
                 e->message() == "Node is not ready" && e->type() == "Warning";
  }
  CHECK(pod_event);
  std::this_thread::sleep_for(milliseconds(500));
  CHECK(!deleted("forever"));
}

}  // namespace
}  // namespace pk::controllers
