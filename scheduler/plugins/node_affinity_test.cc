#include "scheduler/plugins/node_affinity.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// A pod with `spec` (YAML flow mapping body, e.g. "nodeSelector: {foo: bar}").
PodPtr PodWithSpec(const std::string& spec) {
  return testing::PodFromYaml("metadata: {name: p, namespace: default}\nspec: {" + spec + "}");
}
// A pod whose required node affinity has `terms` (YAML flow list of NodeSelectorTerms).
PodPtr PodRequiring(const std::string& terms) {
  return PodWithSpec(
      "affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
      "{nodeSelectorTerms: " +
      terms + "}}}");
}
NodeInfoPtr NodeWithLabels(const std::string& name, const std::string& labels) {
  return testing::NodeWithPods(
      testing::NodeFromYaml("metadata: {name: " + name + ", labels: " + labels + "}"));
}

struct FilterCase {
  const char* name;
  PodPtr pod;
  std::string labels;  // of node "node1"
  Code want;
  std::string node_name = "node1";
};

// Runs PreFilter then (unless skipped) Filter, as the framework does.
Code RunFilter(NodeAffinity& plugin, const Pod& pod, const NodeInfo& node, std::string* reason) {
  CycleState state;
  PreFilterResult result;
  PluginStatus pre = plugin.PreFilter(state, pod, &result);
  if (pre.IsSkip()) return Code::kSuccess;
  if (!pre.ok()) {
    *reason = pre.Message();
    return pre.code();
  }
  if (result.node_names && !result.node_names->count(node.name())) {
    *reason = "filtered out by PreFilterResult";
    return Code::kUnschedulableAndUnresolvable;
  }
  PluginStatus s = plugin.Filter(state, pod, node);
  if (!s.ok()) *reason = s.Message();
  return s.code();
}

