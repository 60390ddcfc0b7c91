#include "scheduler/plugins/priority_sort.h"

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

bool PrioritySort::Less(const QueuedPodInfo& a, const QueuedPodInfo& b) const {
  const int32_t pa = PodPriority(a.pod());
  const int32_t pb = PodPriority(b.pod());
  return pa > pb || (pa == pb && a.timestamp < b.timestamp);
}

// PrioritySort takes no args.
Result<std::unique_ptr<Plugin>> NewPrioritySort(const YAML::Node&, Handle&) {
  return std::unique_ptr<Plugin>(std::make_unique<PrioritySort>());
}

}  // namespace pk::scheduler::plugins
