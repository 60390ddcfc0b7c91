// Helpers shared by the in-tree plugins (pkg/scheduler/framework/plugins/helper).
#pragma once

#include <cstdint>
#include <vector>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

// helper.DefaultNormalizeScore: scales `scores` to [0, max_priority] by the largest score
// (score * max_priority / max, integer division). With `reverse`, each becomes max_priority
// minus that, so the lowest raw score ranks best. When every score is 0 (or below), scores
// stay as they are, or all become max_priority with `reverse`. Always succeeds.
PluginStatus DefaultNormalizeScore(int64_t max_priority, bool reverse,
                                   std::vector<NodeScore>& scores);

}  // namespace pk::scheduler::plugins
