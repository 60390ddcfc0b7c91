// NodeName (pkg/scheduler/framework/plugins/nodename): a pod with spec.nodeName set fits
// only that node.
#pragma once

#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class NodeName : public PreFilterPlugin, public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeName";
  static constexpr std::string_view kErrReason = "node(s) didn't match the requested node name";

  std::string_view Name() const override { return kName; }
  // Narrows the nodes to spec.nodeName when it is set; Skip when it is not (nothing to check).
  PluginStatus PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) override;
  // UnschedulableAndUnresolvable kErrReason unless the node is spec.nodeName (or it is unset).
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
};

}  // namespace pk::scheduler::plugins
