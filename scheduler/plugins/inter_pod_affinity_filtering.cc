// InterPodAffinity's PreFilter, its extensions and Filter (interpodaffinity/filtering.go).
#include <mutex>

#include "scheduler/framework/parallelize.h"
#include "scheduler/plugins/inter_pod_affinity.h"

namespace pk::scheduler::plugins {
namespace {

const std::map<std::string, std::string> kNoLabels;

// Adds `value` to the pair (key, the node's value of key) when the node has the key; pairs
// that drop to zero are erased.
void Update(TopologyToMatchedTermCount& m, const Node& node, const std::string& key,
            int64_t value) {
  auto it = node.metadata().labels().find(key);
  if (it == node.metadata().labels().end()) return;
  TopologyPair pair{key, it->second};
  if ((m[pair] += value) == 0) m.erase(pair);
}

// Whether `pod` matches every term (none: false). The incoming pod's terms have their
// namespaceSelector merged into namespaces, so no namespace labels are needed.
bool MatchesAllTerms(const std::vector<AffinityTerm>& terms, const Pod& pod) {
  if (terms.empty()) return false;
  for (const auto& t : terms) {
    if (!t.Matches(pod, kNoLabels)) return false;
  }
  return true;
}

// Affinity: every term's pair counts once when `pod` matches all the terms.
void UpdateWithAffinityTerms(TopologyToMatchedTermCount& m, const std::vector<AffinityTerm>& terms,
                             const Pod& pod, const Node& node, int64_t value) {
  if (!MatchesAllTerms(terms, pod)) return;
  for (const auto& t : terms) Update(m, node, t.topology_key, value);
}

// Anti-affinity: each term `pod` matches counts for its pair.
void UpdateWithAntiAffinityTerms(TopologyToMatchedTermCount& m,
                                 const std::vector<AffinityTerm>& terms, const Pod& pod,
                                 const std::map<std::string, std::string>& ns_labels,
                                 const Node& node, int64_t value) {
  for (const auto& t : terms) {
    if (t.Matches(pod, ns_labels)) Update(m, node, t.topology_key, value);
  }
}

void Merge(TopologyToMatchedTermCount& into, const TopologyToMatchedTermCount& from) {
  for (const auto& [pair, n] : from) into[pair] += n;
}

// Existing pods' required anti-affinity terms that match the incoming pod, per pair.
TopologyToMatchedTermCount ExistingAntiAffinityCounts(
    Parallelizer& par, const Pod& pod, const std::map<std::string, std::string>& ns_labels,
    const std::vector<NodeInfoPtr>& nodes) {
  std::vector<TopologyToMatchedTermCount> per_node(nodes.size());
  par.Until(static_cast<int>(nodes.size()), [&](int i) {
    const Node* node = nodes[i]->node();
    if (node == nullptr) return;
    for (const auto& existing : nodes[i]->pods_with_required_anti_affinity()) {
      UpdateWithAntiAffinityTerms(per_node[i], existing->required_anti_affinity, pod, ns_labels,
                                  *node, 1);
    }
  });
  TopologyToMatchedTermCount out;
  for (const auto& m : per_node) Merge(out, m);
  return out;
}

// Existing pods matching the incoming pod's required affinity / anti-affinity terms, per pair.
void IncomingCounts(Parallelizer& par, const PodInfo& pod_info,
                    const std::vector<NodeInfoPtr>& nodes, TopologyToMatchedTermCount* affinity,
                    TopologyToMatchedTermCount* anti_affinity) {
  if (pod_info.required_affinity.empty() && pod_info.required_anti_affinity.empty()) return;
  std::vector<std::pair<TopologyToMatchedTermCount, TopologyToMatchedTermCount>> per_node(
      nodes.size());
  par.Until(static_cast<int>(nodes.size()), [&](int i) {
    const Node* node = nodes[i]->node();
    if (node == nullptr) return;
    for (const auto& existing : nodes[i]->pods()) {
      UpdateWithAffinityTerms(per_node[i].first, pod_info.required_affinity, *existing->pod, *node,
                              1);
      UpdateWithAntiAffinityTerms(per_node[i].second, pod_info.required_anti_affinity,
                                  *existing->pod, kNoLabels, *node, 1);
    }
  });
  for (const auto& [a, anti] : per_node) {
    Merge(*affinity, a);
    Merge(*anti_affinity, anti);
  }
}

int64_t CountOf(const TopologyToMatchedTermCount& m, const std::string& key,
                const std::string& value) {
  auto it = m.find({key, value});
  return it == m.end() ? 0 : it->second;
}

// No existing pod's anti-affinity term matching the incoming pod is in a domain of the node.
bool SatisfiesExistingPodsAntiAffinity(const AffinityPreFilterState& s, const Node& node) {
  if (s.existing_anti_affinity_counts.empty()) return true;
  for (const auto& [key, value] : node.metadata().labels()) {
    if (CountOf(s.existing_anti_affinity_counts, key, value) > 0) return false;
  }
  return true;
}

// No pod matching one of the incoming pod's anti-affinity terms is in the term's domain.
bool SatisfiesPodAntiAffinity(const AffinityPreFilterState& s, const Node& node) {
  if (s.anti_affinity_counts.empty()) return true;
  const auto& labels = node.metadata().labels();
  for (const auto& term : s.pod_info->required_anti_affinity) {
    auto it = labels.find(term.topology_key);
    if (it != labels.end() && CountOf(s.anti_affinity_counts, term.topology_key, it->second) > 0) {
      return false;
    }
  }
  return true;
}

// The node has every term's topology key and each domain has a matching pod; or no pod
// matches anywhere and the pod matches its own terms (the first pod of a group that has
// affinity to itself).
bool SatisfiesPodAffinity(const AffinityPreFilterState& s, const Node& node) {
  bool pods_exist = true;
  const auto& labels = node.metadata().labels();
  for (const auto& term : s.pod_info->required_affinity) {
    auto it = labels.find(term.topology_key);
    if (it == labels.end()) return false;
    if (CountOf(s.affinity_counts, term.topology_key, it->second) <= 0) pods_exist = false;
  }
  if (pods_exist) return true;
  return s.affinity_counts.empty() &&
         MatchesAllTerms(s.pod_info->required_affinity, *s.pod_info->pod);
}

// Errors as utilerrors.NewAggregate prints them: one alone, several as "[a, b]".
std::string Aggregate(const std::vector<std::string>& errs) {
  if (errs.size() == 1) return errs[0];
  std::string out = "[";
  for (size_t i = 0; i < errs.size(); ++i) out += (i ? ", " : "") + errs[i];
  return out + "]";
}

PluginStatus MissingState() {
  return PluginStatus::Error(std::string("reading \"") + InterPodAffinity::kPreFilterStateKey +
                             "\" from cycleState: not found");
}

// updateWithPod: `pod_info` added (+1) or removed (-1) on `node`.
void UpdateWithPod(AffinityPreFilterState& s, const PodInfo& pod_info, const Node* node,
                   int64_t multiplier) {
  if (node == nullptr) return;
  UpdateWithAntiAffinityTerms(s.existing_anti_affinity_counts, pod_info.required_anti_affinity,
                              *s.pod_info->pod, s.namespace_labels, *node, multiplier);
  UpdateWithAffinityTerms(s.affinity_counts, s.pod_info->required_affinity, *pod_info.pod, *node,
                          multiplier);
  UpdateWithAntiAffinityTerms(s.anti_affinity_counts, s.pod_info->required_anti_affinity,
                              *pod_info.pod, kNoLabels, *node, multiplier);
}

}  // namespace

PluginStatus InterPodAffinity::PreFilter(CycleState& state, const Pod& pod,
                                         PreFilterResult* result) {
  auto pod_info = std::make_shared<PodInfo>(std::make_shared<const Pod>(pod));
  if (!pod_info->parse_errors.empty()) {
    return PluginStatus::Unresolvable("parsing pod: " + Aggregate(pod_info->parse_errors));
  }
  for (auto& t : pod_info->required_affinity) MergeNamespaces(t);
  for (auto& t : pod_info->required_anti_affinity) MergeNamespaces(t);

  const Snapshot& snapshot = handle_.snapshot();
  auto s = std::make_unique<AffinityPreFilterState>();
  s->namespace_labels = snapshot.LabelsOfNamespace(pod.metadata().namespace_());
  s->existing_anti_affinity_counts =
      ExistingAntiAffinityCounts(handle_.parallelizer(), pod, s->namespace_labels,
                                 snapshot.have_pods_with_required_anti_affinity());
  IncomingCounts(handle_.parallelizer(), *pod_info, snapshot.nodes(), &s->affinity_counts,
                 &s->anti_affinity_counts);
  if (s->existing_anti_affinity_counts.empty() && pod_info->required_affinity.empty() &&
      pod_info->required_anti_affinity.empty()) {
    return PluginStatus::Skip();
  }
  s->pod_info = std::move(pod_info);
  state.Write(kPreFilterStateKey, std::move(s));
  return {};
}

PluginStatus InterPodAffinity::AddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                                      const NodeInfo& node) {
  if (state.skip_filter.contains(std::string(kName))) return {};
  auto* s = state.Read<AffinityPreFilterState>(kPreFilterStateKey);
  if (s == nullptr) return MissingState();
  UpdateWithPod(*s, added, node.node(), 1);
  return {};
}

