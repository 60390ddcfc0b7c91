#include "scheduler/plugins/scheduling_gates.h"

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

PluginStatus SchedulingGates::PreEnqueue(const Pod& pod) {
  const auto& gates = pod.spec().scheduling_gates();
  if (gates.empty()) return {};
  // Go's %v of a []string: "[a b]".
  std::string names;
  for (const auto& gate : gates) {
    if (!names.empty()) names += " ";
    names += gate.name();
  }
  return PluginStatus::Unresolvable("waiting for scheduling gates: [" + names + "]");
}

// SchedulingGates takes no args.
Result<std::unique_ptr<Plugin>> NewSchedulingGates(const YAML::Node&, Handle&) {
  return std::unique_ptr<Plugin>(std::make_unique<SchedulingGates>());
}

}  // namespace pk::scheduler::plugins
