// PodTopologySpread's PreFilter, its extensions and Filter (podtopologyspread/filtering.go):
// the DoNotSchedule constraints.
#include <utility>

#include "scheduler/framework/parallelize.h"
#include "scheduler/plugins/pod_topology_spread.h"

namespace pk::scheduler::plugins {
namespace {

struct TopologyCount {
  std::string value;
  size_t constraint = 0;
  int count = 0;
};

// The counts one node contributes: one entry per constraint whose inclusion policies the
// node passes, none when the node lacks a topology key of the pod's constraints.
std::vector<TopologyCount> NodeCounts(const NodeInfo& info, const Pod& pod,
                                      const std::vector<SpreadConstraint>& constraints) {
  std::vector<TopologyCount> out;
  const Node* node = info.node();
  if (node == nullptr || !spread::NodeHasAllTopologyKeys(*node, constraints)) return out;
  for (size_t i = 0; i < constraints.size(); ++i) {
    const SpreadConstraint& c = constraints[i];
    if (!spread::MatchNodeInclusionPolicies(c, pod, *node)) continue;
    out.push_back(
        {node->metadata().labels().at(c.topology_key), i,
         spread::CountPodsMatchSelector(info.pods(), c.selector, pod.metadata().namespace_())});
  }
  return out;
}

PluginStatus MissingState(const char* key) {
  return PluginStatus::Error(std::string("reading \"") + key + "\" from cycleState: not found");
}

}  // namespace

PluginStatus PodTopologySpread::PreFilter(CycleState& state, const Pod& pod,
                                          PreFilterResult* result) {
  auto constraints = Constraints(pod, "DoNotSchedule");
  if (!constraints.ok()) {
    return PluginStatus::Error("get constraints from pod: " + constraints.status().message());
  }
  if (constraints->empty()) return PluginStatus::Skip();

  auto s = std::make_unique<SpreadPreFilterState>();
  s->constraints =
      std::make_shared<const std::vector<SpreadConstraint>>(std::move(constraints).value());
  const auto& cs = *s->constraints;
  const auto& nodes = handle_.snapshot().nodes();
  std::vector<std::vector<TopologyCount>> by_node(nodes.size());
  handle_.parallelizer().Until(static_cast<int>(nodes.size()),
                               [&](int i) { by_node[i] = NodeCounts(*nodes[i], pod, cs); });

  s->tp_value_to_match_num.resize(cs.size());
  for (const auto& counts : by_node) {
    for (const auto& tc : counts) s->tp_value_to_match_num[tc.constraint][tc.value] += tc.count;
  }
  s->critical_paths.resize(cs.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    for (const auto& [value, num] : s->tp_value_to_match_num[i]) {
      s->critical_paths[i].Update(value, num);
    }
  }
  state.Write(kPreFilterStateKey, std::move(s));
  return {};
}

// updateWithPod: `updated` (added or removed on `node`) changes the counts of the constraints
// that select it, when it is in the preemptor's namespace and the node counts.
void PodTopologySpread::UpdateWithPod(SpreadPreFilterState& s, const Pod& updated,
                                      const Pod& preemptor, const Node* node, int delta) const {
  if (node == nullptr || updated.metadata().namespace_() != preemptor.metadata().namespace_()) {
    return;
  }
  if (!spread::NodeHasAllTopologyKeys(*node, *s.constraints)) return;
  for (size_t i = 0; i < s.constraints->size(); ++i) {
    const SpreadConstraint& c = (*s.constraints)[i];
    if (!c.selector.MatchesMap(updated.metadata().labels())) continue;
    if (!spread::MatchNodeInclusionPolicies(c, preemptor, *node)) continue;
    const std::string& v = node->metadata().labels().at(c.topology_key);
    int& num = s.tp_value_to_match_num[i][v];
    num += delta;
    s.critical_paths[i].Update(v, num);
  }
}

PluginStatus PodTopologySpread::AddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                                       const NodeInfo& node) {
  if (state.skip_filter.contains(std::string(kName))) return {};
  auto* s = state.Read<SpreadPreFilterState>(kPreFilterStateKey);
  if (s == nullptr) return MissingState(kPreFilterStateKey);
  UpdateWithPod(*s, *added.pod, pod, node.node(), 1);
  return {};
}

PluginStatus PodTopologySpread::RemovePod(CycleState& state, const Pod& pod, const PodInfo& removed,
                                          const NodeInfo& node) {
  if (state.skip_filter.contains(std::string(kName))) return {};
  auto* s = state.Read<SpreadPreFilterState>(kPreFilterStateKey);
  if (s == nullptr) return MissingState(kPreFilterStateKey);
  UpdateWithPod(*s, *removed.pod, pod, node.node(), -1);
  return {};
}

// A node fits when, for every constraint, the pods matching in its domain plus the pod itself
// (if it matches) exceed the global minimum by at most maxSkew.
PluginStatus PodTopologySpread::Filter(const CycleState& state, const Pod& pod,
                                       const NodeInfo& node) const {
  const auto* s = state.Read<SpreadPreFilterState>(kPreFilterStateKey);
  if (s == nullptr) return MissingState(kPreFilterStateKey);
  if (s->constraints == nullptr || s->constraints->empty()) return {};
  const auto& labels = node.node()->metadata().labels();
  for (size_t i = 0; i < s->constraints->size(); ++i) {
    const SpreadConstraint& c = (*s->constraints)[i];
    auto it = labels.find(c.topology_key);
    if (it == labels.end()) {
      return PluginStatus::Unresolvable(std::string(kErrReasonNodeLabelNotMatch));
    }
    int min_match = s->MinMatchNum(i, c.min_domains);
    int self_match = c.selector.MatchesMap(pod.metadata().labels()) ? 1 : 0;
    const auto& counts = s->tp_value_to_match_num[i];
    auto count = counts.find(it->second);
    int match = count == counts.end() ? 0 : count->second;
    if (match + self_match - min_match > c.max_skew) {
      return PluginStatus::Unschedulable(std::string(kErrReasonConstraintsNotMatch));
    }
  }
  return {};
}

}  // namespace pk::scheduler::plugins
