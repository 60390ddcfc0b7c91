#include "kubelet/node_status.h"

#include <doctest/doctest.h>

#include "kubelet/kubelet.h"

namespace pk::kubelet {
namespace {

const k8s::core::v1::NodeCondition* Find(const k8s::core::v1::NodeStatus& s,
                                         const std::string& type) {
  for (const auto& c : s.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

TEST_CASE("taints parse as the kubelet's --register-with-taints; bad ones say what to fix") {
  auto t = ParseTaint("dedicated=gpu:NoSchedule");
  REQUIRE(t.ok());
  CHECK(t->key() == "dedicated");
  CHECK(t->value() == "gpu");
  CHECK(t->effect() == "NoSchedule");
  CHECK(ParseTaint("spot:NoExecute")->value().empty());
  CHECK(ParseTaint("nokey").status().message().find("KEY[=VALUE]:EFFECT") != std::string::npos);
  CHECK(ParseTaint("k=v:Sometimes").status().message().find("NoSchedule, PreferNoSchedule") !=
        std::string::npos);
}

TEST_CASE("a registered node carries its labels, podCIDR, taints and a Ready status") {
  NodeConfig config;
  config.name = "node-1";
  config.labels["zone"] = "a";
  config.pod_cidr = "10.244.1.0/24";
  config.taints.push_back(*ParseTaint("k=v:NoSchedule"));
  auto node = NewNode(config);
  CHECK(node.metadata().labels().at("kubernetes.io/hostname") == "node-1");
  CHECK(node.metadata().labels().at("zone") == "a");
  CHECK(node.spec().pod_cidr() == "10.244.1.0/24");
  CHECK(node.spec().taints(0).key() == "k");

  k8s::meta::v1::Time t0, t1;
  t0.set_seconds(100);
  t1.set_seconds(200);
  SetNodeStatus(config, true, "", t0, node.mutable_status());
  CHECK(node.status().capacity().at("cpu").string() == "4");
  CHECK(node.status().allocatable().at("pods").string() == "110");
  CHECK(Find(node.status(), "Ready")->reason() == "KubeletReady");
  CHECK(Find(node.status(), "MemoryPressure")->status() == "False");
  CHECK(node.status().node_info().container_runtime_version() == "fakecri://0.1.0");
  CHECK(node.status().addresses(0).address() == "127.0.0.1");

  SetNodeStatus(config, true, "", t1, node.mutable_status());
  CHECK(Find(node.status(), "Ready")->last_transition_time().seconds() == 100);
  CHECK(Find(node.status(), "Ready")->last_heartbeat_time().seconds() == 200);
  SetNodeStatus(config, false, "connection refused", t1, node.mutable_status());
  CHECK(Find(node.status(), "Ready")->status() == "False");
  CHECK(Find(node.status(), "Ready")->last_transition_time().seconds() == 200);
  CHECK(Find(node.status(), "Ready")->message() == "container runtime is down: connection refused");
  CHECK(node.status().conditions_size() == 4);
}

TEST_CASE("the node lease is held by the node and owned by it") {
  k8s::core::v1::Node node;
  node.mutable_metadata()->set_name("node-1");
  node.mutable_metadata()->set_uid("u");
  k8s::meta::v1::MicroTime now;
  now.set_seconds(7);
  auto lease = NewNodeLease(node, 40, now);
  CHECK(lease.metadata().namespace_() == "kube-node-lease");
  CHECK(lease.spec().holder_identity() == "node-1");
  CHECK(lease.spec().lease_duration_seconds() == 40);
  CHECK(lease.spec().renew_time().seconds() == 7);
  CHECK(lease.metadata().owner_references(0).uid() == "u");
}

TEST_CASE("hollow nodes take consecutive pod ranges from --pod-cidr") {
  KubeletOptions options;
  options.node.name = "hollow";
  options.nodes = 3;
  auto nodes = NodesOf(options);
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[0].name == "hollow-0");
  CHECK(nodes[0].pod_cidr == "10.244.0.0/24");
  CHECK(nodes[2].pod_cidr == "10.244.2.0/24");

  options.node.pod_cidr = "10.244.254.0/24";  // a second hollow kubelet's start
  nodes = NodesOf(options);
  CHECK(nodes[0].pod_cidr == "10.244.254.0/24");
  CHECK(nodes[2].pod_cidr == "10.245.0.0/24");

  options.nodes = 5000;  // past 10.255.255.0/24 into 11.0.0.0/8
  options.node.pod_cidr = "10.244.1.0/24";
  nodes = NodesOf(options);
  CHECK(nodes[3070].pod_cidr == "10.255.255.0/24");
  CHECK(nodes[3071].pod_cidr == "11.0.0.0/24");
  CHECK(nodes[4999].pod_cidr == "11.7.136.0/24");
  options.node.pod_cidr = "11.0.5.0/24";  // a group that starts there
  nodes = NodesOf(options);
  CHECK(nodes[0].pod_cidr == "11.0.5.0/24");
  CHECK(nodes[251].pod_cidr == "11.1.0.0/24");
  options.nodes = 3;

  options.nodes = 1;  // one node: its own range as given
  options.node.pod_cidr = "10.244.7.0/24";
  nodes = NodesOf(options);
  REQUIRE(nodes.size() == 1);
  CHECK(nodes[0].name == "hollow");
  CHECK(nodes[0].pod_cidr == "10.244.7.0/24");
}

}  // namespace
}  // namespace pk::kubelet