PluginStatus InterPodAffinity::RemovePod(CycleState& state, const Pod& pod, const PodInfo& removed,
                                         const NodeInfo& node) {
  if (state.skip_filter.contains(std::string(kName))) return {};
  auto* s = state.Read<AffinityPreFilterState>(kPreFilterStateKey);
  if (s == nullptr) return MissingState();
  UpdateWithPod(*s, removed, node.node(), -1);
  return {};
}

PluginStatus InterPodAffinity::Filter(const CycleState& state, const Pod& pod,
                                      const NodeInfo& node) const {
  const auto* s = state.Read<AffinityPreFilterState>(kPreFilterStateKey);
  if (s == nullptr) return MissingState();
  if (!SatisfiesPodAffinity(*s, *node.node())) {
    return PluginStatus::Unresolvable(std::string(kErrReasonAffinityRulesNotMatch));
  }
  if (!SatisfiesPodAntiAffinity(*s, *node.node())) {
    return PluginStatus::Unschedulable(std::string(kErrReasonAntiAffinityRulesNotMatch));
  }
  if (!SatisfiesExistingPodsAntiAffinity(*s, *node.node())) {
    return PluginStatus::Unschedulable(std::string(kErrReasonExistingAntiAffinityRulesNotMatch));
  }
  return {};
}

}  // namespace pk::scheduler::plugins
