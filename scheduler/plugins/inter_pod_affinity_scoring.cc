// InterPodAffinity's PreScore, Score and NormalizeScore (interpodaffinity/scoring.go).
#include <climits>

#include "scheduler/framework/parallelize.h"
#include "scheduler/plugins/inter_pod_affinity.h"

namespace pk::scheduler::plugins {
namespace {

using ScoreMap = std::map<std::string, std::map<std::string, int64_t>>;

const std::map<std::string, std::string> kNoLabels;

// When `pod` matches the term, weight * multiplier goes to the pair (key, the node's value).
void ProcessTerm(ScoreMap& m, const AffinityTerm& term, int32_t weight, const Pod& pod,
                 const std::map<std::string, std::string>& ns_labels, const Node& node,
                 int32_t multiplier) {
  if (!term.Matches(pod, ns_labels)) return;
  auto it = node.metadata().labels().find(term.topology_key);
  if (it == node.metadata().labels().end()) return;
  m[term.topology_key][it->second] += static_cast<int64_t>(weight * multiplier);
}

void ProcessTerms(ScoreMap& m, const std::vector<WeightedAffinityTerm>& terms, const Pod& pod,
                  const std::map<std::string, std::string>& ns_labels, const Node& node,
                  int32_t multiplier) {
  for (const auto& t : terms) ProcessTerm(m, t.term, t.weight, pod, ns_labels, node, multiplier);
}

bool HasPreferredTerms(const Pod& pod) {
  const auto& a = pod.spec().affinity();
  return !a.pod_affinity().preferred_during_scheduling_ignored_during_execution().empty() ||
         !a.pod_anti_affinity().preferred_during_scheduling_ignored_during_execution().empty();
}

PluginStatus MissingState() {
  return PluginStatus::Error(std::string("reading \"") + InterPodAffinity::kPreScoreStateKey +
                             "\" from cycleState: not found");
}

}  // namespace

// processExistingPod: what one existing pod on `node` adds to the topology scores.
void InterPodAffinity::ProcessExistingPod(const AffinityPreScoreState& s, const PodInfo& existing,
                                          const Node& node, const Pod& incoming,
                                          ScoreMap& out) const {
  if (node.metadata().labels().empty()) return;
  // The incoming pod's preferred terms matched by the existing pod (namespaceSelectors are
  // merged into the terms' namespaces already).
  ProcessTerms(out, s.pod_info->preferred_affinity, *existing.pod, kNoLabels, node, 1);
  ProcessTerms(out, s.pod_info->preferred_anti_affinity, *existing.pod, kNoLabels, node, -1);
  // The existing pod's terms matched by the incoming pod: required affinity terms weigh
  // hardPodAffinityWeight.
  if (args_.hard_pod_affinity_weight > 0) {
    for (const auto& t : existing.required_affinity) {
      ProcessTerm(out, t, args_.hard_pod_affinity_weight, incoming, s.namespace_labels, node, 1);
    }
  }
  ProcessTerms(out, existing.preferred_affinity, incoming, s.namespace_labels, node, 1);
  ProcessTerms(out, existing.preferred_anti_affinity, incoming, s.namespace_labels, node, -1);
}

PluginStatus InterPodAffinity::PreScore(CycleState& state, const Pod& pod,
                                        const std::vector<const NodeInfo*>& nodes) {
  if (nodes.empty()) return PluginStatus::Skip();
  bool has_constraints = HasPreferredTerms(pod);
  if (args_.ignore_preferred_terms_of_existing_pods && !has_constraints) {
    return PluginStatus::Skip();
  }
  // Unless the pod has preferred terms, only pods with affinity terms can contribute.
  const Snapshot& snapshot = handle_.snapshot();
  const auto& all = has_constraints ? snapshot.nodes() : snapshot.have_pods_with_affinity();

  auto s = std::make_unique<AffinityPreScoreState>();
  auto pod_info = std::make_shared<PodInfo>(std::make_shared<const Pod>(pod));
  if (!pod_info->parse_errors.empty()) {
    return PluginStatus::Error("failed to parse pod: " + pod_info->parse_errors[0]);
  }
  for (auto& t : pod_info->preferred_affinity) MergeNamespaces(t.term);
  for (auto& t : pod_info->preferred_anti_affinity) MergeNamespaces(t.term);
  s->pod_info = std::move(pod_info);
  s->namespace_labels = snapshot.LabelsOfNamespace(pod.metadata().namespace_());

  std::vector<ScoreMap> per_node(all.size());
  handle_.parallelizer().Until(static_cast<int>(all.size()), [&](int i) {
    const NodeInfo& info = *all[i];
    if (info.node() == nullptr) return;
    const auto& pods = has_constraints ? info.pods() : info.pods_with_affinity();
    for (const auto& existing : pods) {
      ProcessExistingPod(*s, *existing, *info.node(), pod, per_node[i]);
    }
  });
  for (const auto& m : per_node) {
    for (const auto& [key, values] : m) {
      for (const auto& [value, score] : values) s->topology_score[key][value] += score;
    }
  }
  if (s->topology_score.empty()) return PluginStatus::Skip();
  state.Write(kPreScoreStateKey, std::move(s));
  return {};
}

// The sum of the topology scores of the node's (key, value) labels.
PluginStatus InterPodAffinity::Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                                     int64_t* score) const {
  const auto* s = state.Read<AffinityPreScoreState>(kPreScoreStateKey);
  if (s == nullptr) return MissingState();
  *score = 0;
  const auto& labels = node.node()->metadata().labels();
  for (const auto& [key, values] : s->topology_score) {
    auto label = labels.find(key);
    if (label == labels.end()) continue;
    auto it = values.find(label->second);
    if (it != values.end()) *score += it->second;
  }
  return {};
}

// Min-max normalization to [0, kMaxNodeScore] (all 0 when every score is equal).
PluginStatus InterPodAffinity::NormalizeScore(const CycleState& state, const Pod& pod,
                                              std::vector<NodeScore>& scores) const {
  const auto* s = state.Read<AffinityPreScoreState>(kPreScoreStateKey);
  if (s == nullptr) return MissingState();
  if (s->topology_score.empty()) return {};
  int64_t min_count = INT64_MAX;
  int64_t max_count = INT64_MIN;
  for (const NodeScore& ns : scores) {
    min_count = std::min(min_count, ns.score);
    max_count = std::max(max_count, ns.score);
  }
  int64_t diff = max_count - min_count;
  for (NodeScore& ns : scores) {
    double f = 0;
    if (diff > 0) {
      f = static_cast<double>(kMaxNodeScore) *
          (static_cast<double>(ns.score - min_count) / static_cast<double>(diff));
    }
    ns.score = static_cast<int64_t>(f);
  }
  return {};
}

}  // namespace pk::scheduler::plugins