// Cases of Kubernetes' node_affinity_test.go (TestNodeAffinity).
TEST_CASE("NodeAffinity.Filter") {
  const Code kNo = Code::kUnschedulableAndUnresolvable;
  const Code kOk = Code::kSuccess;
  const FilterCase cases[] = {
      {"no selector", PodWithSpec(""), "{}", kOk},
      {"missing labels", PodWithSpec("nodeSelector: {foo: bar}"), "{}", kNo},
      {"same labels", PodWithSpec("nodeSelector: {foo: bar}"), "{foo: bar}", kOk},
      {"node labels are superset", PodWithSpec("nodeSelector: {foo: bar}"), "{foo: bar, baz: blah}",
       kOk},
      {"node labels are subset", PodWithSpec("nodeSelector: {foo: bar, baz: blah}"), "{foo: bar}",
       kNo},
      {"Pod with matchExpressions using In operator that matches the existing node",
       PodRequiring("[{matchExpressions: [{key: foo, operator: In, values: [bar, value2]}]}]"),
       "{foo: bar}", kOk},
      {"Pod with matchExpressions using Gt operator that matches the existing node",
       PodRequiring(
           "[{matchExpressions: [{key: kernel-version, operator: Gt, values: ['0204']}]}]"),
       "{kernel-version: '0206'}", kOk},
      {"Pod with matchExpressions using NotIn operator that matches the existing node",
       PodRequiring(
           "[{matchExpressions: [{key: mem-type, operator: NotIn, values: [DDR, DDR2]}]}]"),
       "{mem-type: DDR3}", kOk},
      {"Pod with matchExpressions using Exists operator that matches the existing node",
       PodRequiring("[{matchExpressions: [{key: GPU, operator: Exists}]}]"),
       "{GPU: NVIDIA-GRID-K1}", kOk},
      {"Pod with affinity that don't match node's labels won't schedule onto the node",
       PodRequiring("[{matchExpressions: [{key: foo, operator: In, values: [value1, value2]}]}]"),
       "{foo: bar}", kNo},
      {"Pod with empty MatchExpressions is not a valid value will match no objects and won't "
       "schedule onto the node",
       PodRequiring("[{matchExpressions: []}]"), "{foo: bar}", kNo},
      {"Pod with no Affinity will schedule onto a node", PodWithSpec(""), "{foo: bar}", kOk},
      {"Pod with Affinity but nil NodeSelector will schedule onto a node",
       PodWithSpec("affinity: {nodeAffinity: {}}"), "{foo: bar}", kOk},
      {"Pod with multiple matchExpressions ANDed that matches the existing node",
       PodRequiring("[{matchExpressions: [{key: GPU, operator: Exists}, {key: GPU, operator: "
                    "NotIn, values: [AMD, INTER]}]}]"),
       "{GPU: NVIDIA-GRID-K1}", kOk},
      {"Pod with multiple matchExpressions ANDed that doesn't match the existing node",
       PodRequiring("[{matchExpressions: [{key: GPU, operator: Exists}, {key: GPU, operator: In, "
                    "values: [AMD, INTER]}]}]"),
       "{GPU: NVIDIA-GRID-K1}", kNo},
      {"Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will "
       "schedule onto the node",
       PodRequiring("[{matchExpressions: [{key: foo, operator: In, values: [bar, value2]}]}, "
                    "{matchExpressions: [{key: diffkey, operator: In, values: [wrong, value2]}]}]"),
       "{foo: bar}", kOk},
      {"Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) "
       "both are satisfied, will schedule onto the node",
       PodWithSpec("nodeSelector: {foo: bar}, affinity: {nodeAffinity: "
                   "{requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
                   "[{matchExpressions: [{key: foo, operator: Exists}]}]}}}"),
       "{foo: bar}", kOk},
      {"Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing "
       "that we are deprecating) is not satisfied, won't schedule onto the node",
       PodWithSpec("nodeSelector: {foo: bar}, affinity: {nodeAffinity: "
                   "{requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: "
                   "[{matchExpressions: [{key: foo, operator: Exists}]}]}}}"),
       "{foo: barrrrrr}", kNo},
      {"Pod with an invalid value in Affinity term won't be scheduled onto the node",
       PodRequiring("[{matchExpressions: [{key: foo, operator: NotIn, values: ['invalid value: "
                    "___@#$%^']}]}]"),
       "{foo: bar}", kNo},
      {"Pod with matchFields using In operator that matches the existing node",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}]"), "{}",
       kOk},
      {"Pod with matchFields using In operator that does not match the existing node",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}]"), "{}",
       kNo, "node2"},
      {"Pod with two terms: matchFields does not match, but matchExpressions matches",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}, "
                    "{matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
       "{foo: bar}", kOk, "node2"},
      {"Pod with one term: matchFields does not match, but matchExpressions matches",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}], "
                    "matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
       "{foo: bar}", kNo, "node2"},
      {"Pod with one term: both matchFields and matchExpressions match",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}], "
                    "matchExpressions: [{key: foo, operator: In, values: [bar]}]}]"),
       "{foo: bar}", kOk},
      {"Pod with two terms: both matchFields and matchExpressions do not match",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}, "
                    "{matchExpressions: [{key: foo, operator: In, values: [not-match-to-bar]}]}]"),
       "{foo: bar}", kNo, "node2"},
      {"Pod with two terms of node.Name affinity",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}, "
                    "{matchFields: [{key: metadata.name, operator: In, values: [node2]}]}]"),
       "{}", kOk, "node2"},
      {"Pod with two conflicting matchFields requirements on the same term",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}, "
                    "{key: metadata.name, operator: In, values: [node2]}]}]"),
       "{}", kNo},
      {"matchFields NotIn excludes the node",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: NotIn, values: [node1]}]}]"),
       "{}", kNo},
      {"Lt compares integers",
       PodRequiring("[{matchExpressions: [{key: n, operator: Lt, values: ['10']}]}]"), "{n: '9'}",
       kOk},
      {"Lt with a non-integer label fails",
       PodRequiring("[{matchExpressions: [{key: n, operator: Lt, values: ['10']}]}]"), "{n: nine}",
       kNo},
      {"DoesNotExist", PodRequiring("[{matchExpressions: [{key: gpu, operator: DoesNotExist}]}]"),
       "{foo: bar}", kOk},
      {"a term with an unknown operator matches nothing, other terms still can",
       PodRequiring("[{matchExpressions: [{key: foo, operator: Like, values: [bar]}]}, "
                    "{matchExpressions: [{key: foo, operator: Exists}]}]"),
       "{foo: bar}", kOk},
  };
  NodeAffinity plugin;
  for (const FilterCase& c : cases) {
    CAPTURE(c.name);
    auto node = NodeWithLabels(c.node_name, c.labels);
    std::string reason;
    Code got = RunFilter(plugin, *c.pod, *node, &reason);
    CHECK(got == c.want);
  }
}

