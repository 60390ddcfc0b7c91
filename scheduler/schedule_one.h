// The scheduling algorithm of one attempt (schedule_one.go's schedulePod): PreFilter, then
// Filter over the nodes in parallel -- starting where the last attempt stopped, and stopping
// once enough feasible nodes are found (percentageOfNodesToScore) -- then PreScore, Score and
// the choice of the highest total (ties broken at random). Fills the attempt's Explanation.
#pragma once

#include <random>
#include <string>

#include "scheduler/explanation.h"
#include "scheduler/framework/framework.h"

namespace pk::scheduler {

struct ScheduleResult {
  std::string node;       // the chosen node; "" when none
  PluginStatus status;    // ok; a rejection (no node fits); or an error
  NodeToStatus statuses;  // why each node was rejected (when none fits)
  int nodes_total = 0;
  std::string message;  // when rejected: Kubernetes' FitError text ("0/3 nodes are available: ...")
};

// numFeasibleNodesToFind: every node below 100; otherwise `percentage` of them (adaptive when
// 0: 50% minus 1% per 125 nodes, at least 5%), and at least 100.
int NumFeasibleNodesToFind(int32_t percentage, int num_nodes);

class Algorithm {
 public:
  explicit Algorithm(uint64_t seed = 1) : rng_(seed) {}
  // Schedules `pod` with `framework` on the framework's snapshot. `percentage` is the
  // profile's percentageOfNodesToScore or the global one.
  ScheduleResult Schedule(Framework& framework, CycleState& state, const Pod& pod,
                          int32_t percentage, Explanation* explanation);

 private:
  int next_start_ = 0;  // round-robin start of the node search
  std::mt19937_64 rng_;
};

}  // namespace pk::scheduler
