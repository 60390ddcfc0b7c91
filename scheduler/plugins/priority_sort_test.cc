#include "scheduler/plugins/priority_sort.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

using Clock = std::chrono::steady_clock;

QueuedPodInfo Queued(std::optional<int32_t> priority, Clock::time_point when) {
  auto pod = std::make_shared<Pod>();
  pod->mutable_metadata()->set_name("p");
  if (priority) pod->mutable_spec()->set_priority(*priority);
  QueuedPodInfo q;
  q.pod_info = std::make_shared<PodInfo>(pod);
  q.timestamp = when;
  return q;
}

// Cases of Kubernetes' priority_sort_test.go, plus an unset priority counting as 0.
TEST_CASE("PrioritySort.Less") {
  const Clock::time_point t0 = Clock::now();
  const Clock::time_point t1 = t0 + std::chrono::seconds(1);
  struct Case {
    const char* name;
    QueuedPodInfo a, b;
    bool want;
  };
  const Case cases[] = {
      {"p1.priority less than p2.priority", Queued(100, t0), Queued(200, t0), false},
      {"p1.priority greater than p2.priority", Queued(200, t0), Queued(100, t0), true},
      {"equal priority, p1 added to the queue earlier", Queued(100, t0), Queued(100, t1), true},
      {"equal priority, p2 added to the queue earlier", Queued(100, t1), Queued(100, t0), false},
      {"equal priority and time", Queued(100, t0), Queued(100, t0), false},
      {"unset priority is 0", Queued(std::nullopt, t0), Queued(-1, t0), true},
      {"negative priority below unset", Queued(-1, t0), Queued(std::nullopt, t1), false},
  };
  PrioritySort sort;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(sort.Less(c.a, c.b) == c.want);
  }
}

TEST_CASE("NewPrioritySort") {
  testing::FakeHandle handle;
  auto plugin = NewPrioritySort(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "PrioritySort");
  CHECK(dynamic_cast<QueueSortPlugin*>(plugin->get()) != nullptr);
}

}  // namespace
}  // namespace pk::scheduler::plugins
