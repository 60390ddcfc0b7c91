#include "scheduler/plugins/taint_toleration.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

std::string PodWith(const std::string& tolerations) {
  return "metadata: {name: p}\nspec: {tolerations: " + tolerations + "}";
}
std::string NodeWith(const std::string& name, const std::string& taints) {
  return "metadata: {name: " + name + "}\nspec: {taints: " + taints + "}";
}

// Cases of Kubernetes' taint_toleration_test.go (TestTaintTolerationFilter).
TEST_CASE("TaintToleration.Filter") {
  struct Case {
    const char* name;
    std::string pod;
    std::string node;
    std::string reason;  // empty: fits
  };
  const Case cases[] = {
      {"a pod having no tolerations can't be scheduled onto a node with nonempty taints",
       PodWith("[]"), NodeWith("n", "[{key: dedicated, value: user1, effect: NoSchedule}]"),
       "node(s) had untolerated taint {dedicated: user1}"},
      {"a pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
       PodWith("[{key: dedicated, value: user1, effect: NoSchedule}]"),
       NodeWith("n", "[{key: dedicated, value: user1, effect: NoSchedule}]"), ""},
      {"a pod which can't be scheduled on a dedicated node assigned to user2 with effect "
       "NoSchedule",
       PodWith("[{key: dedicated, operator: Equal, value: user2, effect: NoSchedule}]"),
       NodeWith("n", "[{key: dedicated, value: user1, effect: NoSchedule}]"),
       "node(s) had untolerated taint {dedicated: user1}"},
      {"a pod can be scheduled onto the node, with a toleration uses operator Exists that "
       "tolerates the taints on the node",
       PodWith("[{key: foo, operator: Exists, effect: NoSchedule}]"),
       NodeWith("n", "[{key: foo, value: bar, effect: NoSchedule}]"), ""},
      {"a pod has multiple tolerations, node has multiple taints, all the taints are tolerated",
       PodWith("[{key: dedicated, operator: Equal, value: user2, effect: NoSchedule}, "
               "{key: foo, operator: Exists, effect: NoSchedule}]"),
       NodeWith("n",
                "[{key: dedicated, value: user2, effect: NoSchedule}, "
                "{key: foo, value: bar, effect: NoSchedule}]"),
       ""},
      {"a pod has a toleration that keys and values match the taint on the node, but (non-empty) "
       "effect doesn't match, can't be scheduled onto the node",
       PodWith("[{key: foo, operator: Equal, value: bar, effect: PreferNoSchedule}]"),
       NodeWith("n", "[{key: foo, value: bar, effect: NoSchedule}]"),
       "node(s) had untolerated taint {foo: bar}"},
      {"the effect of toleration is empty, and it matches the taint's effect",
       PodWith("[{key: foo, operator: Equal, value: bar}]"),
       NodeWith("n", "[{key: foo, value: bar, effect: NoSchedule}]"), ""},
      {"the pod has a toleration that keys and values match the taint on the node, the effect of "
       "toleration is empty, and the effect of taint is PreferNoSchedule",
       PodWith("[{key: dedicated, operator: Equal, value: user2, effect: NoSchedule}]"),
       NodeWith("n", "[{key: dedicated, value: user1, effect: PreferNoSchedule}]"), ""},
      {"a pod with no tolerations can be scheduled onto a node with PreferNoSchedule taints",
       PodWith("[]"), NodeWith("n", "[{key: dedicated, value: user1, effect: PreferNoSchedule}]"),
       ""},
      {"a NoExecute taint is filtered too", PodWith("[]"),
       NodeWith("n", "[{key: k, value: v, effect: NoExecute}]"),
       "node(s) had untolerated taint {k: v}"},
      {"an empty key with Exists tolerates every taint", PodWith("[{operator: Exists}]"),
       NodeWith("n", "[{key: a, value: b, effect: NoSchedule}, {key: c, effect: NoExecute}]"), ""},
      {"an empty key with Equal tolerates nothing", PodWith("[{operator: Equal}]"),
       NodeWith("n", "[{key: a, value: b, effect: NoSchedule}]"),
       "node(s) had untolerated taint {a: b}"},
      {"an unknown operator tolerates nothing", PodWith("[{key: a, operator: Like, value: b}]"),
       NodeWith("n", "[{key: a, value: b, effect: NoSchedule}]"),
       "node(s) had untolerated taint {a: b}"},
      {"the first untolerated taint is reported", PodWith("[{key: a, operator: Exists}]"),
       NodeWith("n",
                "[{key: a, value: x, effect: NoSchedule}, {key: b, effect: NoSchedule}, "
                "{key: c, value: z, effect: NoExecute}]"),
       "node(s) had untolerated taint {b: }"},
  };
  TaintToleration plugin;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto node = testing::NodeWithPods(testing::NodeFromYaml(c.node));
    PluginStatus s = plugin.Filter(CycleState(), *testing::PodFromYaml(c.pod), *node);
    if (c.reason.empty()) {
      CHECK(s.ok());
    } else {
      CHECK(s.code() == Code::kUnschedulableAndUnresolvable);
      CHECK(s.reasons() == std::vector<std::string>{c.reason});
    }
  }
}

