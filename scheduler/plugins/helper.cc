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

bool ToleratesTaint(const k8s::core::v1::Toleration& toleration,
                    const k8s::core::v1::Taint& taint) {
  if (!toleration.effect().empty() && toleration.effect() != taint.effect()) return false;
  if (!toleration.key().empty() && toleration.key() != taint.key()) return false;
  const std::string& op = toleration.operator_();
  if (op.empty() || op == "Equal") return toleration.value() == taint.value();
  return op == "Exists";
}

bool IsDoNotScheduleTaint(const k8s::core::v1::Taint& taint) {
  return taint.effect() == "NoSchedule" || taint.effect() == "NoExecute";
}

}  // namespace pk::scheduler::plugins
