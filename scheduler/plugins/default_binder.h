// DefaultBinder (pkg/scheduler/framework/plugins/defaultbinder): binds the pod to its node
// through pods/binding (Handle::BindPod).
#pragma once

#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class DefaultBinder : public BindPlugin {
 public:
  static constexpr std::string_view kName = "DefaultBinder";

  explicit DefaultBinder(Handle& handle) : handle_(handle) {}
  std::string_view Name() const override { return kName; }
  // Error with the API error's message when the binding fails.
  PluginStatus Bind(CycleState& state, const Pod& pod, const std::string& node) override;

 private:
  Handle& handle_;
};

}  // namespace pk::scheduler::plugins