// Cases of Kubernetes' TestTaintTolerationScore: PreScore, Score per node, NormalizeScore.
TEST_CASE("TaintToleration.Score") {
  struct Case {
    const char* name;
    std::string pod;
    std::vector<std::string> nodes;
    std::vector<int64_t> want;
  };
  const Case cases[] = {
      {"node with taints tolerated by the pod gets a higher score than those without",
       PodWith("[{key: foo, operator: Equal, value: bar, effect: PreferNoSchedule}]"),
       {NodeWith("nodeA", "[{key: foo, value: bar, effect: PreferNoSchedule}]"),
        NodeWith("nodeB", "[{key: foo, value: blah, effect: PreferNoSchedule}]")},
       {100, 0}},
      {"the nodes that all of their taints are tolerated by the pod get the same score",
       PodWith("[{key: cpu-type, operator: Equal, value: arm64, effect: PreferNoSchedule}, "
               "{key: disk-type, operator: Equal, value: ssd, effect: PreferNoSchedule}]"),
       {NodeWith("nodeA", "[]"),
        NodeWith("nodeB", "[{key: cpu-type, value: arm64, effect: PreferNoSchedule}]"),
        NodeWith("nodeC",
                 "[{key: cpu-type, value: arm64, effect: PreferNoSchedule}, "
                 "{key: disk-type, value: ssd, effect: PreferNoSchedule}]")},
       {100, 100, 100}},
      {"the more intolerable taints a node has, the lower score it gets",
       PodWith("[{key: foo, operator: Equal, value: bar, effect: PreferNoSchedule}]"),
       {NodeWith("nodeA", "[]"),
        NodeWith("nodeB", "[{key: cpu-type, value: arm64, effect: PreferNoSchedule}]"),
        NodeWith("nodeC",
                 "[{key: cpu-type, value: arm64, effect: PreferNoSchedule}, "
                 "{key: disk-type, value: ssd, effect: PreferNoSchedule}]")},
       {100, 50, 0}},
      {"only taints and tolerations that have effect PreferNoSchedule are checked",
       PodWith("[{key: cpu-type, operator: Equal, value: arm64, effect: NoSchedule}, "
               "{key: disk-type, operator: Equal, value: ssd, effect: NoSchedule}]"),
       {NodeWith("nodeA", "[]"),
        NodeWith("nodeB", "[{key: cpu-type, value: arm64, effect: NoSchedule}]"),
        NodeWith("nodeC",
                 "[{key: cpu-type, value: arm64, effect: PreferNoSchedule}, "
                 "{key: disk-type, value: ssd, effect: PreferNoSchedule}]")},
       {100, 100, 0}},
      {"a toleration with an empty effect tolerates PreferNoSchedule taints",
       PodWith("[{key: foo, operator: Exists}]"),
       {NodeWith("nodeA", "[{key: foo, value: x, effect: PreferNoSchedule}]"),
        NodeWith("nodeB", "[{key: bar, value: x, effect: PreferNoSchedule}]")},
       {100, 0}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    TaintToleration plugin;
    auto pod = testing::PodFromYaml(c.pod);
    std::vector<NodeInfoPtr> infos;
    std::vector<const NodeInfo*> nodes;
    for (const std::string& n : c.nodes) {
      infos.push_back(testing::NodeWithPods(testing::NodeFromYaml(n)));
      nodes.push_back(infos.back().get());
    }
    CycleState state;
    REQUIRE(plugin.PreScore(state, *pod, nodes).ok());
    std::vector<NodeScore> scores;
    for (const NodeInfo* n : nodes) {
      int64_t score = -1;
      REQUIRE(plugin.Score(state, *pod, *n, &score).ok());
      scores.push_back({n->node()->metadata().name(), score});
    }
    REQUIRE(plugin.HasNormalize());
    REQUIRE(plugin.NormalizeScore(state, *pod, scores).ok());
    std::vector<int64_t> got;
    for (const NodeScore& s : scores) got.push_back(s.score);
    CHECK(got == c.want);
  }
}

TEST_CASE("TaintToleration.Score without PreScore is an error") {
  TaintToleration plugin;
  auto node = testing::NodeWithPods(testing::NodeFromYaml("metadata: {name: n}"));
  int64_t score = 0;
  CHECK(plugin.Score(CycleState(), *testing::PodFromYaml("metadata: {name: p}"), *node, &score)
            .code() == Code::kError);
}

TEST_CASE("NewTaintToleration") {
  testing::FakeHandle handle;
  auto plugin = NewTaintToleration(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "TaintToleration");
}

}  // namespace
}  // namespace pk::scheduler::plugins
