// The Node a kubelet registers and the status it reports (Kubernetes' kubelet_node_status.go
// and nodestatus setters): capacity and allocatable, the Ready / MemoryPressure /
// DiskPressure / PIDPressure conditions with Kubernetes' reasons and messages, addresses,
// daemonEndpoints and nodeInfo; and the node's Lease in kube-node-lease.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/core/v1/node.pb.h"

namespace pk::kubelet {

struct NodeConfig {
  std::string name;
  std::map<std::string, std::string> labels;  // beyond kubernetes.io/hostname, os and arch
  std::vector<k8s::core::v1::Taint> taints;
  std::map<std::string, std::string> capacity = {
      {"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}, {"ephemeral-storage", "100Gi"}};
  std::string pod_cidr;  // 10.244.N.0/24
  std::string address = "127.0.0.1";
  int kubelet_port = 0;  // where logs are served (0: any free port; several kubelets share a host)
  std::string runtime_version = "fakecri://0.1.0";
};

// "key=value:Effect" or "key:Effect" (kubelet's --register-with-taints); BadRequest otherwise.
Result<k8s::core::v1::Taint> ParseTaint(const std::string& text);

// The Node to register: metadata (name, labels), spec (podCIDR, taints) and a first status.
k8s::core::v1::Node NewNode(const NodeConfig& config);

// Sets `status` to what the kubelet reports now: conditions keep their transition time while
// their status holds, heartbeats become `now`. `runtime_ready` false makes Ready False with
// the container runtime's reason.
void SetNodeStatus(const NodeConfig& config, bool runtime_ready, const std::string& runtime_message,
                   const k8s::meta::v1::Time& now, k8s::core::v1::NodeStatus* status);

// The node's Lease (kube-node-lease/NAME), held by the node for `duration_seconds`, renewed
// `now`, owned by the Node (so it goes when the Node does).
k8s::coordination::v1::Lease NewNodeLease(const k8s::core::v1::Node& node, int32_t duration_seconds,
                                          const k8s::meta::v1::MicroTime& now);

}  // namespace pk::kubelet
