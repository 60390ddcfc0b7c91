#include "scheduler/plugins/taint_toleration.h"

#include "scheduler/plugins/helper.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

using k8s::core::v1::Toleration;

struct PreScoreState : StateData {
  std::vector<Toleration> tolerations_prefer_no_schedule;
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreScoreState>(*this);
  }
};

}  // namespace

PluginStatus TaintToleration::Filter(const CycleState&, const Pod& pod,
                                     const NodeInfo& node) const {
  if (!node.node()) return PluginStatus::Error("invalid nodeInfo");
  std::optional<k8s::core::v1::Taint> taint = FindMatchingUntoleratedTaint(
      node.node()->spec().taints(), pod.spec().tolerations(), IsDoNotScheduleTaint);
  if (!taint) return {};
  return PluginStatus::Unresolvable("node(s) had untolerated taint {" + taint->key() + ": " +
                                    taint->value() + "}");
}

PluginStatus TaintToleration::PreScore(CycleState& state, const Pod& pod,
                                       const std::vector<const NodeInfo*>& nodes) {
  if (nodes.empty()) return {};
  auto s = std::make_unique<PreScoreState>();
  for (const Toleration& t : pod.spec().tolerations()) {
    // An empty effect means every effect, PreferNoSchedule included.
    if (t.effect().empty() || t.effect() == "PreferNoSchedule") {
      s->tolerations_prefer_no_schedule.push_back(t);
    }
  }
  state.Write(std::string(kPreScoreStateKey), std::move(s));
  return {};
}

PluginStatus TaintToleration::Score(const CycleState& state, const Pod&, const NodeInfo& node,
                                    int64_t* score) const {
  const auto* s = state.Read<PreScoreState>(std::string(kPreScoreStateKey));
  if (!s) {
    return PluginStatus::Error("reading \"" + std::string(kPreScoreStateKey) +
                               "\" from cycleState: not found");
  }
  int64_t intolerable = 0;
  if (node.node()) {
    for (const k8s::core::v1::Taint& taint : node.node()->spec().taints()) {
      if (taint.effect() != "PreferNoSchedule") continue;
      if (!TolerationsTolerateTaint(s->tolerations_prefer_no_schedule, taint)) ++intolerable;
    }
  }
  *score = intolerable;
  return {};
}

PluginStatus TaintToleration::NormalizeScore(const CycleState&, const Pod&,
                                             std::vector<NodeScore>& scores) const {
  return DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/true, scores);
}

// TaintToleration takes no args.
Result<std::unique_ptr<Plugin>> NewTaintToleration(const YAML::Node&, Handle&) {
  return std::unique_ptr<Plugin>(std::make_unique<TaintToleration>());
}

}  // namespace pk::scheduler::plugins
