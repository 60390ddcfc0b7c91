// PrioritySort (pkg/scheduler/framework/plugins/queuesort): the default QueueSort plugin.
// Higher priority first; among equal priorities, the pod that entered the queue first.
#pragma once

#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

class PrioritySort : public QueueSortPlugin {
 public:
  static constexpr std::string_view kName = "PrioritySort";
  std::string_view Name() const override { return kName; }
  bool Less(const QueuedPodInfo& a, const QueuedPodInfo& b) const override;
};

}  // namespace pk::scheduler::plugins
