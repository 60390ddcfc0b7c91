#include "scheduler/schedule_one.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "scheduler/framework/fit_error.h"
#include "scheduler/framework/parallelize.h"

namespace pk::scheduler {
namespace {

constexpr int kMinFeasibleNodesToFind = 100;
constexpr int kMinFeasibleNodesPercentageToFind = 5;

std::string Why(const PluginStatus& s) {
  return s.plugin().empty() ? s.Message() : s.plugin() + ": " + s.Message();
}

struct Filtered {
  std::vector<const NodeInfo*> feasible;
  int evaluated = 0;
};

// findNodesThatPassFilters: nodes from `start` round-robin, in parallel, until `want` fit.
Filtered FilterNodes(Framework& fw, const CycleState& state, const Pod& pod,
                     const std::vector<const NodeInfo*>& nodes, int start, int want,
                     NodeToStatus* statuses) {
  const int n = static_cast<int>(nodes.size());
  Filtered out;
  std::vector<const NodeInfo*> feasible(want, nullptr);
  // Only rejections are kept (by index): a pod that fits is usually rejected by few nodes.
  std::mutex mu;
  std::vector<std::pair<int, PluginStatus>> rejected;
  std::atomic<int> found{0}, evaluated{0};
  std::atomic<bool> stop{false};
  fw.parallelizer().Until(
      n,
      [&](int i) {
        if (stop.load(std::memory_order_relaxed)) return;
        int idx = (start + i) % n;
        evaluated.fetch_add(1, std::memory_order_relaxed);
        PluginStatus s = fw.RunFilterPluginsWithNominatedPods(state, pod, *nodes[idx]);
        if (s.ok()) {
          int k = found.fetch_add(1) + 1;
          if (k > want) {
            stop = true;
            found.fetch_sub(1);
            evaluated.fetch_sub(1, std::memory_order_relaxed);
          } else {
            feasible[k - 1] = nodes[idx];
            if (k == want) stop = true;
          }
        } else {
          std::lock_guard lock(mu);
          rejected.emplace_back(idx, std::move(s));
        }
      },
      &stop);
  feasible.resize(found.load());
  out.feasible = std::move(feasible);
  out.evaluated = evaluated.load();
  for (auto& [idx, s] : rejected) (*statuses)[nodes[idx]->name()] = std::move(s);
  return out;
}

}  // namespace

int NumFeasibleNodesToFind(int32_t percentage, int num_nodes) {
  if (num_nodes < kMinFeasibleNodesToFind) return num_nodes;
  int adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = std::max(50 - num_nodes / 125, kMinFeasibleNodesPercentageToFind);
  }
  int want = static_cast<int>(static_cast<int64_t>(num_nodes) * adaptive / 100);
  return std::max(want, kMinFeasibleNodesToFind);
}

ScheduleResult Algorithm::Schedule(Framework& fw, CycleState& state, const Pod& pod,
                                   int32_t percentage, Explanation* ex) {
  ScheduleResult result;
  const Snapshot& snapshot = fw.snapshot();
  result.nodes_total = ex->nodes_total = static_cast<int>(snapshot.size());
  if (snapshot.size() == 0) {
    result.status = PluginStatus::Unschedulable("no nodes available to schedule pods");
    result.message = "no nodes available to schedule pods";
    ex->message = result.message;
    return result;
  }

  PreFilterResult pre;
  PluginStatus s = fw.RunPreFilterPlugins(state, pod, &pre);
  if (!s.ok()) {
    result.status = s;
    if (s.IsRejected()) {
      for (const NodeInfoPtr& n : snapshot.nodes()) result.statuses[n->name()] = s;
      result.message = FitErrorMessage(result.nodes_total, {}, s.Message());
    } else {
      result.message = "running PreFilter plugin \"" + s.plugin() + "\": " + s.Message();
    }
    ex->pre_filter = Why(s);
    ex->message = result.message;
    return result;
  }

  std::vector<const NodeInfo*> nodes;
  if (pre.node_names) {
    for (const std::string& name : *pre.node_names) {
      if (const NodeInfo* n = snapshot.Get(name)) nodes.push_back(n);
    }
  } else {
    nodes.reserve(snapshot.size());
    for (const NodeInfoPtr& n : snapshot.nodes()) nodes.push_back(n.get());
  }

  // A nominated node (from an earlier preemption) is tried alone first.
  Filtered filtered;
  const std::string& nominated = pod.status().nominated_node_name();
  if (const NodeInfo* n = nominated.empty() ? nullptr : snapshot.Get(nominated)) {
    if (fw.RunFilterPluginsWithNominatedPods(state, pod, *n).ok()) {
      filtered.feasible = {n};
      filtered.evaluated = 1;
    }
  }
  int want = NumFeasibleNodesToFind(percentage, static_cast<int>(nodes.size()));
  ex->nodes_to_find = want;
  if (filtered.feasible.empty() && !nodes.empty()) {
    int start = next_start_ % static_cast<int>(nodes.size());
    filtered = FilterNodes(fw, state, pod, nodes, start, want, &result.statuses);
    next_start_ = (start + filtered.evaluated) % static_cast<int>(nodes.size());
  }
  ex->nodes_evaluated = filtered.evaluated;
  for (const auto& [node, st] : result.statuses) ex->rejected.emplace_back(node, Why(st));

  if (filtered.feasible.empty()) {
    // Nodes PreFilter ruled out count as rejected by it.
    if (pre.node_names) {
      for (const NodeInfoPtr& n : snapshot.nodes()) {
        if (!pre.node_names->count(n->name())) {
          result.statuses[n->name()] =
              PluginStatus::Unresolvable("node(s) didn't satisfy plugin(s) [NodeName]");
        }
      }
    }
    result.status = PluginStatus::Unschedulable("no fit");
    result.message = FitErrorMessage(result.nodes_total, result.statuses);
    ex->message = result.message;
    return result;
  }

  if (filtered.feasible.size() == 1) {
    result.node = filtered.feasible[0]->name();
    ex->scored.push_back({result.node, {}, 0});
    ex->chosen = result.node;
    return result;
  }

  s = fw.RunPreScorePlugins(state, pod, filtered.feasible);
  ScoreTable table;
  if (s.ok()) s = fw.RunScorePlugins(state, pod, filtered.feasible, &table);
  if (!s.ok()) {
    result.status = s;
    result.message = "running Score plugins: " + Why(s);
    ex->message = result.message;
    return result;
  }
  ex->score_plugins = table.plugins;
  ex->weights = table.weights;
  // selectHost: the highest total; among equals, each has the same chance (reservoir).
  size_t best = 0;
  int ties = 1;
  for (size_t i = 1; i < filtered.feasible.size(); ++i) {
    if (table.totals[i] > table.totals[best]) {
      best = i;
      ties = 1;
    } else if (table.totals[i] == table.totals[best] && rng_() % ++ties == 0) {
      best = i;
    }
  }
  result.node = filtered.feasible[best]->name();
  ex->chosen = result.node;
  for (size_t i = 0; i < filtered.feasible.size(); ++i) {
    ex->scored.push_back({filtered.feasible[i]->name(), table.scores[i], table.totals[i]});
  }
  // The chosen node first, then the others by total.
  std::swap(ex->scored[0], ex->scored[best]);
  std::stable_sort(ex->scored.begin() + 1, ex->scored.end(),
                   [](const auto& a, const auto& b) { return a.total > b.total; });
  return result;
}

}  // namespace pk::scheduler
