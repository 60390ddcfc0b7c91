// The node lifecycle controller's view of each node's health (nodeHealthData and
// tryUpdateNodeHealth of pkg/controller/nodelifecycle): when it last saw a sign of life --
// a new Ready heartbeat in the status or a newer Lease renewTime -- on its own clock, so that
// clock skew between the kubelets and the control plane does not matter.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "client/clock.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/core/v1/node.pb.h"

namespace pk::controllers {

using k8s::core::v1::Node;
using k8s::core::v1::NodeCondition;

// GetNodeCondition: the condition of `type`, or null.
NodeCondition* FindCondition(k8s::core::v1::NodeStatus& status, const std::string& type);
const NodeCondition* FindCondition(const k8s::core::v1::NodeStatus& status,
                                   const std::string& type);
// apiequality.Semantic.DeepEqual of two conditions.
bool SameCondition(const NodeCondition& a, const NodeCondition& b);

struct NodeHealth {
  client::Clock::TimePoint probe;             // last sign of life
  client::Clock::TimePoint ready_transition;  // last Ready change seen
  k8s::core::v1::NodeStatus status;
  std::optional<k8s::meta::v1::MicroTime> lease_renew;
};

// Thread-safe map of node name to health.
class NodeHealthMap {
 public:
  std::optional<NodeHealth> Get(const std::string& node) const;
  void Set(const std::string& node, NodeHealth health);
  void Erase(const std::string& node);

 private:
  mutable std::mutex mu_;
  std::map<std::string, NodeHealth> health_;  // guarded by mu_
};

// The outcome of one look at a node (tryUpdateNodeHealth's results).
struct HealthCheck {
  NodeCondition observed;                // Ready as the node had it (or a fake Unknown)
  std::optional<NodeCondition> current;  // Ready after this look (Unknown if it went silent)
  bool status_changed = false;           // `node`'s status must be written (UpdateStatus)
};

// Records what `node` (and its Lease, if any) show in `health`, and when no sign of life came
// for `grace` (`startup_grace` for a node that never posted Ready), marks the conditions the
// kubelet owns Unknown in `node` ("NodeStatusUnknown", "Kubelet stopped posting node
// status.") for the caller to write. `now` and `wall_now` are the controller's clock.
HealthCheck CheckNodeHealth(Node& node, const k8s::coordination::v1::Lease* lease,
                            std::optional<NodeHealth>& health, client::Clock::TimePoint now,
                            client::Clock::TimePoint creation, client::Clock::Duration grace,
                            client::Clock::Duration startup_grace);

}  // namespace pk::controllers
