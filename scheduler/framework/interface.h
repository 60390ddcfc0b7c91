// The scheduling framework's extension points (framework/interface.go), one narrow interface
// each. A plugin implements Plugin and any of the others; the framework finds them with
// dynamic_cast and calls them in the order the profile lists them.
//
//   queue:       PreEnqueue (may the pod enter activeQ?) and QueueSort (which pod first)
//   scheduling:  PreFilter -> Filter (per node, in parallel) -> PostFilter (when none fits:
//                preemption) -> PreScore -> Score (per node) -> NormalizeScore -> Reserve ->
//                Permit
//   binding:     PreBind -> Bind -> PostBind (on a binding thread; Unreserve on failure)
//
// Filter and Score are const and called concurrently for different nodes; everything else
// runs on one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/framework/cycle_state.h"
#include "scheduler/framework/plugin_status.h"
#include "scheduler/framework/snapshot.h"
#include "scheduler/framework/types.h"

namespace pk::scheduler {

class Parallelizer;

inline constexpr int64_t kMaxNodeScore = 100;
inline constexpr int64_t kMinNodeScore = 0;

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view Name() const = 0;
};

class PreEnqueuePlugin : public virtual Plugin {
 public:
  virtual PluginStatus PreEnqueue(const Pod& pod) = 0;
};

class QueueSortPlugin : public virtual Plugin {
 public:
  // Whether `a` should be popped before `b`.
  virtual bool Less(const QueuedPodInfo& a, const QueuedPodInfo& b) const = 0;
};

// PreFilter may narrow the nodes worth filtering (the NodeName and NodeAffinity plugins do).
struct PreFilterResult {
  std::optional<std::set<std::string>> node_names;  // nullopt: every node
};

class PreFilterPlugin : public virtual Plugin {
 public:
  // Computes what Filter needs into `state`. Skip: Filter is not called for this pod.
  virtual PluginStatus PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) = 0;
  // PreFilterExtensions: preemption asks "what if this pod were added to / removed from that
  // node" on a cloned state. Plugins whose PreFilter state depends on other pods implement
  // them (InterPodAffinity, PodTopologySpread) and return true from HasExtensions.
  virtual bool HasExtensions() const { return false; }
  virtual PluginStatus AddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                              const NodeInfo& node) {
    return {};
  }
  virtual PluginStatus RemovePod(CycleState& state, const Pod& pod, const PodInfo& removed,
                                 const NodeInfo& node) {
    return {};
  }
};

class FilterPlugin : public virtual Plugin {
 public:
  // Success when `pod` may run on `node`; otherwise Unschedulable or Unresolvable with
  // Kubernetes' reason phrase.
  virtual PluginStatus Filter(const CycleState& state, const Pod& pod,
                              const NodeInfo& node) const = 0;
};

struct PostFilterResult {
  std::optional<std::string> nominated_node_name;  // set: patch status.nominatedNodeName
};

class PostFilterPlugin : public virtual Plugin {
 public:
  // Called when no node passed Filter; `statuses` says why for each node. Success with a
  // nominated node when it made room (preemption); otherwise why it could not.
  virtual PluginStatus PostFilter(CycleState& state, const Pod& pod, const NodeToStatus& statuses,
                                  PostFilterResult* result) = 0;
};

class PreScorePlugin : public virtual Plugin {
 public:
  virtual PluginStatus PreScore(CycleState& state, const Pod& pod,
                                const std::vector<const NodeInfo*>& nodes) = 0;
};

struct NodeScore {
  std::string name;
  int64_t score = 0;
};

class ScorePlugin : public virtual Plugin {
 public:
  // A raw score for `node`; NormalizeScore (if any) maps raw scores to [0, kMaxNodeScore].
  virtual PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                             int64_t* score) const = 0;
  virtual bool HasNormalize() const { return false; }
  virtual PluginStatus NormalizeScore(const CycleState& state, const Pod& pod,
                                      std::vector<NodeScore>& scores) const {
    return {};
  }
};

class ReservePlugin : public virtual Plugin {
 public:
  virtual PluginStatus Reserve(CycleState& state, const Pod& pod, const std::string& node) = 0;
  virtual void Unreserve(CycleState& state, const Pod& pod, const std::string& node) = 0;
};

class PermitPlugin : public virtual Plugin {
 public:
  // Success, Wait (with *timeout) or a rejection.
  virtual PluginStatus Permit(CycleState& state, const Pod& pod, const std::string& node,
                              std::chrono::milliseconds* timeout) = 0;
};

class PreBindPlugin : public virtual Plugin {
 public:
  virtual PluginStatus PreBind(CycleState& state, const Pod& pod, const std::string& node) = 0;
};

class BindPlugin : public virtual Plugin {
 public:
  // Skip: let the next Bind plugin do it.
  virtual PluginStatus Bind(CycleState& state, const Pod& pod, const std::string& node) = 0;
};

class PostBindPlugin : public virtual Plugin {
 public:
  virtual void PostBind(CycleState& state, const Pod& pod, const std::string& node) = 0;
};

// What plugins may use of the scheduler (framework.Handle): the cycle's snapshot, the
// parallelizer, the other plugins (for preemption's what-if runs) and the API actions. The
// scheduler implements it over the apiserver; unit tests with a fake.
class Handle {
 public:
  virtual ~Handle() = default;
  // The snapshot of the current cycle (valid during PreFilter..PostFilter/Score).
  virtual const Snapshot& snapshot() const = 0;
  virtual Parallelizer& parallelizer() = 0;

  // Every Filter plugin of the profile on `node` (preemption's "would it fit now?").
  virtual PluginStatus RunFilterPlugins(const CycleState& state, const Pod& pod,
                                        const NodeInfo& node) const = 0;
  // The PreFilterExtensions of every PreFilter plugin of the profile.
  virtual PluginStatus RunPreFilterAddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                                          const NodeInfo& node) const = 0;
  virtual PluginStatus RunPreFilterRemovePod(CycleState& state, const Pod& pod,
                                             const PodInfo& removed,
                                             const NodeInfo& node) const = 0;

  // Pods nominated to `node` by earlier preemptions that are not bound yet (they count as
  // present for pods of lower or equal priority).
  virtual std::vector<PodInfoPtr> NominatedPodsFor(const std::string& node) const = 0;

  // The labels that select the pod's siblings for default spreading (helper.DefaultSelector):
  // the selectors of the Services that select it and of its controlling ReplicaSet or
  // StatefulSet, ANDed; the empty selector when nothing selects it.
  virtual LabelSelector DefaultSelectorFor(const Pod& pod) const { return LabelSelector(); }

  // API actions. Evict deletes `victim` to make room for `preemptor` on `node`, with the
  // DisruptionTarget condition and a Preempted event ("Preempted by pod UID on node NODE").
  virtual Status Evict(const Pod& victim, const Pod& preemptor, const std::string& node) = 0;
  // Binds the pod through pods/binding; the annotations go onto the pod with the binding.
  virtual Status BindPod(const Pod& pod, const std::string& node,
                         const std::map<std::string, std::string>& annotations) = 0;
};

}  // namespace pk::scheduler
