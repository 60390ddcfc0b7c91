#include "scheduler/plugins/node_ports.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// A pod asking for host ports given as "protocol/ip/port" triples.
PodPtr PodWithPorts(const std::string& name, const std::vector<std::string>& ports) {
  std::string yaml = "metadata: {name: " + name + ", namespace: default, uid: " + name +
                     "}\nspec:\n  containers:\n  - name: c\n    ports:";
  if (ports.empty()) yaml += " []";
  for (const std::string& p : ports) {
    const size_t a = p.find('/');
    const size_t b = p.find('/', a + 1);
    yaml += "\n    - {containerPort: " + p.substr(b + 1) + ", hostPort: " + p.substr(b + 1) +
            ", protocol: " + p.substr(0, a);
    if (b > a + 1) yaml += ", hostIP: \"" + p.substr(a + 1, b - a - 1) + "\"";
    yaml += "}";
  }
  return testing::PodFromYaml(yaml);
}

// Cases of Kubernetes' node_ports_test.go (TestNodePorts).
TEST_CASE("NodePorts") {
  struct Case {
    const char* name;
    std::vector<std::string> pod;
    std::vector<std::string> existing;
    Code pre_filter;
    Code filter;
  };
  const Case cases[] = {
      {"nothing running", {}, {}, Code::kSkip, Code::kSuccess},
      {"other port",
       {"UDP/127.0.0.1/8080"},
       {"UDP/127.0.0.1/9090"},
       Code::kSuccess,
       Code::kSuccess},
      {"same udp port",
       {"UDP/127.0.0.1/8080"},
       {"UDP/127.0.0.1/8080"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"same tcp port",
       {"TCP/127.0.0.1/8080"},
       {"TCP/127.0.0.1/8080"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"different host ip udp",
       {"UDP/127.0.0.2/8080"},
       {"UDP/127.0.0.1/8080"},
       Code::kSuccess,
       Code::kSuccess},
      {"different host ip tcp",
       {"TCP/127.0.0.2/8080"},
       {"TCP/127.0.0.1/8080"},
       Code::kSuccess,
       Code::kSuccess},
      {"second udp port conflict",
       {"UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"},
       {"UDP/127.0.0.1/8001", "UDP/127.0.0.1/8080"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"first tcp port conflict",
       {"TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"},
       {"TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"first tcp port conflict due to 0.0.0.0 hostIP",
       {"TCP/0.0.0.0/8001"},
       {"TCP/127.0.0.1/8001"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"TCP hostPort conflict due to 0.0.0.0 hostIP",
       {"TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"},
       {"TCP/127.0.0.1/8001"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"second tcp port conflict to 0.0.0.0 hostIP",
       {"TCP/127.0.0.1/8001"},
       {"TCP/0.0.0.0/8001"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"second different protocol",
       {"UDP/127.0.0.1/8001"},
       {"TCP/0.0.0.0/8001"},
       Code::kSuccess,
       Code::kSuccess},
      {"UDP hostPort conflict due to 0.0.0.0 hostIP",
       {"UDP/127.0.0.1/8001"},
       {"TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"},
       Code::kSuccess,
       Code::kUnschedulable},
      {"an empty hostIP is 0.0.0.0",
       {"TCP//8001"},
       {"TCP/127.0.0.1/8001"},
       Code::kSuccess,
       Code::kUnschedulable},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    NodePorts plugin;
    auto pod = PodWithPorts("incoming", c.pod);
    auto node = testing::NodeWithPods(testing::NodeFromYaml("metadata: {name: n}"),
                                      {PodWithPorts("existing", c.existing)});
    CycleState state;
    PreFilterResult result;
    REQUIRE(plugin.PreFilter(state, *pod, &result).code() == c.pre_filter);
    CHECK(!result.node_names);
    if (c.pre_filter == Code::kSkip) continue;
    PluginStatus s = plugin.Filter(state, *pod, *node);
    CHECK(s.code() == c.filter);
    if (!s.ok()) CHECK(s.reasons() == std::vector<std::string>{std::string(NodePorts::kErrReason)});
  }
}

TEST_CASE("NodePorts.Filter without PreFilter is an error") {
  NodePorts plugin;
  auto node = testing::NodeWithPods(testing::NodeFromYaml("metadata: {name: n}"));
  CHECK(plugin.Filter(CycleState(), *PodWithPorts("p", {"TCP//80"}), *node).code() == Code::kError);
}

TEST_CASE("NodePorts state survives CycleState::Clone") {
  NodePorts plugin;
  auto pod = PodWithPorts("p", {"TCP//80"});
  auto node = testing::NodeWithPods(testing::NodeFromYaml("metadata: {name: n}"),
                                    {PodWithPorts("q", {"TCP//80"})});
  CycleState state;
  REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
  CHECK(plugin.Filter(*state.Clone(), *pod, *node).code() == Code::kUnschedulable);
}

TEST_CASE("NewNodePorts") {
  testing::FakeHandle handle;
  auto plugin = NewNodePorts(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "NodePorts");
}

}  // namespace
}  // namespace pk::scheduler::plugins
