// SchedulingGates (pkg/scheduler/framework/plugins/schedulinggates): a pod with
// spec.schedulingGates stays out of activeQ until every gate is removed.
#pragma once

#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class SchedulingGates : public PreEnqueuePlugin {
 public:
  static constexpr std::string_view kName = "SchedulingGates";
  std::string_view Name() const override { return kName; }
  // UnschedulableAndUnresolvable "waiting for scheduling gates: [a b]" while gates remain.
  PluginStatus PreEnqueue(const Pod& pod) override;
};

}  // namespace pk::scheduler::plugins
