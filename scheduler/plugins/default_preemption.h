// DefaultPreemption (plugins/defaultpreemption and framework/preemption): the PostFilter
// plugin that, when a pod fits no node, looks for a node where evicting pods of lower priority
// would make it fit, evicts them and nominates the node for the pod.
//
//   1. Is the pod eligible? Not with preemptionPolicy Never, and not while a lower-priority pod
//      on its nominated node is still terminating from an earlier preemption.
//   2. Potential nodes: those whose Filter status is Unschedulable (UnschedulableAndUnresolvable
//      nodes cannot be helped; nodes absent from the statuses count as unresolvable, as
//      Kubernetes' default absent-node status: the framework puts every node it rejected for a
//      resolvable reason into the map).
//   3. Dry run on each potential node, in parallel, on clones of the CycleState and NodeInfo:
//      remove every lower-priority pod; if the pod still does not fit the node is out; otherwise
//      add the pods back, most important first, keeping each that still lets the pod fit; the
//      rest are the victims. The search stops once enough candidates are found
//      (minCandidateNodesPercentage of the potential nodes, at least minCandidateNodesAbsolute).
//   4. Pick a node: lowest highest-victim priority, smallest sum of priorities, fewest victims,
//      latest start of the highest-priority victims, then the first.
//   5. Evict the victims (Handle::Evict) and nominate the node.
//
// Not modelled (gaps vs Kubernetes): PodDisruptionBudgets (no victim ever violates one),
// extenders, waiting (Permit) pods as victims, the asynchronous preemption of
// SchedulerAsyncPreemption, clearing the nomination of lower-priority pods nominated to the
// chosen node (Handle has no call for it), fetching the latest preemptor from the informer.
// The dry run starts at offset 0 of the potential nodes (Kubernetes picks a random offset).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

// DefaultPreemptionArgs (kubescheduler.config.k8s.io/v1) with its defaults.
struct DefaultPreemptionArgs {
  int32_t min_candidate_nodes_percentage = 10;  // [0, 100]
  int32_t min_candidate_nodes_absolute = 100;   // >= 0; not both zero
};
// Reads and validates the args (null: the defaults); BadRequest in Kubernetes' field-error
// wording ("minCandidateNodesPercentage: Invalid value: 101: not in valid range [0, 100]").
Result<DefaultPreemptionArgs> ParseDefaultPreemptionArgs(const YAML::Node& args);

// A node where the preemptor fits once `victims` are gone (most important victim first).
struct Candidate {
  std::string node;
  std::vector<PodInfoPtr> victims;
  int64_t num_pdb_violations = 0;  // always 0: PodDisruptionBudgets are not modelled
};

// What a dry run over the potential nodes found: candidates in the order of the nodes, the
// status of every node evaluated that is not a candidate, and the Error statuses' messages.
struct DryRunResult {
  std::vector<Candidate> candidates;
  NodeToStatus statuses;
  std::vector<std::string> errors;
};

class DefaultPreemption : public PostFilterPlugin {
 public:
  static constexpr std::string_view kName = "DefaultPreemption";

  DefaultPreemption(Handle& handle, DefaultPreemptionArgs args) : handle_(handle), args_(args) {}
  std::string_view Name() const override { return kName; }

  // Success with result->nominated_node_name set when it evicted pods; Unschedulable with
  // "preemption: 0/N nodes are available: ..." and the nomination cleared ("") when no node
  // can be helped; Unschedulable or Error without touching the nomination otherwise.
  PluginStatus PostFilter(CycleState& state, const Pod& pod, const NodeToStatus& statuses,
                          PostFilterResult* result) override;

  // The steps, public for tests.

  // Empty when the pod may preempt; otherwise why not.
  // `nominated_node_status`: the Filter status of the pod's nominated node (null: absent).
  std::string PodEligibleToPreemptOthers(const Pod& pod,
                                         const PluginStatus* nominated_node_status) const;
  // How many candidates the dry run looks for among `num_nodes` potential nodes.
  int32_t NumCandidates(int32_t num_nodes) const;
  // Finds the victims on `node` (both `state` and `node` are changed: pass clones). Success
  // with the victims most important first; otherwise why preemption cannot help on the node.
  PluginStatus SelectVictimsOnNode(CycleState& state, const Pod& pod, NodeInfo& node,
                                   std::vector<PodInfoPtr>* victims) const;
  // Runs SelectVictimsOnNode on clones for the nodes potential[(offset + i) % n], in parallel,
  // until `num_candidates` candidates are found.
  DryRunResult DryRunPreemption(const CycleState& state, const Pod& pod,
                                const std::vector<const NodeInfo*>& potential, int offset,
                                int num_candidates);

 private:
  // Kubernetes' Evaluator.Preempt, without the "preemption: " prefix.
  PluginStatus Preempt(CycleState& state, const Pod& pod, const NodeToStatus& statuses,
                       PostFilterResult* result);
  // Evicts the candidate's victims (those not already terminating).
  PluginStatus PrepareCandidate(const Candidate& candidate, const Pod& pod);

  Handle& handle_;
  DefaultPreemptionArgs args_;
};

// Whether `a` is more important than `b`: higher priority, then the earlier start time (a pod
// that has not started counts as starting now).
bool MoreImportantPod(const Pod& a, const Pod& b);

// The node among `candidates` to preempt on (pickOneNodeForPreemption); "" when none. Each
// candidate's victims are most important first.
std::string PickOneNodeForPreemption(const std::vector<Candidate>& candidates);

// The Filter plugins on `node` as Kubernetes' RunFilterPluginsWithNominatedPods: the pods
// nominated to the node with priority >= the pod's count as present (added to clones of the
// node and state through the PreFilter AddPod extensions); when there are any, the filters
// must pass both with and without them.
PluginStatus RunFilterPluginsWithNominatedPods(const Handle& handle, const CycleState& state,
                                               const Pod& pod, const NodeInfo& node);

}  // namespace pk::scheduler::plugins
