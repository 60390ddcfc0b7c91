#include "scheduler/plugins/node_unschedulable.h"

#include "scheduler/plugins/helper.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

PluginStatus NodeUnschedulable::Filter(const CycleState&, const Pod& pod,
                                       const NodeInfo& node) const {
  if (!node.node()) return PluginStatus::Unresolvable(std::string(kErrReasonUnknownCondition));
  if (!node.node()->spec().unschedulable()) return {};
  // A pod that tolerates the unschedulable taint also tolerates spec.unschedulable.
  k8s::core::v1::Taint taint;
  taint.set_key("node.kubernetes.io/unschedulable");
  taint.set_effect("NoSchedule");
  if (TolerationsTolerateTaint(pod.spec().tolerations(), taint)) return {};
  return PluginStatus::Unresolvable(std::string(kErrReasonUnschedulable));
}

// NodeUnschedulable takes no args.
Result<std::unique_ptr<Plugin>> NewNodeUnschedulable(const YAML::Node&, Handle&) {
  return std::unique_ptr<Plugin>(std::make_unique<NodeUnschedulable>());
}

}  // namespace pk::scheduler::plugins
