#include "scheduler/plugins/scheduling_gates.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// Cases of Kubernetes' scheduling_gates_test.go.
TEST_CASE("SchedulingGates.PreEnqueue") {
  struct Case {
    const char* name;
    const char* pod;
    Code code;
    std::vector<std::string> reasons;
  };
  const Case cases[] = {
      {"pod does not carry scheduling gates", "metadata: {name: p}", Code::kSuccess, {}},
      {"pod carries a scheduling gate",
       "metadata: {name: p}\nspec: {schedulingGates: [{name: foo}]}",
       Code::kUnschedulableAndUnresolvable,
       {"waiting for scheduling gates: [foo]"}},
      {"pod carries scheduling gates",
       "metadata: {name: p}\nspec: {schedulingGates: [{name: foo}, {name: bar}]}",
       Code::kUnschedulableAndUnresolvable,
       {"waiting for scheduling gates: [foo bar]"}},
  };
  SchedulingGates plugin;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    PluginStatus s = plugin.PreEnqueue(*testing::PodFromYaml(c.pod));
    CHECK(s.code() == c.code);
    CHECK(s.reasons() == c.reasons);
  }
}

TEST_CASE("NewSchedulingGates") {
  testing::FakeHandle handle;
  auto plugin = NewSchedulingGates(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "SchedulingGates");
}

}  // namespace
}  // namespace pk::scheduler::plugins
