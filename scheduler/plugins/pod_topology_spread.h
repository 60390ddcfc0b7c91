// PodTopologySpread (pkg/scheduler/framework/plugins/podtopologyspread, v1.32): spreads pods
// matching a selector evenly over topology domains (zones, hosts).
//
//   PreFilter/Filter: the pod's constraints with whenUnsatisfiable DoNotSchedule. A node fails
//     when placing the pod there would make (matching pods in its domain + 1 if the pod matches
//     itself - the global minimum) exceed maxSkew; the global minimum is 0 while fewer than
//     minDomains domains exist. A node without a constraint's topology key is unresolvable.
//   PreScore/Score/NormalizeScore: the ScheduleAnyway constraints; fewer matching pods in the
//     node's domains score higher.
//
// Pods are counted on the nodes that pass the constraint's node inclusion policies
// (nodeAffinityPolicy Honor by default: the pod's nodeSelector and required node affinity;
// nodeTaintsPolicy Ignore by default) and carry every topology key of the pod's constraints.
// Pods with no constraints of their own get the default constraints (args) with the selector
// of the Services/ReplicaSets/StatefulSets/ReplicationControllers selecting them, which a
// DefaultSelectorFn supplies (none by default: default constraints then apply to no pod).
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "apimachinery/selectors.h"
#include "apimachinery/status.h"
#include "proto/core/v1/affinity.pb.h"
#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

inline constexpr std::string_view kErrReasonConstraintsNotMatch =
    "node(s) didn't match pod topology spread constraints";
inline constexpr std::string_view kErrReasonNodeLabelNotMatch =
    "node(s) didn't match pod topology spread constraints (missing required label)";

// PodTopologySpreadArgs (kubescheduler.config.k8s.io/v1), defaulted and validated.
struct PodTopologySpreadArgs {
  enum class Defaulting { kSystem, kList };
  Defaulting defaulting_type = Defaulting::kSystem;  // v1 default when unset
  std::vector<k8s::core::v1::TopologySpreadConstraint> default_constraints;

  // Reads {defaultConstraints: [...], defaultingType: System|List} (null: the defaults) and
  // validates it as ValidatePodTopologySpreadArgs; errors are BadRequest with Kubernetes'
  // field error wording ("defaultConstraints[0].maxSkew: Invalid value: 0: ...").
  static Result<PodTopologySpreadArgs> Parse(const YAML::Node& args);
};

// One constraint with its selector parsed (podtopologyspread.topologySpreadConstraint).
struct SpreadConstraint {
  int32_t max_skew = 1;
  std::string topology_key;
  LabelSelector selector = LabelSelector::Nothing();
  int32_t min_domains = 1;
  bool honor_node_affinity = true;  // nodeAffinityPolicy: Honor (default) or Ignore
  bool honor_node_taints = false;   // nodeTaintsPolicy: Ignore (default) or Honor
};

// The selector of the Services, ReplicationControllers, ReplicaSets and StatefulSets that
// select the pod (helper.DefaultSelector); the empty selector when none does.
using DefaultSelectorFn = std::function<LabelSelector(const Pod& pod)>;

// The two domains with the fewest matching pods of one constraint (criticalPaths): [0] holds
// the minimum; [1] is >= [0] but not necessarily the second minimum. Enough for preemption,
// which changes one node of a cloned state at a time.
struct CriticalPath {
  std::string topology_value;
  int match_num = 0;
};
struct CriticalPaths {
  std::array<CriticalPath, 2> paths;
  CriticalPaths();
  void Update(const std::string& value, int num);
};

// Matching-pod counts per node kept across scheduling cycles: a node is counted again only
// when its generation moved (a pod added, removed or changed there, or the node itself). The
// system-default constraints give every pod of a ReplicaSet the same selector, so a cycle of
// the next pod recounts the one node the last pod went to, not every pod of the cluster
// twice (PreScore for the zone, Score for the hostname, as Kubernetes does). Thread-safe:
// PreScore counts nodes in parallel.
class MatchCountCache {
 public:
  // spread::CountPodsMatchSelector(info.pods(), selector, ns), remembered under `key`, which
  // names the selector and namespace (SelectorKey).
  int Count(const NodeInfo& info, const LabelSelector& selector, const std::string& ns,
            const std::string& key);
  static std::string SelectorKey(const LabelSelector& selector, const std::string& ns);

 private:
  struct Counted {
    int64_t generation;
    int count;
  };
  static constexpr size_t kMaxSelectors = 256;  // forget everything past this many
  std::mutex mu_;
  // By selector key, then node name. Guarded by mu_.
  std::unordered_map<std::string, std::unordered_map<std::string, Counted>> counts_;
};

