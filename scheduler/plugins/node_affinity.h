// NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity): Filter by the pod's
// spec.nodeSelector and required node affinity (and the scheduler-enforced addedAffinity of
// NodeAffinityArgs); Score by the weights of the preferred terms the node matches.
//
//   pluginConfig:
//   - name: NodeAffinity
//     args:
//       addedAffinity:
//         requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [...]}
//         preferredDuringSchedulingIgnoredDuringExecution: [{weight: 5, preference: {...}}]
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string_view>
#include <vector>

#include "scheduler/framework/interface.h"
#include "scheduler/plugins/node_selector.h"

namespace pk::scheduler::plugins {

class NodeAffinity : public PreFilterPlugin,
                     public FilterPlugin,
                     public PreScorePlugin,
                     public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";
  static constexpr std::string_view kErrReasonPod =
      "node(s) didn't match Pod's node affinity/selector";
  static constexpr std::string_view kErrReasonEnforced =
      "node(s) didn't match scheduler-enforced node affinity";
  static constexpr std::string_view kErrReasonConflict = "pod affinity terms conflict";
  static constexpr std::string_view kPreFilterStateKey = "PreFilterNodeAffinity";
  static constexpr std::string_view kPreScoreStateKey = "PreScoreNodeAffinity";

  // Parses NodeAffinityArgs (null: none). BadRequest naming the bad field
  // ("NodeAffinity: addedAffinity.requiredDuringSchedulingIgnoredDuringExecution...").
  static Result<std::unique_ptr<NodeAffinity>> New(const YAML::Node& args);

  std::string_view Name() const override { return kName; }
  // Parses the pod's nodeSelector and required terms into `state`. Skip when the pod has
  // neither and there is no addedAffinity. Narrows the nodes when every required term names
  // nodes with matchFields metadata.name In (UnschedulableAndUnresolvable kErrReasonConflict
  // when the terms name no node at all).
  PluginStatus PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) override;
  // UnschedulableAndUnresolvable kErrReasonEnforced (addedAffinity) or kErrReasonPod.
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;
  // Parses the pod's preferred terms into `state`; Error when they do not parse; Skip when
  // neither the pod nor addedAffinity has preferred terms.
  PluginStatus PreScore(CycleState& state, const Pod& pod,
                        const std::vector<const NodeInfo*>& nodes) override;
  // The sum of the weights of the preferred terms (the pod's and addedAffinity's) the node
  // matches.
  PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                     int64_t* score) const override;
  bool HasNormalize() const override { return true; }
  // DefaultNormalizeScore: scaled to 0..100 by the best node.
  PluginStatus NormalizeScore(const CycleState& state, const Pod& pod,
                              std::vector<NodeScore>& scores) const override;

 private:
  std::optional<NodeSelector> added_node_selector_;
  std::optional<PreferredSchedulingTerms> added_pref_terms_;
};

}  // namespace pk::scheduler::plugins
