// PodTopologySpread PreFilter/Filter and the PreFilter extensions, from Kubernetes'
// podtopologyspread/filtering_test.go (TestSingleConstraint, TestMultipleConstraints,
// TestPreFilterState*), plus the args.
#include <doctest/doctest.h>

#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/pod_relations_testing.h"
#include "scheduler/plugins/pod_topology_spread.h"

namespace pk::scheduler::plugins {
namespace {

using testing::Cluster;
using testing::FilterAll;
using testing::MakeNode;
using testing::MakePod;

const std::string kNotMatch(kErrReasonConstraintsNotMatch);
const std::string kMissing = "!" + std::string(kErrReasonNodeLabelNotMatch);

// The incoming pod "p" with labels and a spec given as YAML lines (indented by 2).
PodPtr Incoming(const std::string& labels, const std::string& spec) {
  return testing::PodFromYaml("metadata: {name: p, namespace: default, uid: default/p, labels: " +
                              labels + "}\nspec:\n  containers: [{name: c}]\n" + spec);
}

// One DoNotSchedule constraint on `key` selecting pods with label foo.
std::string FooConstraint(const std::string& key, int max_skew, const std::string& extra = "") {
  return "  topologySpreadConstraints:\n  - {maxSkew: " + std::to_string(max_skew) +
         ", topologyKey: " + key +
         ", whenUnsatisfiable: DoNotSchedule, labelSelector: {matchExpressions: "
         "[{key: foo, operator: Exists}]}" +
         extra + "}\n";
}

PodPtr Terminating(PodPtr p) {
  auto copy = std::make_shared<Pod>(*p);
  copy->mutable_metadata()->mutable_deletion_timestamp()->set_seconds(1);
  return copy;
}

NodePtr Tainted(NodePtr n) {
  auto copy = std::make_shared<Node>(*n);
  auto* t = copy->mutable_spec()->add_taints();
  t->set_key("dedicated");
  t->set_value("x");
  t->set_effect("NoSchedule");
  return copy;
}

// Zones zone1 (node-a, node-b) and zone2 (node-x, node-y); `node` labels the node name.
std::vector<NodePtr> FourNodes() {
  return {MakeNode("node-a", {{"zone", "zone1"}, {"node", "node-a"}}),
          MakeNode("node-b", {{"zone", "zone1"}, {"node", "node-b"}}),
          MakeNode("node-x", {{"zone", "zone2"}, {"node", "node-x"}}),
          MakeNode("node-y", {{"zone", "zone2"}, {"node", "node-y"}})};
}

PodPtr Foo(const std::string& name, const std::string& node, const std::string& ns = "default") {
  return MakePod(name, node, {{"foo", ""}}, ns);
}

struct FilterCase {
  std::string name;
  PodPtr pod;
  std::vector<NodePtr> nodes;
  std::vector<PodPtr> existing;
  std::vector<std::string> want;  // per node: "" fits, else the reason ("!": unresolvable)
};

void RunFilterCases(const std::vector<FilterCase>& cases) {
  for (const auto& tc : cases) {
    INFO(tc.name);
    auto cluster = Cluster(tc.nodes, tc.existing);
    testing::FakeHandle handle(cluster);
    PodTopologySpread plugin({}, handle);
    CycleState state;
    PluginStatus pre = plugin.PreFilter(state, *tc.pod, nullptr);
    REQUIRE_MESSAGE(pre.ok(), pre.Message());
    CHECK(FilterAll(plugin, state, *tc.pod, cluster) == tc.want);
  }
}

TEST_CASE("PodTopologySpread Filter: one constraint") {
  auto two_zones = [] {
    return std::vector<NodePtr>{MakeNode("node-a", {{"zone", "zone1"}, {"env", "prod"}}),
                                MakeNode("node-x", {{"zone", "zone2"}})};
  };
  auto node_keyed = [] {
    return std::vector<NodePtr>{MakeNode("node-a", {{"node", "node-a"}}),
                                MakeNode("node-b", {{"node", "node-b"}}),
                                MakeNode("node-x", {{"node", "node-x"}})};
  };
  RunFilterCases({
      {"no existing pods",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       FourNodes(),
       {},
       {"", "", "", ""}},
      {"no existing pods, the pod does not match itself",
       Incoming("{bar: ''}", FooConstraint("zone", 1)),
       FourNodes(),
       {},
       {"", "", "", ""}},
      {"existing pods in a different namespace do not count",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       FourNodes(),
       {Foo("p-a1", "node-a", "ns1"), Foo("p-b1", "node-b", "ns1"), Foo("p-x1", "node-x")},
       {"", "", kNotMatch, kNotMatch}},
      {"pods spread across zones as 3/3, all nodes fit",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       FourNodes(),
       {Foo("p-a1", "node-a"), Foo("p-a2", "node-a"), Foo("p-b1", "node-b"), Foo("p-x1", "node-x"),
        Foo("p-y1", "node-y"), Foo("p-y2", "node-y")},
       {"", "", "", ""}},
      {"pods spread across zones as 3/1, only zone2 fits",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       FourNodes(),
       {Foo("p-a1", "node-a"), Foo("p-a2", "node-a"), Foo("p-b1", "node-b"), Foo("p-y1", "node-y")},
       {kNotMatch, kNotMatch, "", ""}},
      {"pods spread across nodes as 2/1/0/3, only the empty node fits",
       Incoming("{foo: ''}", FooConstraint("node", 1)),
       FourNodes(),
       {Foo("p-a1", "node-a"), Foo("p-a2", "node-a"), Foo("p-b1", "node-b"), Foo("p-y1", "node-y"),
        Foo("p-y2", "node-y"), Foo("p-y3", "node-y")},
       {kNotMatch, kNotMatch, "", kNotMatch}},
      {"a node without the topology key is unresolvable",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       {MakeNode("node-a", {{"zone", "zone1"}}), MakeNode("node-b", {{"node", "node-b"}})},
       {},
       {"", kMissing}},
      {"terminating pods do not count",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       FourNodes(),
       {Terminating(Foo("p-a1", "node-a")), Terminating(Foo("p-a2", "node-a"))},
       {"", "", "", ""}},
      {"pods spread as 2/2/1, maxSkew 2, fewer domains than minDomains: global minimum is 0",
       Incoming("{foo: ''}", FooConstraint("node", 2, ", minDomains: 4")),
       node_keyed(),
       {Foo("p-a1", "node-a"), Foo("p-a2", "node-a"), Foo("p-b1", "node-b"), Foo("p-b2", "node-b"),
        Foo("p-x1", "node-x")},
       {kNotMatch, kNotMatch, ""}},
      {"pods spread as 2/2/1, maxSkew 2, as many domains as minDomains",
       Incoming("{foo: ''}", FooConstraint("node", 2, ", minDomains: 3")),
       node_keyed(),
       {Foo("p-a1", "node-a"), Foo("p-a2", "node-a"), Foo("p-b1", "node-b"), Foo("p-b2", "node-b"),
        Foo("p-x1", "node-x")},
       {"", "", ""}},
      {"nodeAffinityPolicy Honor: nodes outside the pod's nodeSelector do not count",
       Incoming("{foo: ''}", FooConstraint("zone", 1) + "  nodeSelector: {env: prod}\n"),
       two_zones(),
       {Foo("p-a1", "node-a")},
       {"", ""}},
      {"nodeAffinityPolicy Honor with required node affinity",
       Incoming("{foo: ''}", FooConstraint("zone", 1) +
                                 "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnored"
                                 "DuringExecution: {nodeSelectorTerms: [{matchExpressions: "
                                 "[{key: env, operator: In, values: [prod]}]}]}}}\n"),
       two_zones(),
       {Foo("p-a1", "node-a")},
       {"", ""}},
      {"nodeAffinityPolicy Ignore: every node counts",
       Incoming("{foo: ''}", FooConstraint("zone", 1, ", nodeAffinityPolicy: Ignore") +
                                 "  nodeSelector: {env: prod}\n"),
       two_zones(),
       {Foo("p-a1", "node-a")},
       {kNotMatch, ""}},
      {"nodeTaintsPolicy Ignore (default): tainted nodes count",
       Incoming("{foo: ''}", FooConstraint("zone", 1)),
       {MakeNode("node-a", {{"zone", "zone1"}}), Tainted(MakeNode("node-x", {{"zone", "zone2"}}))},
       {Foo("p-a1", "node-a")},
       {kNotMatch, ""}},
      {"nodeTaintsPolicy Honor: nodes with untolerated taints do not count",
       Incoming("{foo: ''}", FooConstraint("zone", 1, ", nodeTaintsPolicy: Honor")),
       {MakeNode("node-a", {{"zone", "zone1"}}), Tainted(MakeNode("node-x", {{"zone", "zone2"}}))},
       {Foo("p-a1", "node-a")},
       {"", ""}},
      {"nodeTaintsPolicy Honor: tolerated taints count",
       Incoming("{foo: ''}", FooConstraint("zone", 1, ", nodeTaintsPolicy: Honor") +
                                 "  tolerations: [{key: dedicated, operator: Exists}]\n"),
       {MakeNode("node-a", {{"zone", "zone1"}}), Tainted(MakeNode("node-x", {{"zone", "zone2"}}))},
       {Foo("p-a1", "node-a")},
       {kNotMatch, ""}},
      {"matchLabelKeys: pods of another revision do not count",
       Incoming("{foo: '', rev: '2'}", FooConstraint("zone", 1, ", matchLabelKeys: [rev]")),
       FourNodes(),
       {MakePod("p-a1", "node-a", {{"foo", ""}, {"rev", "1"}}),
        MakePod("p-a2", "node-a", {{"foo", ""}, {"rev", "1"}})},
       {"", "", "", ""}},
      {"without matchLabelKeys every revision counts",
       Incoming("{foo: '', rev: '2'}", FooConstraint("zone", 1)),
       FourNodes(),
       {MakePod("p-a1", "node-a", {{"foo", ""}, {"rev", "1"}}),
        MakePod("p-a2", "node-a", {{"foo", ""}, {"rev", "1"}})},
       {kNotMatch, kNotMatch, "", ""}},
  });
}

TEST_CASE("PodTopologySpread Filter: two constraints") {
  RunFilterCases({
      {"zone 3/3 and node 2/1/0/3: only node-x fits both",
       Incoming("{foo: ''}", FooConstraint("zone", 1) +
                                 "  - {maxSkew: 1, topologyKey: node, whenUnsatisfiable: "
                                 "DoNotSchedule, labelSelector: {matchLabels: {foo: ''}}}\n"),
       FourNodes(),
       {Foo("p-a1", "node-a"), Foo("p-a2", "node-a"), Foo("p-b1", "node-b"), Foo("p-y1", "node-y"),
        Foo("p-y2", "node-y"), Foo("p-y3", "node-y")},
       {kNotMatch, kNotMatch, "", kNotMatch}},
      {"ScheduleAnyway constraints are not filtered on",
       Incoming("{foo: ''}",
                "  topologySpreadConstraints:\n  - {maxSkew: 1, topologyKey: zone, "
                "whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {foo: ''}}}\n" +
                    FooConstraint("node", 1).substr(
                        std::string("  topologySpreadConstraints:\n").size())),
       FourNodes(),
       {Foo("p-a1", "node-a"), Foo("p-b1", "node-b"), Foo("p-b2", "node-b")},
       {kNotMatch, kNotMatch, "", ""}},
  });
}

TEST_CASE("PodTopologySpread PreFilter skips pods without DoNotSchedule constraints") {
  testing::FakeHandle handle(Cluster(FourNodes(), {}));
  PodTopologySpread plugin({}, handle);
  CycleState state;
  CHECK(plugin.PreFilter(state, *Incoming("{foo: ''}", ""), nullptr).IsSkip());
  CHECK(plugin.Filter(state, *Incoming("{foo: ''}", ""), *handle.snapshot().nodes()[0]).code() ==
        Code::kError);
}

TEST_CASE("PodTopologySpread default constraints apply to pods selected by a service") {
  PodTopologySpreadArgs args;
  args.defaulting_type = PodTopologySpreadArgs::Defaulting::kList;
  args.default_constraints.resize(1);
  args.default_constraints[0].set_max_skew(1);
  args.default_constraints[0].set_topology_key("zone");
  args.default_constraints[0].set_when_unsatisfiable("DoNotSchedule");
  auto cluster = Cluster(FourNodes(), {Foo("p-a1", "node-a"), Foo("p-a2", "node-a")});
  testing::FakeHandle handle(cluster);
  PodPtr pod = Incoming("{foo: ''}", "");

  SUBCASE("selected: the service's selector spreads it") {
    PodTopologySpread plugin(args, handle,
                             [](const Pod&) { return LabelSelector::Parse("foo").value(); });
    CycleState state;
    REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
    CHECK(FilterAll(plugin, state, *pod, cluster) ==
          std::vector<std::string>{kNotMatch, kNotMatch, "", ""});
  }
  SUBCASE("not selected by any service or controller: no constraints") {
    PodTopologySpread plugin(args, handle, [](const Pod&) { return LabelSelector(); });
    CycleState state;
    CHECK(plugin.PreFilter(state, *pod, nullptr).IsSkip());
  }
  SUBCASE("system defaults are ScheduleAnyway only: nothing to filter") {
    PodTopologySpread plugin({}, handle,
                             [](const Pod&) { return LabelSelector::Parse("foo").value(); });
    CycleState state;
    CHECK(plugin.PreFilter(state, *pod, nullptr).IsSkip());
  }
}

// Zones 1/1: every node fits. The extensions change a clone only.
TEST_CASE("PodTopologySpread AddPod/RemovePod update a cloned state") {
  auto cluster = Cluster(FourNodes(), {Foo("p-a1", "node-a"), Foo("p-x1", "node-x")});
  testing::FakeHandle handle(cluster);
  PodTopologySpread plugin({}, handle);
  CHECK(plugin.HasExtensions());
  PodPtr pod = Incoming("{foo: ''}", FooConstraint("zone", 1));
  CycleState state;
  REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
  const std::vector<std::string> all_fit{"", "", "", ""};
  REQUIRE(FilterAll(plugin, state, *pod, cluster) == all_fit);

  SUBCASE("adding a matching pod to zone1 leaves only zone2") {
    auto clone = state.Clone();
    PodInfo added(Foo("p-new", "node-a"));
    REQUIRE(plugin.AddPod(*clone, *pod, added, *cluster[0]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) ==
          std::vector<std::string>{kNotMatch, kNotMatch, "", ""});
    CHECK(FilterAll(plugin, state, *pod, cluster) == all_fit);
  }
  SUBCASE("removing zone2's pod leaves only zone2") {
    auto clone = state.Clone();
    PodInfo removed(Foo("p-x1", "node-x"));
    REQUIRE(plugin.RemovePod(*clone, *pod, removed, *cluster[2]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) ==
          std::vector<std::string>{kNotMatch, kNotMatch, "", ""});
    REQUIRE(plugin.AddPod(*clone, *pod, removed, *cluster[2]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) == all_fit);
  }
  SUBCASE("pods of another namespace or not selected change nothing") {
    auto clone = state.Clone();
    PodInfo other_ns(Foo("p-new", "node-a", "ns1"));
    PodInfo unselected(MakePod("p-bar", "node-a", {{"bar", ""}}));
    REQUIRE(plugin.AddPod(*clone, *pod, other_ns, *cluster[0]).ok());
    REQUIRE(plugin.AddPod(*clone, *pod, unselected, *cluster[0]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) == all_fit);
  }
}

// The nodes a constraint counts with nodeAffinityPolicy Honor (nodeaffinity.RequiredNodeAffinity).
TEST_CASE("spread::MatchesRequiredNodeAffinity") {
  NodePtr node = MakeNode("node-a", {{"zone", "zone1"}, {"cpus", "8"}});
  auto affinity = [](const std::string& terms) {
    return Incoming("{}",
                    "  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuring"
                    "Execution: {nodeSelectorTerms: [" +
                        terms + "]}}}\n");
  };
  auto expr = [](const std::string& e) { return "{matchExpressions: [" + e + "]}"; };
  struct Case {
    std::string name;
    PodPtr pod;
    bool want;
  };
  for (const Case& c : std::vector<Case>{
           {"no constraints", Incoming("{}", ""), true},
           {"nodeSelector matches", Incoming("{}", "  nodeSelector: {zone: zone1}\n"), true},
           {"nodeSelector differs", Incoming("{}", "  nodeSelector: {zone: zone2}\n"), false},
           {"In", affinity(expr("{key: zone, operator: In, values: [zone1, zone2]}")), true},
           {"NotIn", affinity(expr("{key: zone, operator: NotIn, values: [zone1]}")), false},
           {"Exists", affinity(expr("{key: zone, operator: Exists}")), true},
           {"DoesNotExist", affinity(expr("{key: gpu, operator: DoesNotExist}")), true},
           {"Gt", affinity(expr("{key: cpus, operator: Gt, values: ['4']}")), true},
           {"Lt", affinity(expr("{key: cpus, operator: Lt, values: ['4']}")), false},
           {"matchFields metadata.name",
            affinity("{matchFields: [{key: metadata.name, operator: In, values: [node-a]}]}"),
            true},
           {"an empty term matches nothing", affinity("{}"), false},
           {"terms are ORed; a term that does not parse is ignored",
            affinity(expr("{key: zone, operator: In}") + ", " +
                     expr("{key: zone, operator: Exists}")),
            true},
           {"a term's requirements are ANDed",
            affinity(expr("{key: zone, operator: Exists}, {key: gpu, operator: Exists}")), false},
       }) {
    INFO(c.name);
    CHECK(spread::MatchesRequiredNodeAffinity(*c.pod, *node) == c.want);
  }
}

TEST_CASE("CriticalPaths keeps the minimum first") {
  CriticalPaths p;
  p.Update("zone1", 3);
  p.Update("zone2", 1);
  p.Update("zone3", 2);
  CHECK(p.paths[0].topology_value == "zone2");
  CHECK(p.paths[0].match_num == 1);
  CHECK(p.paths[1].topology_value == "zone3");
  p.Update("zone2", 4);  // an existing path grows: the two swap
  CHECK(p.paths[0].topology_value == "zone3");
  CHECK(p.paths[0].match_num == 2);
}

TEST_CASE("PodTopologySpreadArgs") {
  auto parse = [](const std::string& yaml) {
    return PodTopologySpreadArgs::Parse(YAML::Load(yaml));
  };
  SUBCASE("defaults: System") {
    auto args = PodTopologySpreadArgs::Parse(YAML::Node());
    REQUIRE(args.ok());
    CHECK(args->defaulting_type == PodTopologySpreadArgs::Defaulting::kSystem);
  }
  SUBCASE("List with constraints") {
    auto args = parse(
        "{defaultingType: List, defaultConstraints: [{maxSkew: 2, topologyKey: zone, "
        "whenUnsatisfiable: ScheduleAnyway}]}");
    REQUIRE_MESSAGE(args.ok(), args.status().message());
    REQUIRE(args->default_constraints.size() == 1);
    CHECK(args->default_constraints[0].max_skew() == 2);
    CHECK(args->default_constraints[0].topology_key() == "zone");
  }
  struct Bad {
    std::string yaml, want;
  };
  for (const Bad& b : std::vector<Bad>{
           {"{defaultingType: Foo}",
            "defaultingType: Unsupported value: \"Foo\": supported values: \"System\", \"List\""},
           {"{defaultConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: "
            "DoNotSchedule}]}",
            "defaultingType: Invalid value: \"System\": when .defaultConstraints are not empty"},
           {"{defaultingType: List, defaultConstraints: [{maxSkew: 0, topologyKey: zone, "
            "whenUnsatisfiable: DoNotSchedule}]}",
            "defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)"},
           {"{defaultingType: List, defaultConstraints: [{maxSkew: 1, whenUnsatisfiable: "
            "DoNotSchedule}]}",
            "defaultConstraints[0].topologyKey: Required value: can not be empty"},
           {"{defaultingType: List, defaultConstraints: [{maxSkew: 1, topologyKey: zone, "
            "whenUnsatisfiable: Never}]}",
            "defaultConstraints[0].whenUnsatisfiable: Unsupported value: \"Never\": supported "
            "values: \"DoNotSchedule\", \"ScheduleAnyway\""},
           {"{defaultingType: List, defaultConstraints: [{maxSkew: 1, topologyKey: zone, "
            "whenUnsatisfiable: DoNotSchedule, labelSelector: {}}]}",
            "defaultConstraints[0].labelSelector: Forbidden: constraint must not define a "
            "selector, as they deduced for each pod"},
           {"{defaultingType: List, defaultConstraints: [{maxSkew: 1, topologyKey: zone, "
            "whenUnsatisfiable: DoNotSchedule}, {maxSkew: 2, topologyKey: zone, "
            "whenUnsatisfiable: DoNotSchedule}]}",
            "defaultConstraints[1]: Duplicate value: \"{zone, DoNotSchedule}\""},
       }) {
    INFO(b.yaml);
    auto args = parse(b.yaml);
    REQUIRE_FALSE(args.ok());
    CHECK(args.status().message() == b.want);
  }
}

TEST_CASE("NewPodTopologySpread") {
  testing::FakeHandle handle;
  auto plugin = NewPodTopologySpread(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "PodTopologySpread");
  auto bad = NewPodTopologySpread(YAML::Load("{defaultingType: Foo}"), handle);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().starts_with("PodTopologySpread: defaultingType: Unsupported"));
}

}  // namespace
}  // namespace pk::scheduler::plugins
