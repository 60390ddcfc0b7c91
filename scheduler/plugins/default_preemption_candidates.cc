// DefaultPreemption's search: the victims on one node (SelectVictimsOnNode), the parallel dry
// run over the potential nodes (DryRunPreemption) and the choice among the candidates
// (pickOneNodeForPreemption).
#include <algorithm>
#include <atomic>
#include <functional>
#include <limits>

#include "apimachinery/time.h"
#include "scheduler/framework/parallelize.h"
#include "scheduler/plugins/default_preemption.h"

namespace pk::scheduler::plugins {

namespace {

int64_t Nanos(int64_t seconds, int64_t nanos) { return seconds * 1'000'000'000 + nanos; }

// util.GetPodStartTime in nanoseconds: status.startTime, or `now` when the pod has none.
int64_t StartNanos(const Pod& pod, int64_t now) {
  if (!pod.status().has_start_time()) return now;
  return Nanos(pod.status().start_time().seconds(), pod.status().start_time().nanos());
}

int64_t NowNanos() {
  Timestamp t = NowTimestamp();
  return Nanos(t.seconds, t.nanos);
}

bool MoreImportant(const Pod& a, const Pod& b, int64_t now) {
  int32_t pa = PodPriority(a), pb = PodPriority(b);
  if (pa != pb) return pa > pb;
  return StartNanos(a, now) < StartNanos(b, now);
}

// Takes `pi` off the node and tells the PreFilter extensions; Error when either fails.
PluginStatus RemoveFromNode(const Handle& handle, CycleState& state, const Pod& pod,
                            const PodInfoPtr& pi, NodeInfo& node) {
  if (!node.RemovePod(pi->pod->metadata().uid())) {
    return PluginStatus::Error("no corresponding pod " + pi->pod->metadata().name() +
                               " in pods of node " + node.name());
  }
  PluginStatus s = handle.RunPreFilterRemovePod(state, pod, *pi, node);
  return s.ok() ? s : PluginStatus::Error(s.Message());
}

PluginStatus AddToNode(const Handle& handle, CycleState& state, const Pod& pod,
                       const PodInfoPtr& pi, NodeInfo& node) {
  node.AddPod(pi);
  PluginStatus s = handle.RunPreFilterAddPod(state, pod, *pi, node);
  return s.ok() ? s : PluginStatus::Error(s.Message());
}

// The earliest start among the victims of the highest priority (util.GetEarliestPodStartTime).
int64_t EarliestStartOfHighestPriority(const Candidate& c, int64_t now) {
  int32_t max_priority = PodPriority(*c.victims[0]->pod);
  int64_t earliest = StartNanos(*c.victims[0]->pod, now);
  for (const auto& v : c.victims) {
    int32_t p = PodPriority(*v->pod);
    if (p == max_priority) {
      earliest = std::min(earliest, StartNanos(*v->pod, now));
    } else if (p > max_priority) {
      max_priority = p;
      earliest = StartNanos(*v->pod, now);
    }
  }
  return earliest;
}

}  // namespace

bool MoreImportantPod(const Pod& a, const Pod& b) { return MoreImportant(a, b, NowNanos()); }

PluginStatus RunFilterPluginsWithNominatedPods(const Handle& handle, const CycleState& state,
                                               const Pod& pod, const NodeInfo& node) {
  // With the nominated pods of priority >= the pod's: the pod must not take their room. Then
  // without them too: a pod must not rely on (affinity to) pods that are not there yet.
  std::vector<PodInfoPtr> nominated = handle.NominatedPodsFor(node.name());
  std::unique_ptr<CycleState> state_with;
  std::unique_ptr<NodeInfo> node_with;
  const int32_t priority = PodPriority(pod);
  for (const PodInfoPtr& pi : nominated) {
    if (PodPriority(*pi->pod) < priority || pi->pod->metadata().uid() == pod.metadata().uid()) {
      continue;
    }
    if (!state_with) {
      state_with = state.Clone();
      node_with = std::make_unique<NodeInfo>(node);
    }
    PluginStatus s = AddToNode(handle, *state_with, pod, pi, *node_with);
    if (!s.ok()) return s;
  }
  if (state_with) {
    PluginStatus s = handle.RunFilterPlugins(*state_with, pod, *node_with);
    if (!s.ok()) return s;
  }
  return handle.RunFilterPlugins(state, pod, node);
}

PluginStatus DefaultPreemption::SelectVictimsOnNode(CycleState& state, const Pod& pod,
                                                    NodeInfo& node,
                                                    std::vector<PodInfoPtr>* victims) const {
  // First remove every pod of lower priority and see whether the pod then fits.
  const int32_t priority = PodPriority(pod);
  std::vector<PodInfoPtr> potential;
  for (const PodInfoPtr& pi : node.pods()) {
    if (PodPriority(*pi->pod) < priority) potential.push_back(pi);
  }
  for (const PodInfoPtr& pi : potential) {
    PluginStatus s = RemoveFromNode(handle_, state, pod, pi, node);
    if (!s.ok()) return s;
  }
  if (potential.empty()) {
    return PluginStatus::Unresolvable("No preemption victims found for incoming pod");
  }
  // Not fitting even on the emptied node: preemption cannot help here. (Affinity of the pod
  // to the victims themselves is not considered, as in Kubernetes.)
  if (PluginStatus s = RunFilterPluginsWithNominatedPods(handle_, state, pod, node); !s.ok()) {
    return s;
  }
  // Reprieve as many as possible, most important first: each goes back unless the pod then no
  // longer fits, in which case it is a victim.
  const int64_t now = NowNanos();
  std::stable_sort(potential.begin(), potential.end(),
                   [now](const PodInfoPtr& a, const PodInfoPtr& b) {
                     return MoreImportant(*a->pod, *b->pod, now);
                   });
  for (const PodInfoPtr& pi : potential) {
    if (PluginStatus s = AddToNode(handle_, state, pod, pi, node); !s.ok()) return s;
    if (RunFilterPluginsWithNominatedPods(handle_, state, pod, node).ok()) continue;
    if (PluginStatus s = RemoveFromNode(handle_, state, pod, pi, node); !s.ok()) return s;
    victims->push_back(pi);
  }
  return {};
}

DryRunResult DefaultPreemption::DryRunPreemption(const CycleState& state, const Pod& pod,
                                                 const std::vector<const NodeInfo*>& potential,
                                                 int offset, int num_candidates) {
  struct Outcome {
    bool evaluated = false;
    PluginStatus status;
    std::vector<PodInfoPtr> victims;
  };
  const int n = static_cast<int>(potential.size());
  std::vector<Outcome> outcomes(n);
  std::atomic<int> found{0};
  std::atomic<bool> stop{false};
  handle_.parallelizer().Until(
      n,
      [&](int i) {
        const NodeInfo& original = *potential[(offset + i) % n];
        std::unique_ptr<CycleState> state_copy = state.Clone();
        NodeInfo node_copy(original);
        Outcome& out = outcomes[i];
        out.evaluated = true;
        out.status = SelectVictimsOnNode(*state_copy, pod, node_copy, &out.victims);
        if (out.status.ok() && !out.victims.empty()) {
          if (found.fetch_add(1) + 1 >= num_candidates) stop = true;
        } else if (out.status.ok()) {
          out.status = PluginStatus::Error("expected at least one victim pod on node \"" +
                                           original.name() + "\"");
        }
      },
      &stop);

  DryRunResult result;
  for (int i = 0; i < n; ++i) {
    Outcome& out = outcomes[i];
    if (!out.evaluated) continue;
    const std::string& name = potential[(offset + i) % n]->name();
    if (out.status.ok()) {
      if (static_cast<int>(result.candidates.size()) < num_candidates) {
        result.candidates.push_back(Candidate{name, std::move(out.victims)});
      }
      continue;
    }
    if (out.status.code() == Code::kError) result.errors.push_back(out.status.Message());
    result.statuses[name] = out.status;
  }
  return result;
}

std::string PickOneNodeForPreemption(const std::vector<Candidate>& candidates) {
  if (candidates.empty()) return "";
  // A node without victims needs no eviction at all.
  for (const Candidate& c : candidates) {
    if (c.victims.empty()) return c.node;
  }
  const int64_t now = NowNanos();
  // Higher scores win; each function breaks the previous one's ties.
  const std::vector<std::function<int64_t(const Candidate&)>> scores = {
      // Fewest PodDisruptionBudget violations.
      [](const Candidate& c) { return -c.num_pdb_violations; },
      // The lowest priority of the most important victim.
      [](const Candidate& c) { return -static_cast<int64_t>(PodPriority(*c.victims[0]->pod)); },
      // The smallest sum of priorities, each shifted to be >= 0 (so that more pods of negative
      // priority never look cheaper than fewer).
      [](const Candidate& c) {
        int64_t sum = 0;
        for (const auto& v : c.victims) {
          sum += static_cast<int64_t>(PodPriority(*v->pod)) +
                 static_cast<int64_t>(std::numeric_limits<int32_t>::max()) + 1;
        }
        return -sum;
      },
      // The fewest victims.
      [](const Candidate& c) { return -static_cast<int64_t>(c.victims.size()); },
      // The latest start of the most important victims.
      [now](const Candidate& c) { return EarliestStartOfHighestPriority(c, now); },
  };
  std::vector<const Candidate*> remaining;
  for (const Candidate& c : candidates) remaining.push_back(&c);
  for (const auto& score : scores) {
    std::vector<const Candidate*> best;
    int64_t max_score = std::numeric_limits<int64_t>::min();
    for (const Candidate* c : remaining) {
      int64_t s = score(*c);
      if (s > max_score) {
        max_score = s;
        best.clear();
      }
      if (s == max_score) best.push_back(c);
    }
    if (best.size() == 1) return best[0]->node;
    remaining = std::move(best);
  }
  return remaining[0]->node;
}

}  // namespace pk::scheduler::plugins
