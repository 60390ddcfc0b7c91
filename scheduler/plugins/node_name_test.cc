#include "scheduler/plugins/node_name.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// Cases of Kubernetes' node_name_test.go, with PreFilter's narrowing.
TEST_CASE("NodeName") {
  struct Case {
    const char* name;
    const char* pod;
    Code pre_filter;
    std::optional<std::set<std::string>> node_names;
    Code filter;
  };
  const Case cases[] = {
      {"no host specified", "metadata: {name: p}", Code::kSkip, std::nullopt, Code::kSuccess},
      {"host matches", "metadata: {name: p}\nspec: {nodeName: foo}", Code::kSuccess,
       std::set<std::string>{"foo"}, Code::kSuccess},
      {"host doesn't match", "metadata: {name: p}\nspec: {nodeName: bar}", Code::kSuccess,
       std::set<std::string>{"bar"}, Code::kUnschedulableAndUnresolvable},
  };
  NodeName plugin;
  auto node = testing::NodeWithPods(testing::NodeFromYaml("metadata: {name: foo}"));
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto pod = testing::PodFromYaml(c.pod);
    CycleState state;
    PreFilterResult result;
    CHECK(plugin.PreFilter(state, *pod, &result).code() == c.pre_filter);
    CHECK(result.node_names == c.node_names);
    PluginStatus s = plugin.Filter(state, *pod, *node);
    CHECK(s.code() == c.filter);
    if (!s.ok()) CHECK(s.reasons() == std::vector<std::string>{std::string(NodeName::kErrReason)});
  }
}

TEST_CASE("NodeName.Filter without a node is an error") {
  NodeName plugin;
  CHECK(plugin.Filter(CycleState(), *testing::PodFromYaml("metadata: {name: p}"), NodeInfo())
            .code() == Code::kError);
}

TEST_CASE("NewNodeName") {
  testing::FakeHandle handle;
  auto plugin = NewNodeName(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "NodeName");
}

}  // namespace
}  // namespace pk::scheduler::plugins
