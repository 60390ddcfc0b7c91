// Test support for the plugins that look at other pods (PodTopologySpread, InterPodAffinity):
// labeled nodes and pods built directly, a cluster of NodeInfos, and runners over every node.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "scheduler/framework/testing.h"

namespace pk::scheduler::testing {

using Labels = std::map<std::string, std::string>;

inline NodePtr MakeNode(const std::string& name, const Labels& labels) {
  auto node = std::make_shared<Node>();
  node->mutable_metadata()->set_name(name);
  for (const auto& [k, v] : labels) (*node->mutable_metadata()->mutable_labels())[k] = v;
  return node;
}

// A pod `name` in `ns` with `labels`, bound to `node` (empty: unbound).
inline PodPtr MakePod(const std::string& name, const std::string& node, const Labels& labels,
                      const std::string& ns = "default") {
  auto pod = std::make_shared<Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_(ns);
  pod->mutable_metadata()->set_uid(ns + "/" + name);
  for (const auto& [k, v] : labels) (*pod->mutable_metadata()->mutable_labels())[k] = v;
  pod->mutable_spec()->set_node_name(node);
  return pod;
}

// NodeInfos for `nodes`, each with the pods of `pods` bound to it.
inline std::vector<NodeInfoPtr> Cluster(const std::vector<NodePtr>& nodes,
                                        const std::vector<PodPtr>& pods) {
  std::vector<NodeInfoPtr> out;
  for (const auto& n : nodes) {
    std::vector<PodPtr> on;
    for (const auto& p : pods) {
      if (p->spec().node_name() == n->metadata().name()) on.push_back(p);
    }
    out.push_back(NodeWithPods(n, on));
  }
  return out;
}

// Filter's verdict per node: "" when it passes, else the reason ("!" prefixed when
// UnschedulableAndUnresolvable).
inline std::vector<std::string> FilterAll(const FilterPlugin& plugin, const CycleState& state,
                                          const Pod& pod, const std::vector<NodeInfoPtr>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    PluginStatus s = plugin.Filter(state, pod, *n);
    if (s.ok()) {
      out.emplace_back();
    } else {
      std::string prefix = s.code() == Code::kUnschedulableAndUnresolvable ? "!" : "";
      out.push_back(prefix + s.Message());
    }
  }
  return out;
}

// Score and NormalizeScore over `nodes` (after PreScore succeeded); the final scores.
inline std::vector<int64_t> ScoreAll(const ScorePlugin& plugin, const CycleState& state,
                                     const Pod& pod, const std::vector<const NodeInfo*>& nodes) {
  std::vector<NodeScore> scores;
  for (const NodeInfo* n : nodes) {
    int64_t score = 0;
    PluginStatus s = plugin.Score(state, pod, *n, &score);
    REQUIRE_MESSAGE(s.ok(), s.Message());
    scores.push_back({n->name(), score});
  }
  if (plugin.HasNormalize()) {
    PluginStatus s = plugin.NormalizeScore(state, pod, scores);
    REQUIRE_MESSAGE(s.ok(), s.Message());
  }
  std::vector<int64_t> out;
  for (const auto& ns : scores) out.push_back(ns.score);
  return out;
}

// The NodeInfos of `cluster` whose names are in `names` (the nodes that passed Filter).
inline std::vector<const NodeInfo*> Candidates(const std::vector<NodeInfoPtr>& cluster,
                                               const std::vector<std::string>& names) {
  std::vector<const NodeInfo*> out;
  for (const auto& name : names) {
    for (const auto& n : cluster) {
      if (n->name() == name) out.push_back(n.get());
    }
  }
  return out;
}

}  // namespace pk::scheduler::testing
