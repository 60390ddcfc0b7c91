#include "controller-manager/podgc/podgc_controller.h"

#include <doctest/doctest.h>

#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using pk::testing::Eventually;

// The pod garbage collector alone, 100 times faster (checks every 0.2 s, 0.4 s quarantine),
// keeping 2 terminated pods, with one node "n1".
struct Cluster {
  Cluster() : cs(server.NewClientset()) {
    Node node;
    node.mutable_metadata()->set_name("n1");
    REQUIRE(cs.Nodes().Create(node).ok());
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"pod-garbage-collector"};
    options.time_scale = 0.01;
    options.terminated_pod_gc_threshold = 2;
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }
  // A pod bound to `node`, in `phase` (status written after the create, as a kubelet would).
  void Create(const std::string& name, const std::string& node, const std::string& phase) {
    Pod pod;
    pod.mutable_metadata()->set_name(name);
    pod.mutable_spec()->set_node_name(node);
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name("app");
    c->set_image("nginx");
    REQUIRE(cs.Pods("default").Create(pod).ok());
    REQUIRE(cs.Pods("default")
                .PatchStatus(name, "application/merge-patch+json",
                             R"({"status":{"phase":")" + phase + R"("}})")
                .ok());
  }
  bool Exists(const std::string& name) { return cs.Pods("default").Get(name).ok(); }

  client::testing::TestApiServer server;
  client::Clientset cs;
  std::unique_ptr<ControllerManager> manager;
};

TEST_CASE("pods bound to a node that no longer exists are collected after the quarantine") {
  Cluster c;
  c.Create("orphan", "gone", "Running");
  c.Create("kept", "n1", "Running");
  CHECK(c.Exists("orphan"));  // the node may yet appear: quarantined first
  REQUIRE(Eventually([&] { return !c.Exists("orphan"); }, std::chrono::seconds(10)));
  CHECK(c.Exists("kept"));
}

TEST_CASE("the oldest terminated pods beyond the threshold are deleted") {
  Cluster c;
  for (int i = 0; i < 4; ++i) {
    c.Create("done-" + std::to_string(i), "n1", "Succeeded");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // creation times: seconds
  }
  c.Create("running", "n1", "Running");
  REQUIRE(Eventually([&] { return !c.Exists("done-0") && !c.Exists("done-1"); },
                     std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // more passes delete no more
  CHECK(c.Exists("done-2"));
  CHECK(c.Exists("done-3"));
  CHECK(c.Exists("running"));
}

}  // namespace
}  // namespace pk::controllers
