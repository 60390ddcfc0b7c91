#include "controller-manager/tainteviction/taint_eviction_controller.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using k8s::core::v1::Toleration;
using Steady = std::chrono::steady_clock;

Toleration Tolerate(const std::string& key, std::optional<int64_t> seconds) {
  Toleration t;
  t.set_key(key);
  t.set_operator_("Exists");
  t.set_effect("NoExecute");
  if (seconds) t.set_toleration_seconds(*seconds);
  return t;
}

Pod BoundPod(const std::string& name, std::vector<Toleration> tolerations = {}) {
  Pod pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_spec()->set_node_name("n1");
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("app");
  c->set_image("nginx");
  for (auto& t : tolerations) *pod.mutable_spec()->add_tolerations() = t;
  return pod;
}

// A cluster of one node "n1" and the taint eviction controller at `time_scale`.
struct Cluster {
  explicit Cluster(double time_scale) : cs(server.NewClientset()) {
    Node node;
    node.mutable_metadata()->set_name("n1");
    REQUIRE(cs.Nodes().Create(node).ok());
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"taint-eviction-controller"};
    options.time_scale = time_scale;
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }
  void Create(const Pod& pod) { REQUIRE(cs.Pods("default").Create(pod).ok()); }
  void SetTaints(std::vector<std::pair<std::string, std::string>> taints) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto node = cs.Nodes().Get("n1");
      REQUIRE(node.ok());
      Node n = **node;
      n.mutable_spec()->clear_taints();
      for (auto& [key, effect] : taints) {
        auto* t = n.mutable_spec()->add_taints();
        t->set_key(key);
        t->set_effect(effect);
      }
      if (cs.Nodes().Update(n).ok()) return;
    }
    FAIL("could not taint n1");
  }
  // Deleted: gone, or marked for deletion (a bound pod waits for its kubelet).
  bool Deleted(const std::string& name) {
    auto pod = cs.Pods("default").Get(name);
    return !pod.ok() || (*pod)->metadata().has_deletion_timestamp();
  }
  bool HasEvent(const std::string& pod, const std::string& message) {
    auto events = cs.Events("default").List();
    if (!events.ok()) return false;
    for (const auto& e : events->items) {
      if (e->involved_object().name() == pod && e->reason() == "TaintManagerEviction" &&
          e->message() == message) {
        return true;
      }
    }
    return false;
  }

  client::testing::TestApiServer server;
  client::Clientset cs;
  std::unique_ptr<ControllerManager> manager;
};

TEST_CASE("DefaultTolerationSeconds: 300 s for not-ready and unreachable unless tolerated") {
  Pod bare = BoundPod("p");
  auto defaults = TolerationsWithDefaults(bare);
  REQUIRE(defaults.size() == 2);
  CHECK(defaults[0].key() == "node.kubernetes.io/not-ready");
  CHECK(defaults[1].key() == "node.kubernetes.io/unreachable");
  CHECK(defaults[1].effect() == "NoExecute");
  CHECK(defaults[1].toleration_seconds() == 300);
  // Its own toleration of unreachable (any effect) keeps the pod's; an empty key with
  // Exists tolerates everything.
  Toleration any_effect = Tolerate("node.kubernetes.io/unreachable", 5);
  any_effect.clear_effect();
  CHECK(TolerationsWithDefaults(BoundPod("p", {any_effect})).size() == 2);
  CHECK(TolerationsWithDefaults(BoundPod("p", {Tolerate("", std::nullopt)})).size() == 1);
}

// tolerationSeconds are scaled like every controller timing: 40 s at 0.05 is 2 s.
TEST_CASE("NoExecute: untolerated pods go at once, tolerationSeconds later, forever never") {
  Cluster cluster(0.05);
  cluster.Create(BoundPod("plain"));
  cluster.Create(BoundPod("brief", {Tolerate("example.com/maintenance", 40)}));
  cluster.Create(BoundPod("forever", {Tolerate("example.com/maintenance", std::nullopt)}));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // informers see the pods
  CHECK(!cluster.Deleted("plain"));

  auto tainted_at = Steady::now();
  cluster.SetTaints({{"example.com/maintenance", "NoExecute"}});
  CHECK(pk::testing::Eventually([&] { return cluster.Deleted("plain"); }));
  CHECK(Steady::now() - tainted_at < std::chrono::milliseconds(1500));
  CHECK(!cluster.Deleted("brief"));
  CHECK(pk::testing::Eventually(
      [&] { return cluster.HasEvent("plain", "Marking for deletion Pod default/plain"); }));
  auto plain = cluster.cs.Pods("default").Get("plain");
  if (plain.ok()) {  // still terminating: the condition says why
    bool disruption = false;
    for (const auto& c : (*plain)->status().conditions()) {
      disruption |= c.type() == "DisruptionTarget" && c.status() == "True" &&
                    c.reason() == "DeletionByTaintManager";
    }
    CHECK(disruption);
  }

  CHECK(
      pk::testing::Eventually([&] { return cluster.Deleted("brief"); }, std::chrono::seconds(10)));
  CHECK(Steady::now() - tainted_at >= std::chrono::milliseconds(1800));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(!cluster.Deleted("forever"));
}

TEST_CASE("a taint removed before tolerationSeconds pass cancels the deletion") {
  Cluster cluster(0.05);
  cluster.Create(BoundPod("brief", {Tolerate("example.com/maintenance", 40)}));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  cluster.SetTaints({{"example.com/maintenance", "NoExecute"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  cluster.SetTaints({});
  CHECK(pk::testing::Eventually(
      [&] { return cluster.HasEvent("brief", "Cancelling deletion of Pod default/brief"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(!cluster.Deleted("brief"));
}

// 300 s at 0.005 is 1.5 s.
TEST_CASE("a pod without its own toleration of unreachable gets the default 300 s") {
  Cluster cluster(0.005);
  cluster.Create(BoundPod("defaulted"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto tainted_at = Steady::now();
  cluster.SetTaints({{"node.kubernetes.io/unreachable", "NoExecute"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(!cluster.Deleted("defaulted"));
  CHECK(pk::testing::Eventually([&] { return cluster.Deleted("defaulted"); },
                                std::chrono::seconds(10)));
  CHECK(Steady::now() - tainted_at >= std::chrono::milliseconds(1300));
}

}  // namespace
}  // namespace pk::controllers
