// NodeResourcesBalancedAllocation (noderesources/balanced_allocation.go): favours nodes whose
// resources would be used evenly with the pod. For each configured resource the node has, the
// fraction requested/allocatable (capped at 1, counting what pods request, not the non-zero
// defaults); score = (1 - standard deviation of the fractions) * 100 (two resources:
// std = |f1 - f2| / 2).
//
// Args (NodeResourcesBalancedAllocationArgs):
//   resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]   (weights must be 1)
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/framework/interface.h"
#include "scheduler/plugins/resource_allocation.h"

namespace pk::scheduler::plugins {

struct NodeResourcesBalancedAllocationArgs {
  std::vector<ResourceSpec> resources = DefaultResourceSpecs();

  // Parses and validates (defaults applied); BadRequest naming the bad field.
  static Result<NodeResourcesBalancedAllocationArgs> Parse(const YAML::Node& args);
  Status Validate() const;  // names unique, weights 1
};

// The score of fractions requested/allocatable (balancedResourceScorer), for resources with
// allocatable != 0.
int64_t BalancedResourceScore(const std::vector<int64_t>& requested,
                              const std::vector<int64_t>& allocatable);

class NodeResourcesBalancedAllocation : public PreScorePlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesBalancedAllocation";
  static constexpr std::string_view kPreScoreStateKey = "PreScoreNodeResourcesBalancedAllocation";

  explicit NodeResourcesBalancedAllocation(NodeResourcesBalancedAllocationArgs args);

  std::string_view Name() const override { return kName; }

  // Computes the pod's requests of the configured resources.
  PluginStatus PreScore(CycleState& state, const Pod& pod,
                        const std::vector<const NodeInfo*>& nodes) override;
  // Computes the requests itself when PreScore did not run.
  PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                     int64_t* score) const override;

 private:
  ResourceAllocationScorer scorer_;
};

}  // namespace pk::scheduler::plugins
