#include "scheduler/plugins/helper.h"

namespace pk::scheduler::plugins {

PluginStatus DefaultNormalizeScore(int64_t max_priority, bool reverse,
                                   std::vector<NodeScore>& scores) {
  int64_t max_count = 0;
  for (const NodeScore& s : scores) {
    if (s.score > max_count) max_count = s.score;
  }
  if (max_count == 0) {
    if (reverse) {
      for (NodeScore& s : scores) s.score = max_priority;
    }
    return {};
  }
  for (NodeScore& s : scores) {
    int64_t score = max_priority * s.score / max_count;
    s.score = reverse ? max_priority - score : score;
  }
  return {};
}

}  // namespace pk::scheduler::plugins
