// InterPodAffinity (pkg/scheduler/framework/plugins/interpodaffinity, v1.32): pod affinity and
// anti-affinity between the pod being scheduled and the pods already placed.
//
//   PreFilter/Filter (required terms), per topology pair (key, value):
//     - the incoming pod's affinity terms: every term must have a matching pod in the node's
//       domain ("node(s) didn't match pod affinity rules", unresolvable), except for a pod
//       that matches its own terms while no pod anywhere matches them (the first of a group);
//     - the incoming pod's anti-affinity terms: no matching pod in the node's domain
//       ("node(s) didn't match pod anti-affinity rules");
//     - existing pods' anti-affinity terms matching the incoming pod: no such pod in a domain
//       of the node ("node(s) didn't satisfy existing pods anti-affinity rules").
//   PreScore/Score/NormalizeScore (preferred terms): per topology pair, the weights of the
//     incoming pod's preferred terms matched by existing pods (anti-affinity subtracts), and of
//     existing pods' preferred terms (and required affinity terms, weighted by
//     hardPodAffinityWeight) matched by the incoming pod; normalized to [0, 100] by min-max.
//
// The incoming pod's terms with a namespaceSelector have it resolved against the snapshot's
// namespaces once (the selected namespaces join the term's namespaces).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

inline constexpr std::string_view kErrReasonExistingAntiAffinityRulesNotMatch =
    "node(s) didn't satisfy existing pods anti-affinity rules";
inline constexpr std::string_view kErrReasonAffinityRulesNotMatch =
    "node(s) didn't match pod affinity rules";
inline constexpr std::string_view kErrReasonAntiAffinityRulesNotMatch =
    "node(s) didn't match pod anti-affinity rules";

// InterPodAffinityArgs (kubescheduler.config.k8s.io/v1), defaulted and validated.
struct InterPodAffinityArgs {
  int32_t hard_pod_affinity_weight = 1;  // [0, 100]
  bool ignore_preferred_terms_of_existing_pods = false;

  // Reads {hardPodAffinityWeight, ignorePreferredTermsOfExistingPods} (null: the defaults);
  // BadRequest "hardPodAffinityWeight: Invalid value: 101: not in valid range [0-100]".
  static Result<InterPodAffinityArgs> Parse(const YAML::Node& args);
};

// (topology key, topology value) -> number of matching terms.
using TopologyPair = std::pair<std::string, std::string>;
using TopologyToMatchedTermCount = std::map<TopologyPair, int64_t>;

struct AffinityPreFilterState : StateData {
  TopologyToMatchedTermCount existing_anti_affinity_counts;
  TopologyToMatchedTermCount affinity_counts;
  TopologyToMatchedTermCount anti_affinity_counts;
  // The incoming pod, its required terms' namespaceSelectors merged into their namespaces.
  std::shared_ptr<const PodInfo> pod_info;
  std::map<std::string, std::string> namespace_labels;  // of the incoming pod's namespace

  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<AffinityPreFilterState>(*this);
  }
};

struct AffinityPreScoreState : StateData {
  // topology key -> topology value -> score.
  std::map<std::string, std::map<std::string, int64_t>> topology_score;
  std::shared_ptr<const PodInfo> pod_info;
  std::map<std::string, std::string> namespace_labels;

  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<AffinityPreScoreState>(*this);
  }
};

class InterPodAffinity : public PreFilterPlugin,
                         public FilterPlugin,
                         public PreScorePlugin,
                         public ScorePlugin {
 public:
  static constexpr std::string_view kName = "InterPodAffinity";
  static constexpr const char* kPreFilterStateKey = "PreFilterInterPodAffinity";
  static constexpr const char* kPreScoreStateKey = "PreScoreInterPodAffinity";

  InterPodAffinity(InterPodAffinityArgs args, Handle& handle) : args_(args), handle_(handle) {}

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

 private:
  // mergeAffinityTermNamespacesIfNotEmpty: the namespaces a term's namespaceSelector selects
  // join its namespaces and the selector becomes Nothing (an empty selector stays: it
  // selects every namespace).
  void MergeNamespaces(AffinityTerm& term) const;
  void ProcessExistingPod(const AffinityPreScoreState& s, const PodInfo& existing, const Node& node,
                          const Pod& incoming,
                          std::map<std::string, std::map<std::string, int64_t>>& out) const;

  InterPodAffinityArgs args_;
  Handle& handle_;
};

}  // namespace pk::scheduler::plugins
