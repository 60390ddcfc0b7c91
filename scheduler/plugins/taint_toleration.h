// TaintToleration (pkg/scheduler/framework/plugins/tainttoleration): Filter keeps pods off
// nodes with NoSchedule/NoExecute taints they do not tolerate; Score prefers nodes with fewer
// PreferNoSchedule taints the pod does not tolerate.
#pragma once

#include <string_view>
#include <vector>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class TaintToleration : public FilterPlugin, public PreScorePlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  // The CycleState key of PreScore's state.
  static constexpr std::string_view kPreScoreStateKey = "PreScoreTaintToleration";

  std::string_view Name() const override { return kName; }
  // UnschedulableAndUnresolvable "node(s) had untolerated taint {key: value}" for the first
  // NoSchedule or NoExecute taint no toleration tolerates.
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  // Keeps the tolerations that can tolerate PreferNoSchedule taints (effect empty or
  // PreferNoSchedule) for Score.
  PluginStatus PreScore(CycleState& state, const Pod& pod,
                        const std::vector<const NodeInfo*>& nodes) override;
  // The number of the node's PreferNoSchedule taints the pod does not tolerate; Error when
  // PreScore did not run.
  PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                     int64_t* score) const override;
  bool HasNormalize() const override { return true; }
  // Fewer intolerable taints rank higher: DefaultNormalizeScore reversed.
  PluginStatus NormalizeScore(const CycleState& state, const Pod& pod,
                              std::vector<NodeScore>& scores) const override;
};

}  // namespace pk::scheduler::plugins
