// PodTopologySpread's PreScore, Score and NormalizeScore (podtopologyspread/scoring.go): the
// ScheduleAnyway constraints. A node's raw score sums, per constraint, the matching pods in
// its domain times the topology's normalizing weight log(domains + 2), plus maxSkew - 1;
// NormalizeScore maps fewer matching pods to higher scores.
#include <atomic>
#include <climits>
#include <cmath>

#include "scheduler/framework/parallelize.h"
#include "scheduler/plugins/pod_topology_spread.h"

namespace pk::scheduler::plugins {
namespace {

constexpr std::string_view kHostname = "kubernetes.io/hostname";
constexpr int64_t kInvalidScore = -1;

double TopologyNormalizingWeight(size_t size) { return std::log(static_cast<double>(size + 2)); }

double ScoreForCount(int64_t count, int32_t max_skew, double weight) {
  return static_cast<double>(count) * weight + static_cast<double>(max_skew - 1);
}

}  // namespace

// initPreScoreState: the soft constraints, the filtered nodes to ignore (missing a topology
// key) and, per constraint, the topology values of the other nodes and their weight.
PluginStatus PodTopologySpread::InitPreScoreState(SpreadPreScoreState& s, const Pod& pod,
                                                  const std::vector<const NodeInfo*>& filtered,
                                                  bool require_all_topologies) const {
  auto constraints = Constraints(pod, "ScheduleAnyway");
  if (!constraints.ok()) {
    return PluginStatus::Error(
        (pod.spec().topology_spread_constraints().empty()
             ? "calculating preScoreState: setting default soft topology spread constraints: "
             : "calculating preScoreState: obtaining pod's soft topology spread constraints: ") +
        constraints.status().message());
  }
  s.constraints = std::move(constraints).value();
  if (s.constraints.empty()) return {};
  for (const SpreadConstraint& c : s.constraints) {
    s.selector_keys.push_back(MatchCountCache::SelectorKey(c.selector, pod.metadata().namespace_()));
  }
  s.topology_value_to_pod_counts.resize(s.constraints.size());
  for (const NodeInfo* info : filtered) {
    const Node& node = *info->node();
    if (require_all_topologies && !spread::NodeHasAllTopologyKeys(node, s.constraints)) {
      s.ignored_nodes.insert(node.metadata().name());
      continue;
    }
    for (size_t i = 0; i < s.constraints.size(); ++i) {
      const std::string& key = s.constraints[i].topology_key;
      if (key == kHostname) continue;  // counted per node in Score
      auto it = node.metadata().labels().find(key);
      s.topology_value_to_pod_counts[i].try_emplace(
          it == node.metadata().labels().end() ? std::string() : it->second, 0);
    }
  }
  for (size_t i = 0; i < s.constraints.size(); ++i) {
    size_t size = s.topology_value_to_pod_counts[i].size();
    if (s.constraints[i].topology_key == kHostname) size = filtered.size() - s.ignored_nodes.size();
    s.topology_normalizing_weight.push_back(TopologyNormalizingWeight(size));
  }
  return {};
}

PluginStatus PodTopologySpread::PreScore(CycleState& state, const Pod& pod,
                                         const std::vector<const NodeInfo*>& filtered) {
  const auto& all = handle_.snapshot().nodes();
  if (filtered.empty() || all.empty()) return PluginStatus::Skip();
  auto s = std::make_unique<SpreadPreScoreState>();
  // Nodes need every topology key unless the system defaults apply: then nodes without a
  // zone label still get hostname spreading.
  bool require_all = !pod.spec().topology_spread_constraints().empty() || !system_defaulted_;
  PluginStatus init = InitPreScoreState(*s, pod, filtered, require_all);
  if (!init.ok()) return init;
  if (s->constraints.empty()) return PluginStatus::Skip();

  // Counts over every node of the snapshot, added atomically per (constraint, value) slot.
  std::vector<std::map<std::string, std::atomic<int64_t>>> counts(s->constraints.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    for (const auto& [value, n] : s->topology_value_to_pod_counts[i]) counts[i][value] = 0;
  }
  handle_.parallelizer().Until(static_cast<int>(all.size()), [&](int n) {
    const NodeInfo& info = *all[n];
    const Node* node = info.node();
    if (node == nullptr) return;
    if (require_all && !spread::NodeHasAllTopologyKeys(*node, s->constraints)) return;
    for (size_t i = 0; i < s->constraints.size(); ++i) {
      const SpreadConstraint& c = s->constraints[i];
      if (!spread::MatchNodeInclusionPolicies(c, pod, *node)) continue;
      auto label = node->metadata().labels().find(c.topology_key);
      auto slot = counts[i].find(label == node->metadata().labels().end() ? "" : label->second);
      if (slot == counts[i].end()) continue;  // no filtered node in this domain (or hostname)
      slot->second += match_counts_.Count(info, c.selector, pod.metadata().namespace_(),
                                          s->selector_keys[i]);
    }
  });
  for (size_t i = 0; i < counts.size(); ++i) {
    for (auto& [value, n] : counts[i]) s->topology_value_to_pod_counts[i][value] = n.load();
  }
  state.Write(kPreScoreStateKey, std::move(s));
  return {};
}

// The raw score: for each constraint whose key the node has, scoreForCount of the matching
// pods in its domain (on the node itself for kubernetes.io/hostname). Rounded.
PluginStatus PodTopologySpread::Score(const CycleState& state, const Pod& pod, const NodeInfo& info,
                                      int64_t* score) const {
  const auto* s = state.Read<SpreadPreScoreState>(kPreScoreStateKey);
  if (s == nullptr) {
    return PluginStatus::Error(std::string("error reading \"") + kPreScoreStateKey +
                               "\" from cycleState: not found");
  }
  *score = 0;
  const Node& node = *info.node();
  if (s->ignored_nodes.contains(node.metadata().name())) return {};
  double total = 0;
  for (size_t i = 0; i < s->constraints.size(); ++i) {
    const SpreadConstraint& c = s->constraints[i];
    auto label = node.metadata().labels().find(c.topology_key);
    if (label == node.metadata().labels().end()) continue;
    int64_t count = 0;
    if (c.topology_key == kHostname) {
      count = match_counts_.Count(info, c.selector, pod.metadata().namespace_(),
                                  s->selector_keys[i]);
    } else {
      auto it = s->topology_value_to_pod_counts[i].find(label->second);
      if (it != s->topology_value_to_pod_counts[i].end()) count = it->second;
    }
    total += ScoreForCount(count, c.max_skew, s->topology_normalizing_weight[i]);
  }
  *score = static_cast<int64_t>(std::round(total));
  return {};
}

// Ignored nodes score 0; the others kMaxNodeScore * (max + min - score) / max (all
// kMaxNodeScore when every score is 0).
PluginStatus PodTopologySpread::NormalizeScore(const CycleState& state, const Pod& pod,
                                               std::vector<NodeScore>& scores) const {
  const auto* s = state.Read<SpreadPreScoreState>(kPreScoreStateKey);
  if (s == nullptr) {
    return PluginStatus::Error(std::string("error reading \"") + kPreScoreStateKey +
                               "\" from cycleState: not found");
  }
  int64_t min_score = INT64_MAX;
  int64_t max_score = 0;
  for (NodeScore& ns : scores) {
    if (s->ignored_nodes.contains(ns.name)) {
      ns.score = kInvalidScore;
      continue;
    }
    min_score = std::min(min_score, ns.score);
    max_score = std::max(max_score, ns.score);
  }
  for (NodeScore& ns : scores) {
    if (ns.score == kInvalidScore) {
      ns.score = 0;
    } else if (max_score == 0) {
      ns.score = kMaxNodeScore;
    } else {
      ns.score = kMaxNodeScore * (max_score + min_score - ns.score) / max_score;
    }
  }
  return {};
}

}  // namespace pk::scheduler::plugins
