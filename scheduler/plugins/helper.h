// Helpers shared by the in-tree plugins (pkg/scheduler/framework/plugins/helper).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

// helper.DefaultNormalizeScore: scales `scores` to [0, max_priority] by the largest score
// (score * max_priority / max, integer division). With `reverse`, each becomes max_priority
// minus that, so the lowest raw score ranks best. When every score is 0 (or below), scores
// stay as they are, or all become max_priority with `reverse`. Always succeeds.
PluginStatus DefaultNormalizeScore(int64_t max_priority, bool reverse,
                                   std::vector<NodeScore>& scores);

// Toleration.ToleratesTaint (k8s.io/api/core/v1): an empty effect matches every effect, an
// empty key (with Exists) every key; operator "" or Equal compares values, Exists does not,
// any other operator tolerates nothing.
bool ToleratesTaint(const k8s::core::v1::Toleration& toleration, const k8s::core::v1::Taint& taint);

// v1helper.TolerationsTolerateTaint: whether any of `tolerations` tolerates `taint`.
template <class Tolerations>
bool TolerationsTolerateTaint(const Tolerations& tolerations, const k8s::core::v1::Taint& taint) {
  for (const k8s::core::v1::Toleration& t : tolerations) {
    if (ToleratesTaint(t, taint)) return true;
  }
  return false;
}

using TaintFilter = std::function<bool(const k8s::core::v1::Taint&)>;

// helper.DoNotScheduleTaintsFilterFunc: the taints that keep pods off a node (NoSchedule and
// NoExecute).
bool IsDoNotScheduleTaint(const k8s::core::v1::Taint& taint);

// v1helper.FindMatchingUntoleratedTaint: the first of `taints` that passes `filter` and no
// toleration tolerates, or nullopt.
template <class Taints, class Tolerations>
std::optional<k8s::core::v1::Taint> FindMatchingUntoleratedTaint(const Taints& taints,
                                                                 const Tolerations& tolerations,
                                                                 const TaintFilter& filter) {
  for (const k8s::core::v1::Taint& taint : taints) {
    if (filter && !filter(taint)) continue;
    if (!TolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return std::nullopt;
}

}  // namespace pk::scheduler::plugins
