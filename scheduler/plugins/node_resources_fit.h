// NodeResourcesFit (noderesources/fit.go): Filter rejects nodes without room for the pod's
// requests ("Too many pods", "Insufficient cpu", ...; every shortfall is reported together),
// Score ranks nodes by a scoring strategy over the configured resources:
//   LeastAllocated (default)   (allocatable - requested) * 100 / allocatable, weighted mean
//   MostAllocated              requested * 100 / allocatable, weighted mean
//   RequestedToCapacityRatio   a piecewise-linear shape of utilization -> score (0..10)
// Scores count the non-zero requests (containers without cpu/memory requests count
// 100m / 200Mi), as Kubernetes does.
//
// Args (NodeResourcesFitArgs):
//   ignoredResources: [example.com/foo]       extended resources Filter does not check
//   ignoredResourceGroups: [example.com]      ... by the prefix before '/'
//   scoringStrategy:
//     type: LeastAllocated | MostAllocated | RequestedToCapacityRatio
//     resources: [{name: cpu, weight: 1}, {name: memory, weight: 1}]
//     requestedToCapacityRatio: {shape: [{utilization: 0, score: 10}, {utilization: 100, score:
//     0}]}
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/framework/interface.h"
#include "scheduler/plugins/resource_allocation.h"

namespace pk::scheduler::plugins {

enum class ScoringStrategyType { kLeastAllocated, kMostAllocated, kRequestedToCapacityRatio };

// One point of RequestedToCapacityRatio's shape: utilization in [0, 100], score in [0, 10].
struct UtilizationShapePoint {
  int64_t utilization = 0;
  int64_t score = 0;
};

struct NodeResourcesFitArgs {
  std::vector<std::string> ignored_resources;
  std::vector<std::string> ignored_resource_groups;
  ScoringStrategyType strategy = ScoringStrategyType::kLeastAllocated;
  std::vector<ResourceSpec> resources = DefaultResourceSpecs();
  std::vector<UtilizationShapePoint> shape;  // RequestedToCapacityRatio only

  // Parses and validates (defaults applied); BadRequest naming the bad field.
  static Result<NodeResourcesFitArgs> Parse(const YAML::Node& args);
  // ValidateNodeResourcesFitArgs on already-parsed args ("scoringStrategy.resources[0].weight:
  // Invalid value: ...").
  Status Validate() const;
};

// One resource the node is short of (fit.go InsufficientResource).
struct InsufficientResource {
  std::string resource_name;
  std::string reason;  // "Insufficient cpu"
  int64_t requested = 0;
  int64_t used = 0;
  int64_t capacity = 0;
  bool operator==(const InsufficientResource&) const = default;
};

// What `node` lacks for a pod requesting `pod_request` (fitsRequest): pods first, then cpu,
// memory, ephemeral-storage, then scalar resources by name. Resources the pod requests 0 of
// are not checked; ignored extended resources (by name or group) are skipped.
std::vector<InsufficientResource> FitsRequest(const Resource& pod_request, const NodeInfo& node,
                                              const std::set<std::string>& ignored_resources,
                                              const std::set<std::string>& ignored_groups);

// The function a RequestedToCapacityRatio shape defines (helper.BuildBrokenLinearFunction):
// constant before the first and after the last point, linear (integer division) between.
int64_t BrokenLinearFunction(const std::vector<UtilizationShapePoint>& shape, int64_t p);

class NodeResourcesFit : public PreFilterPlugin,
                         public FilterPlugin,
                         public PreScorePlugin,
                         public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesFit";
  // Keys of this plugin's CycleState data.
  static constexpr std::string_view kPreFilterStateKey = "PreFilterNodeResourcesFit";
  static constexpr std::string_view kPreScoreStateKey = "PreScoreNodeResourcesFit";

  // `args` as Parse returns them (not validated again).
  explicit NodeResourcesFit(NodeResourcesFitArgs args);

  std::string_view Name() const override { return kName; }
  const NodeResourcesFitArgs& args() const { return args_; }

  // Computes the pod's requests (PodRequests) for Filter.
  PluginStatus PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) override;
  // Unschedulable with every insufficiency's reason; Error without PreFilter's state.
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;

  // Computes the pod's non-zero requests of the scored resources.
  PluginStatus PreScore(CycleState& state, const Pod& pod,
                        const std::vector<const NodeInfo*>& nodes) override;
  // The strategy's score; computes the requests itself when PreScore did not run.
  PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                     int64_t* score) const override;

 private:
  NodeResourcesFitArgs args_;
  std::set<std::string> ignored_resources_, ignored_groups_;
  ResourceAllocationScorer scorer_;
};

}  // namespace pk::scheduler::plugins
