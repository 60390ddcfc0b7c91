#include "scheduler/plugins/node_unschedulable.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// Cases of Kubernetes' node_unschedulable_test.go.
TEST_CASE("NodeUnschedulable.Filter") {
  struct Case {
    const char* name;
    const char* node;
    const char* pod;
    Code want;
  };
  const char* kPlain = "metadata: {name: p}";
  const char* kTolerates = R"(
metadata: {name: p}
spec:
  tolerations: [{key: node.kubernetes.io/unschedulable, effect: NoSchedule}])";
  const Case cases[] = {
      {"unschedulable node", "metadata: {name: n}\nspec: {unschedulable: true}", kPlain,
       Code::kUnschedulableAndUnresolvable},
      {"schedulable node", "metadata: {name: n}\nspec: {unschedulable: false}", kPlain,
       Code::kSuccess},
      {"unschedulable node, tolerated", "metadata: {name: n}\nspec: {unschedulable: true}",
       kTolerates, Code::kSuccess},
      {"unschedulable node, toleration of every taint",
       "metadata: {name: n}\nspec: {unschedulable: true}",
       "metadata: {name: p}\nspec: {tolerations: [{operator: Exists}]}", Code::kSuccess},
      {"unschedulable node, NoExecute toleration does not count",
       "metadata: {name: n}\nspec: {unschedulable: true}",
       "metadata: {name: p}\nspec: {tolerations: [{key: node.kubernetes.io/unschedulable, "
       "operator: Exists, effect: NoExecute}]}",
       Code::kUnschedulableAndUnresolvable},
  };
  NodeUnschedulable plugin;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto node = testing::NodeWithPods(testing::NodeFromYaml(c.node));
    PluginStatus s = plugin.Filter(CycleState(), *testing::PodFromYaml(c.pod), *node);
    CHECK(s.code() == c.want);
    if (!s.ok()) CHECK(s.reasons() == std::vector<std::string>{"node(s) were unschedulable"});
  }
}

TEST_CASE("NodeUnschedulable.Filter without a node") {
  PluginStatus s = NodeUnschedulable().Filter(
      CycleState(), *testing::PodFromYaml("metadata: {name: p}"), NodeInfo());
  CHECK(s.code() == Code::kUnschedulableAndUnresolvable);
  CHECK(s.reasons() == std::vector<std::string>{"node(s) had unknown conditions"});
}

TEST_CASE("NewNodeUnschedulable") {
  testing::FakeHandle handle;
  auto plugin = NewNodeUnschedulable(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "NodeUnschedulable");
}

}  // namespace
}  // namespace pk::scheduler::plugins
