#include "scheduler/plugins/node_name.h"

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

PluginStatus NodeName::PreFilter(CycleState&, const Pod& pod, PreFilterResult* result) {
  const std::string& want = pod.spec().node_name();
  if (want.empty()) return PluginStatus::Skip();
  // Success, not Skip: a skipped plugin's result is ignored, and Filter stays a cheap check.
  if (result) result->node_names = std::set<std::string>{want};
  return {};
}

PluginStatus NodeName::Filter(const CycleState&, const Pod& pod, const NodeInfo& node) const {
  if (!node.node()) return PluginStatus::Error("node not found");
  const std::string& want = pod.spec().node_name();
  if (want.empty() || want == node.node()->metadata().name()) return {};
  return PluginStatus::Unresolvable(std::string(kErrReason));
}

// NodeName takes no args.
Result<std::unique_ptr<Plugin>> NewNodeName(const YAML::Node&, Handle&) {
  return std::unique_ptr<Plugin>(std::make_unique<NodeName>());
}

}  // namespace pk::scheduler::plugins