// What PreFilter computes for Filter: per constraint, matching pods per topology value.
struct SpreadPreFilterState : StateData {
  std::shared_ptr<const std::vector<SpreadConstraint>> constraints;  // shared by clones
  std::vector<CriticalPaths> critical_paths;
  std::vector<std::map<std::string, int>> tp_value_to_match_num;

  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<SpreadPreFilterState>(*this);
  }
  // The global minimum for constraint i: 0 while fewer than `min_domains` domains exist.
  int MinMatchNum(size_t i, int32_t min_domains) const;
};

// What PreScore computes for Score.
struct SpreadPreScoreState : StateData {
  std::vector<SpreadConstraint> constraints;
  std::vector<std::string> selector_keys;  // per constraint: MatchCountCache::SelectorKey
  std::set<std::string> ignored_nodes;  // filtered nodes missing a constraint's topology key
  // Per constraint (not kubernetes.io/hostname: counted per node in Score), matching pods
  // per topology value of the filtered nodes.
  std::vector<std::map<std::string, int64_t>> topology_value_to_pod_counts;
  std::vector<double> topology_normalizing_weight;

  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<SpreadPreScoreState>(*this);
  }
};

class PodTopologySpread : public PreFilterPlugin,
                          public FilterPlugin,
                          public PreScorePlugin,
                          public ScorePlugin {
 public:
  static constexpr std::string_view kName = "PodTopologySpread";
  static constexpr const char* kPreFilterStateKey = "PreFilterPodTopologySpread";
  static constexpr const char* kPreScoreStateKey = "PreScorePodTopologySpread";

  PodTopologySpread(PodTopologySpreadArgs args, Handle& handle,
                    DefaultSelectorFn default_selector = nullptr);

  std::string_view Name() const override { return kName; }

  PluginStatus PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) override;
  bool HasExtensions() const override { return true; }
  PluginStatus AddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                      const NodeInfo& node) override;
  PluginStatus RemovePod(CycleState& state, const Pod& pod, const PodInfo& removed,
                         const NodeInfo& node) override;
  PluginStatus Filter(const CycleState& state, const Pod& pod, const NodeInfo& node) const override;

  PluginStatus PreScore(CycleState& state, const Pod& pod,
                        const std::vector<const NodeInfo*>& nodes) override;
  PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                     int64_t* score) const override;
  bool HasNormalize() const override { return true; }
  PluginStatus NormalizeScore(const CycleState& state, const Pod& pod,
                              std::vector<NodeScore>& scores) const override;

  // The pod's constraints with whenUnsatisfiable == `action` ("DoNotSchedule" or
  // "ScheduleAnyway"), or the default constraints when the pod has none (getConstraints).
  Result<std::vector<SpreadConstraint>> Constraints(const Pod& pod, std::string_view action) const;

 private:
  Result<std::vector<SpreadConstraint>> DefaultConstraints(const Pod& pod,
                                                           std::string_view action) const;
  void UpdateWithPod(SpreadPreFilterState& s, const Pod& updated, const Pod& preemptor,
                     const Node* node, int delta) const;
  PluginStatus InitPreScoreState(SpreadPreScoreState& s, const Pod& pod,
                                 const std::vector<const NodeInfo*>& filtered,
                                 bool require_all_topologies) const;

  Handle& handle_;
  std::vector<k8s::core::v1::TopologySpreadConstraint> default_constraints_;
  bool system_defaulted_ = false;
  DefaultSelectorFn default_selector_;
  mutable MatchCountCache match_counts_;  // Score is const
};

// Helpers shared by the plugin's files (podtopologyspread/common.go); exposed for tests.
namespace spread {

// filterTopologySpreadConstraints: `constraints` with whenUnsatisfiable == `action`, selectors
// parsed, matchLabelKeys merged in from `pod`'s labels, defaults applied.
Result<std::vector<SpreadConstraint>> FilterConstraints(
    const google::protobuf::RepeatedPtrField<k8s::core::v1::TopologySpreadConstraint>& constraints,
    const Pod& pod, std::string_view action);
// Whether the node's labels have every constraint's topology key.
bool NodeHasAllTopologyKeys(const Node& node, const std::vector<SpreadConstraint>& constraints);
// Whether `node` counts for `c` given the pod's node affinity and tolerations.
bool MatchNodeInclusionPolicies(const SpreadConstraint& c, const Pod& pod, const Node& node);
// Pods of `pods` in namespace `ns`, not terminating, that `selector` matches.
int CountPodsMatchSelector(const std::vector<PodInfoPtr>& pods, const LabelSelector& selector,
                           const std::string& ns);

// nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): the pod's nodeSelector and required
// node affinity terms (terms that do not parse are ignored, as Kubernetes does here).
bool MatchesRequiredNodeAffinity(const Pod& pod, const Node& node);
// Whether the pod tolerates every NoSchedule and NoExecute taint of the node.
bool ToleratesNoScheduleTaints(const Pod& pod, const Node& node);

}  // namespace spread

}  // namespace pk::scheduler::plugins
