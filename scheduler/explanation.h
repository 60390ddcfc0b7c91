// Explanation: why one scheduling attempt placed a pod where it did, or nowhere -- for each
// node the filter that rejected it and why, and for the nodes that passed, each score
// plugin's normalized score and the weighted total. Kept by the scheduler for the last
// attempts (served at GET /explain/NAMESPACE/NAME on its debug port) and summarised into the
// pod's annotation scheduler.picokube.io/explanation when it binds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace pk::scheduler {

inline constexpr char kExplanationAnnotation[] = "scheduler.picokube.io/explanation";

struct Explanation {
  std::string ns, name, uid;
  std::string profile;
  int attempt = 0;
  std::chrono::system_clock::time_point time;
  int64_t duration_us = 0;  // the scheduling cycle, in microseconds

  int nodes_total = 0;      // nodes in the snapshot
  int nodes_evaluated = 0;  // nodes the filters ran on (percentageOfNodesToScore may stop early)
  int nodes_to_find = 0;    // feasible nodes wanted before the search stops
  std::string pre_filter;   // "Plugin: reason" when PreFilter rejected the pod
  // Rejected nodes: node -> "Plugin: reason, reason".
  std::vector<std::pair<std::string, std::string>> rejected;

  std::vector<std::string> score_plugins;
  std::vector<int64_t> weights;
  struct Row {
    std::string node;
    std::vector<int64_t> scores;  // normalized, by score plugin
    int64_t total = 0;            // sum of weight * score
  };
  std::vector<Row> scored;  // highest total first

  // Trim keeps the first kNodesListed rejected and scored nodes (a 5,000-node cluster would
  // make each explanation megabytes) and these totals and counts of all of them.
  static constexpr size_t kNodesListed = 100;
  size_t rejected_total = 0, scored_total = 0;
  std::map<std::string, int> rejection_counts;  // reason -> nodes

  std::string chosen;       // the node, or "" when none
  std::string post_filter;  // what preemption did or why it could not
  std::string nominated;    // nominatedNodeName set by preemption
  std::string message;      // the outcome: "Successfully assigned ..." or the FitError text

  // Counts every rejection and score, then drops the rows beyond kNodesListed. Idempotent.
  void Trim();
  size_t RejectedTotal() const { return std::max(rejected_total, rejected.size()); }
  size_t ScoredTotal() const { return std::max(scored_total, scored.size()); }

  // The whole explanation as a person reads it (a table of nodes).
  std::string ToText() const;
  nlohmann::json ToJson() const;
  // One short paragraph (for the pod annotation): counts, the chosen node's scores and the
  // runner-up, and the rejection reasons histogram.
  std::string Summary() const;
};

}  // namespace pk::scheduler
