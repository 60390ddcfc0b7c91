// NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable): a cordoned node
// (spec.unschedulable) takes only pods that tolerate node.kubernetes.io/unschedulable:NoSchedule.
#pragma once

#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class NodeUnschedulable : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeUnschedulable";
  static constexpr std::string_view kErrReasonUnschedulable = "node(s) were unschedulable";
  static constexpr std::string_view kErrReasonUnknownCondition = "node(s) had unknown conditions";

  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace pk::scheduler::plugins
