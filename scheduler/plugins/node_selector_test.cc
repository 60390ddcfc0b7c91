#include "scheduler/plugins/node_selector.h"

#include <doctest/doctest.h>

#include "scheduler/framework/testing.h"

namespace pk::scheduler::plugins {
namespace {

k8s::core::v1::NodeSelector SelectorFromYaml(const std::string& terms) {
  auto pod = testing::PodFromYaml(
      "metadata: {name: p}\nspec: {affinity: {nodeAffinity: "
      "{requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: " +
      terms + "}}}}");
  return pod->spec()
      .affinity()
      .node_affinity()
      .required_during_scheduling_ignored_during_execution();
}

// Cases of component-helpers' nodeaffinity_test.go (TestNodeSelectorMatch).
TEST_CASE("NodeSelector.Parse and Matches") {
  struct Case {
    const char* name;
    std::string terms;
    std::string error;  // empty: parses
    bool matches = false;
  };
  const std::string node = "metadata: {name: host_1, labels: {label_1: label_1_val, label_2: '5'}}";
  const Case cases[] = {
      {"nil terms", "[]", "", false},
      {"nil terms and nil node", "[{}]", "", false},
      {"invalid field selector and label selector",
       "[{matchFields: [{key: metadata.name, operator: In, values: [host_1, host_2]}]}, "
       "{matchExpressions: [{key: label_1, operator: In, values: [label_1_val]}], "
       "matchFields: [{key: metadata.name, operator: In, values: [host_1]}]}, "
       "{matchExpressions: [{key: 'invalid key', operator: In, values: [label_value]}]}]",
       "[nodeSelectorTerms[0].matchFields[0].values: Invalid value: []string{\"host_1\", "
       "\"host_2\"}: must have one element, nodeSelectorTerms[2].matchExpressions[0].key: "
       "Invalid value: \"invalid key\": "},
      {"node matches field selector, but not labels",
       "[{matchExpressions: [{key: label_3, operator: In, values: [label_val]}], "
       "matchFields: [{key: metadata.name, operator: In, values: [host_1]}]}]",
       "", false},
      {"node matches field selector and label selector",
       "[{matchExpressions: [{key: label_1, operator: In, values: [label_1_val]}], "
       "matchFields: [{key: metadata.name, operator: In, values: [host_1]}]}]",
       "", true},
      {"second term matches",
       "[{matchExpressions: [{key: label_1, operator: In, values: [label_2_val]}]}, "
       "{matchFields: [{key: metadata.name, operator: In, values: [host_1]}]}]",
       "", true},
      {"Gt", "[{matchExpressions: [{key: label_2, operator: Gt, values: ['4']}]}]", "", true},
      {"Lt", "[{matchExpressions: [{key: label_2, operator: Lt, values: ['5']}]}]", "", false},
      {"Gt needs one value",
       "[{matchExpressions: [{key: label_2, operator: Gt, values: ['4', '5']}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: []string{\"4\", \"5\"}: "
       "for 'Gt', 'Lt' operators, exactly one value is required"},
      {"Gt needs an integer",
       "[{matchExpressions: [{key: label_2, operator: Gt, values: [four]}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].values[0]: Invalid value: \"four\": for 'Gt', "
       "'Lt' operators, the value must be an integer"},
      {"Gt with a negative integer",
       "[{matchExpressions: [{key: label_2, operator: Gt, values: ['-4']}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].values[0][label_2]: Invalid value: \"-4\": "},
      {"a key with query syntax is rejected",
       "[{matchExpressions: [{key: 'a,b', operator: Gt, values: ['4']}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].key: Invalid value: \"a,b\": "},
      {"In with an invalid key", "[{matchExpressions: [{key: 'a b', operator: In, values: [x]}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].key: Invalid value: \"a b\": "},
      {"In without values", "[{matchExpressions: [{key: a, operator: In}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: []string(nil): for 'in', "
       "'notin' operators, values set can't be empty"},
      {"Exists with values", "[{matchExpressions: [{key: a, operator: Exists, values: [x]}]}]",
       "nodeSelectorTerms[0].matchExpressions[0].values: Invalid value: []string{\"x\"}: values "
       "set must be empty for exists and does not exist"},
      {"field NotIn", "[{matchFields: [{key: metadata.name, operator: NotIn, values: [host_2]}]}]",
       "", true},
      {"unknown field is empty",
       "[{matchFields: [{key: metadata.uid, operator: In, values: [x]}]}]", "", false},
      {"field operator", "[{matchFields: [{key: metadata.name, operator: Exists}]}]",
       "nodeSelectorTerms[0].matchFields[0].operator: Unsupported value: \"Exists\": supported "
       "values: \"In\", \"NotIn\""},
  };
  auto n = testing::NodeFromYaml(node);
  for (const Case& c : cases) {
    CAPTURE(std::string(c.name));
    auto selector = SelectorFromYaml(c.terms);
    auto parsed = NodeSelector::Parse(selector);
    if (c.error.empty()) {
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      CHECK(parsed->Matches(*n) == c.matches);
    } else {
      REQUIRE(!parsed.ok());
      CHECK_MESSAGE(parsed.status().message().rfind(c.error, 0) == 0, parsed.status().message());
    }
    // The lazy flavour never fails; terms that do not parse match nothing.
    NodeSelector lazy = NodeSelector::Lazy(selector);
    if (c.error.empty()) CHECK(lazy.Matches(*n) == c.matches);
  }
}

TEST_CASE("NodeSelector.Lazy: a bad term does not spoil the others") {
  auto selector = SelectorFromYaml(
      "[{matchExpressions: [{key: a, operator: Bad}]}, {matchExpressions: [{key: a, operator: "
      "Exists}]}]");
  CHECK(NodeSelector::Lazy(selector).Matches(
      *testing::NodeFromYaml("metadata: {name: n, labels: {a: b}}")));
  CHECK(!NodeSelector::Parse(selector).ok());
}

TEST_CASE("Field requirements are ignored for a node without a name") {
  auto selector =
      SelectorFromYaml("[{matchFields: [{key: metadata.name, operator: In, values: [x]}]}]");
  CHECK(NodeSelector::Lazy(selector).Matches(*testing::NodeFromYaml("metadata: {labels: {a: b}}")));
}

// Cases of component-helpers' TestPreferredSchedulingTermsScore.
TEST_CASE("PreferredSchedulingTerms.Score") {
  auto pod = testing::PodFromYaml(R"(
metadata: {name: p}
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - {weight: 5, preference: {matchExpressions: [{key: foo, operator: In, values: [bar]}]}}
      - {weight: 7, preference: {matchFields: [{key: metadata.name, operator: In, values: [n1]}]}}
      - {weight: 9, preference: {}}
      - {weight: 0, preference: {matchExpressions: [{key: foo, operator: Exists}]}}
)");
  auto terms =
      PreferredSchedulingTerms::Parse(pod->spec()
                                          .affinity()
                                          .node_affinity()
                                          .preferred_during_scheduling_ignored_during_execution());
  REQUIRE(terms.ok());
  CHECK(terms->Score(*testing::NodeFromYaml("metadata: {name: n1, labels: {foo: bar}}")) == 12);
  CHECK(terms->Score(*testing::NodeFromYaml("metadata: {name: n2, labels: {foo: bar}}")) == 5);
  CHECK(terms->Score(*testing::NodeFromYaml("metadata: {name: n1}")) == 7);
  CHECK(terms->Score(*testing::NodeFromYaml("metadata: {name: n2}")) == 0);
}

TEST_CASE("RequiredNodeAffinity") {
  struct Case {
    const char* pod_spec;
    const char* node;
    bool want;
  };
  const Case cases[] = {
      {"{}", "metadata: {name: n}", true},
      {"{nodeSelector: {a: b}}", "metadata: {name: n, labels: {a: b}}", true},
      {"{nodeSelector: {a: b}}", "metadata: {name: n, labels: {a: c}}", false},
      {"{affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
       "{nodeSelectorTerms: []}}}}",
       "metadata: {name: n}", false},
      {"{nodeSelector: {a: b}, affinity: {nodeAffinity: "
       "{requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: "
       "[{key: c, operator: DoesNotExist}]}]}}}}",
       "metadata: {name: n, labels: {a: b}}", true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pod_spec);
    auto pod = testing::PodFromYaml(std::string("metadata: {name: p}\nspec: ") + c.pod_spec);
    CHECK(RequiredNodeAffinity(*pod).Matches(*testing::NodeFromYaml(c.node)) == c.want);
  }
}

TEST_CASE("AggregateErrors") {
  CHECK(AggregateErrors({"a"}) == "a");
  CHECK(AggregateErrors({"a", "b"}) == "[a, b]");
  CHECK(AggregateErrors({"a", "a"}) == "a");
}

}  // namespace
}  // namespace pk::scheduler::plugins