TEST_CASE("NodeAffinity.Filter reasons") {
  NodeAffinity plugin;
  auto node = NodeWithLabels("node1", "{}");
  auto pod = PodWithSpec("nodeSelector: {foo: bar}");
  CycleState state;
  REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
  PluginStatus s = plugin.Filter(state, *pod, *node);
  CHECK(s.code() == Code::kUnschedulableAndUnresolvable);
  CHECK(s.reasons() ==
        std::vector<std::string>{"node(s) didn't match Pod's node affinity/selector"});
  // Without PreFilter's state, Filter parses the pod itself.
  CHECK(plugin.Filter(CycleState(), *pod, *node).reasons() == s.reasons());
}

// Kubernetes' TestNodeAffinityPreFilter... cases: PreFilterResult and Skip.
TEST_CASE("NodeAffinity.PreFilter") {
  struct Case {
    const char* name;
    PodPtr pod;
    Code want;
    std::optional<std::set<std::string>> node_names;
  };
  const Case cases[] = {
      {"nothing to check", PodWithSpec(""), Code::kSkip, std::nullopt},
      {"nodeSelector only", PodWithSpec("nodeSelector: {foo: bar}"), Code::kSuccess, std::nullopt},
      {"affinity without required terms", PodWithSpec("affinity: {nodeAffinity: {}}"), Code::kSkip,
       std::nullopt},
      {"empty terms", PodRequiring("[]"), Code::kSuccess, std::nullopt},
      {"one term naming nodes",
       PodRequiring(
           "[{matchFields: [{key: metadata.name, operator: In, values: [node1, node2]}]}]"),
       Code::kSuccess, std::set<std::string>{"node1", "node2"}},
      {"two terms naming nodes are unioned",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}, "
                    "{matchFields: [{key: metadata.name, operator: In, values: [node2]}]}]"),
       Code::kSuccess, std::set<std::string>{"node1", "node2"}},
      {"requirements of one term are intersected",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1, node2]}, "
                    "{key: metadata.name, operator: In, values: [node2, node3]}]}]"),
       Code::kSuccess, std::set<std::string>{"node2"}},
      {"a term without node names lets every node through",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}]}, "
                    "{matchExpressions: [{key: foo, operator: Exists}]}]"),
       Code::kSuccess, std::nullopt},
      {"NotIn does not name nodes",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: NotIn, values: [node1]}]}]"),
       Code::kSuccess, std::nullopt},
      {"conflicting terms",
       PodRequiring("[{matchFields: [{key: metadata.name, operator: In, values: [node1]}, "
                    "{key: metadata.name, operator: In, values: [node2]}]}]"),
       Code::kUnschedulableAndUnresolvable, std::nullopt},
  };
  NodeAffinity plugin;
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CycleState state;
    PreFilterResult result;
    PluginStatus s = plugin.PreFilter(state, *c.pod, &result);
    CHECK(s.code() == c.want);
    CHECK(result.node_names == c.node_names);
    if (c.want == Code::kUnschedulableAndUnresolvable) {
      CHECK(s.reasons() == std::vector<std::string>{"pod affinity terms conflict"});
    }
  }
}

std::unique_ptr<NodeAffinity> WithArgs(const char* yaml) {
  auto plugin = NodeAffinity::New(YAML::Load(yaml));
  REQUIRE_MESSAGE(plugin.ok(), plugin.status().ToString());
  return std::move(plugin).value();
}

