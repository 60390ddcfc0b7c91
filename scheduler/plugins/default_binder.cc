#include "scheduler/plugins/default_binder.h"

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

PluginStatus DefaultBinder::Bind(CycleState&, const Pod& pod, const std::string& node) {
  Status s = handle_.BindPod(pod, node, {});
  if (!s.ok()) return PluginStatus::Error(s.message());
  return {};
}

// DefaultBinder takes no args.
Result<std::unique_ptr<Plugin>> NewDefaultBinder(const YAML::Node&, Handle& handle) {
  return std::unique_ptr<Plugin>(std::make_unique<DefaultBinder>(handle));
}

}  // namespace pk::scheduler::plugins
