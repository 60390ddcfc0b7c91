// NodePorts (pkg/scheduler/framework/plugins/nodeports): a pod's host ports must be free on
// the node (same protocol and port conflict when either IP is 0.0.0.0 or both are equal).
#pragma once

#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class NodePorts : public PreFilterPlugin, public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodePorts";
  static constexpr std::string_view kErrReason =
      "node(s) didn't have free ports for the requested pod ports";
  // The CycleState key of PreFilter's state.
  static constexpr std::string_view kPreFilterStateKey = "PreFilterNodePorts";

  std::string_view Name() const override { return kName; }
  // Keeps the pod's host ports for Filter; Skip when it asks for none.
  PluginStatus PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) override;
  // Unschedulable kErrReason when a wanted port conflicts with one in use on the node; Error
  // when PreFilter did not run.
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace pk::scheduler::plugins