TEST_CASE("NodeAffinity addedAffinity in Filter") {
  auto plugin = WithArgs(R"(
addedAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    nodeSelectorTerms:
    - matchExpressions: [{key: zone, operator: In, values: [foo]}]
)");
  struct Case {
    const char* name;
    PodPtr pod;
    std::string labels;
    std::string reason;  // empty: fits
  };
  const Case cases[] = {
      {"missing added affinity", PodWithSpec(""), "{}",
       "node(s) didn't match scheduler-enforced node affinity"},
      {"matching added affinity", PodWithSpec(""), "{zone: foo}", ""},
      {"matching added affinity but not the pod's", PodWithSpec("nodeSelector: {x: y}"),
       "{zone: foo}", "node(s) didn't match Pod's node affinity/selector"},
      {"matching the pod's but not added affinity", PodWithSpec("nodeSelector: {x: y}"),
       "{zone: bar, x: y}", "node(s) didn't match scheduler-enforced node affinity"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CycleState state;
    // With addedAffinity, PreFilter never skips.
    REQUIRE(plugin->PreFilter(state, *c.pod, nullptr).ok());
    PluginStatus s = plugin->Filter(state, *c.pod, *NodeWithLabels("n", c.labels));
    if (c.reason.empty()) {
      CHECK(s.ok());
    } else {
      CHECK(s.code() == Code::kUnschedulableAndUnresolvable);
      CHECK(s.Message() == c.reason);
    }
  }
}

// Runs PreScore, Score on every node, NormalizeScore; the normalized scores in node order.
std::vector<int64_t> RunScore(NodeAffinity& plugin, const Pod& pod,
                              const std::vector<NodeInfoPtr>& nodes, Code* pre_score) {
  std::vector<const NodeInfo*> ptrs;
  for (const auto& n : nodes) ptrs.push_back(n.get());
  CycleState state;
  PluginStatus pre = plugin.PreScore(state, pod, ptrs);
  *pre_score = pre.code();
  if (!pre.ok()) return {};
  std::vector<NodeScore> scores;
  for (const NodeInfo* n : ptrs) {
    int64_t score = -1;
    REQUIRE(plugin.Score(state, pod, *n, &score).ok());
    scores.push_back({n->name(), score});
  }
  REQUIRE(plugin.NormalizeScore(state, pod, scores).ok());
  std::vector<int64_t> out;
  for (const auto& s : scores) out.push_back(s.score);
  return out;
}

// Cases of Kubernetes' TestNodeAffinityPriority.
TEST_CASE("NodeAffinity.Score") {
  const std::string affinity1 =
      "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: "
      "[{weight: 2, preference: {matchExpressions: [{key: foo, operator: In, values: [bar]}]}}]}}";
  const std::string affinity2 =
      "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: ["
      "{weight: 2, preference: {matchExpressions: [{key: foo, operator: In, values: [bar]}]}},"
      "{weight: 4, preference: {matchExpressions: [{key: key, operator: In, values: [value]}]}},"
      "{weight: 5, preference: {matchExpressions: [{key: foo, operator: In, values: [bar]}, "
      "{key: key, operator: In, values: [value]}, {key: az, operator: In, values: [az1]}]}}]}}";
  struct Case {
    const char* name;
    PodPtr pod;
    std::vector<std::string> labels;  // of machine1, machine2, ...
    Code pre_score;
    std::vector<int64_t> want;
    const char* args = nullptr;
  };
  const Case cases[] = {
      {"all nodes are same priority as NodeAffinity is nil",
       PodWithSpec(""),
       {"{foo: bar}", "{key: value}", "{az: az1}"},
       Code::kSkip,
       {}},
      {"no node matches preferred scheduling requirements in NodeAffinity of pod so all nodes' "
       "priority is zero",
       PodWithSpec(affinity1),
       {"{foo: bar1}", "{key: value}", "{az: az1}"},
       Code::kSuccess,
       {0, 0, 0}},
      {"only machine1 matches the preferred scheduling requirements of pod",
       PodWithSpec(affinity1),
       {"{foo: bar}", "{key: value}", "{az: az1}"},
       Code::kSuccess,
       {100, 0, 0}},
      {"all machines matches the preferred scheduling requirements of pod but with different "
       "priorities",
       PodWithSpec(affinity2),
       {"{foo: bar}", "{foo: bar, key: value, az: az1, region: r1}", "{foo: bar, key: value}"},
       Code::kSuccess,
       {18, 100, 54}},
      {"added affinity",
       PodWithSpec(""),
       {"{zone: zone1}", "{zone: zone2}", "{}"},
       Code::kSuccess,
       {100, 0, 0},
       "addedAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 5, "
       "preference: {matchExpressions: [{key: zone, operator: In, values: [zone1]}]}}]}"},
      {"added affinity and pod has default affinity",
       PodWithSpec(affinity1),
       {"{foo: bar}", "{zone: zone1}", "{foo: bar, zone: zone1}"},
       Code::kSuccess,
       {40, 60, 100},
       "addedAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 3, "
       "preference: {matchExpressions: [{key: zone, operator: In, values: [zone1]}]}}]}"},
      {"weight 0 and empty preferences are ignored",
       PodWithSpec("affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: ["
                   "{weight: 0, preference: {matchExpressions: [{key: foo, operator: Exists}]}},"
                   "{weight: 3, preference: {}}]}}"),
       {"{foo: bar}"},
       Code::kSuccess,
       {0}},
      {"preferred matchFields",
       PodWithSpec("affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: ["
                   "{weight: 3, preference: {matchFields: [{key: metadata.name, operator: In, "
                   "values: [machine2]}]}}]}}"),
       {"{}", "{}"},
       Code::kSuccess,
       {0, 100}},
      {"unparsable preferred terms are an error",
       PodWithSpec("affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: ["
                   "{weight: 3, preference: {matchExpressions: [{key: foo, operator: Like}]}}]}}"),
       {"{}"},
       Code::kError,
       {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    auto plugin = WithArgs(c.args ? c.args : "");
    std::vector<NodeInfoPtr> nodes;
    for (size_t i = 0; i < c.labels.size(); ++i) {
      nodes.push_back(NodeWithLabels("machine" + std::to_string(i + 1), c.labels[i]));
    }
    Code pre = Code::kSuccess;
    std::vector<int64_t> got = RunScore(*plugin, *c.pod, nodes, &pre);
    CHECK(pre == c.pre_score);
    CHECK(got == c.want);
  }
}

TEST_CASE("NodeAffinity.PreScore error message") {
  NodeAffinity plugin;
  auto pod = PodWithSpec(
      "affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: ["
      "{weight: 3, preference: {matchExpressions: [{key: foo, operator: Like}]}}]}}");
  CycleState state;
  PluginStatus s = plugin.PreScore(state, *pod, {});
  CHECK(s.code() == Code::kError);
  CHECK(s.Message() ==
        "[0].matchExpressions[0].operator: Unsupported value: \"Like\": supported values: "
        "\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\", \"Gt\", \"Lt\"");
}

TEST_CASE("NewNodeAffinity args") {
  testing::FakeHandle handle;
  SUBCASE("no args") {
    auto plugin = NewNodeAffinity(YAML::Node(), handle);
    REQUIRE(plugin.ok());
    CHECK((*plugin)->Name() == "NodeAffinity");
  }
  SUBCASE("empty addedAffinity") {
    CHECK(NewNodeAffinity(YAML::Load("addedAffinity: {}"), handle).ok());
  }
  SUBCASE("invalid required term") {
    auto plugin = NewNodeAffinity(YAML::Load(R"(
addedAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    nodeSelectorTerms:
    - matchFields: [{key: metadata.name, operator: In, values: [a, b]}]
)"),
                                  handle);
    REQUIRE(!plugin.ok());
    CHECK(plugin.status().reason() == Reason::kBadRequest);
    CHECK(plugin.status().message() ==
          "NodeAffinity: addedAffinity.requiredDuringSchedulingIgnoredDuringExecution."
          "nodeSelectorTerms[0].matchFields[0].values: Invalid value: []string{\"a\", \"b\"}: "
          "must have one element");
  }
  SUBCASE("invalid preferred terms") {
    auto plugin = NewNodeAffinity(YAML::Load(R"(
addedAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
  - weight: 1
    preference:
      matchFields: [{key: metadata.name, operator: Exists}]
  - weight: 1
    preference:
      matchExpressions: [{key: a, operator: Unknown}]
)"),
                                  handle);
    REQUIRE(!plugin.ok());
    CHECK(plugin.status().message() ==
          "NodeAffinity: [addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
          "matchFields[0].operator: Unsupported value: \"Exists\": supported values: \"In\", "
          "\"NotIn\", addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[1]."
          "matchExpressions[0].operator: Unsupported value: \"Unknown\": supported values: "
          "\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\", \"Gt\", \"Lt\"]");
  }
  SUBCASE("unknown field") {
    auto plugin = NewNodeAffinity(YAML::Load("addedAffinty: {}"), handle);
    REQUIRE(!plugin.ok());
    CHECK(plugin.status().message() == "NodeAffinity: unknown field \"addedAffinty\"");
  }
}

}  // namespace
}  // namespace pk::scheduler::plugins
