// InterPodAffinity PreFilter/Filter and the PreFilter extensions, from Kubernetes'
// interpodaffinity/filtering_test.go (TestRequiredAffinitySingleNode/MultipleNodes,
// TestPreFilterStateAddRemovePod).
#include <doctest/doctest.h>

#include "scheduler/plugins/inter_pod_affinity.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/pod_relations_testing.h"

namespace pk::scheduler::plugins {
namespace {

using testing::Cluster;
using testing::FilterAll;
using testing::MakeNode;
using testing::MakePod;

const std::string kAffinity = "!" + std::string(kErrReasonAffinityRulesNotMatch);
const std::string kAnti(kErrReasonAntiAffinityRulesNotMatch);
const std::string kExisting(kErrReasonExistingAntiAffinityRulesNotMatch);

// A pod with `labels` (flow YAML) and `affinity` (flow YAML of spec.affinity, "" for none).
PodPtr PodWith(const std::string& name, const std::string& node, const std::string& labels,
               const std::string& affinity, const std::string& ns = "default") {
  std::string yaml = "metadata: {name: " + name + ", namespace: " + ns + ", uid: " + ns + "/" +
                     name + ", labels: " + labels + "}\nspec: {nodeName: '" + node +
                     "', containers: [{name: c}]" +
                     (affinity.empty() ? "" : ", affinity: " + affinity) + "}";
  return testing::PodFromYaml(yaml);
}

// One required term selecting `security` in `values` over `key`, with `extra` fields.
std::string Term(const std::string& values, const std::string& key, const std::string& extra = "") {
  return "{labelSelector: {matchExpressions: [{key: security, operator: In, values: [" + values +
         "]}]}, topologyKey: '" + key + "'" + extra + "}";
}
std::string Affinity(const std::string& terms) {
  return "{podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [" + terms + "]}}";
}
std::string AntiAffinity(const std::string& terms) {
  return "{podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [" + terms + "]}}";
}

PodPtr S(const std::string& name, const std::string& node, const std::string& value,
         const std::string& ns = "default") {
  return MakePod(name, node, {{"security", value}}, ns);
}

// region r1: node1 (zone z11), node2 (zone z12); region r2: node3 (zone z21); node4: neither.
std::vector<NodePtr> Nodes() {
  const std::string h = "kubernetes.io/hostname";
  return {MakeNode("node1", {{"region", "r1"}, {"zone", "z11"}, {h, "node1"}}),
          MakeNode("node2", {{"region", "r1"}, {"zone", "z12"}, {h, "node2"}}),
          MakeNode("node3", {{"region", "r2"}, {"zone", "z21"}, {h, "node3"}}),
          MakeNode("node4", {{h, "node4"}})};
}

struct FilterCase {
  std::string name;
  PodPtr pod;
  std::vector<PodPtr> existing;
  std::vector<std::string> want;  // node1..node4: "" fits, else the reason ("!": unresolvable)
  NamespaceLabels namespaces = {};
};

// Runs PreFilter and Filter on every node; a skipped PreFilter means every node fits.
std::vector<std::string> Run(const FilterCase& tc) {
  auto cluster = Cluster(Nodes(), tc.existing);
  testing::FakeHandle handle(cluster, tc.namespaces);
  InterPodAffinity plugin({}, handle);
  CycleState state;
  PluginStatus pre = plugin.PreFilter(state, *tc.pod, nullptr);
  if (pre.IsSkip()) return std::vector<std::string>(cluster.size());
  REQUIRE_MESSAGE(pre.ok(), pre.Message());
  return FilterAll(plugin, state, *tc.pod, cluster);
}

TEST_CASE("InterPodAffinity Filter: the pod's required affinity") {
  std::vector<FilterCase> cases{
      {"affinity to a zone: only the zone of the matching pod",
       PodWith("p", "", "{}", Affinity(Term("S1", "zone"))),
       {S("e", "node1", "S1")},
       {"", kAffinity, kAffinity, kAffinity}},
      {"affinity to a region: every node of the region",
       PodWith("p", "", "{}", Affinity(Term("S1", "region"))),
       {S("e", "node1", "S1")},
       {"", "", kAffinity, kAffinity}},
      {"no pod matches and the pod does not match itself",
       PodWith("p", "", "{}", Affinity(Term("S1", "region"))),
       {S("e", "node1", "S2")},
       {kAffinity, kAffinity, kAffinity, kAffinity}},
      {"the first pod of a group matching its own term fits where the key exists",
       PodWith("p", "", "{security: S1}", Affinity(Term("S1", "zone"))),
       {},
       {"", "", "", kAffinity}},
      {"a pod matching its own term must follow the pods that match elsewhere",
       PodWith("p", "", "{security: S1}", Affinity(Term("S1", "zone"))),
       {S("e", "node3", "S1")},
       {kAffinity, kAffinity, "", kAffinity}},
      {"pods of other namespaces do not match a term without namespaces",
       PodWith("p", "", "{}", Affinity(Term("S1", "region"))),
       {S("e", "node1", "S1", "ns1")},
       {kAffinity, kAffinity, kAffinity, kAffinity}},
      {"a term's namespaces",
       PodWith("p", "", "{}", Affinity(Term("S1", "region", ", namespaces: [ns1]"))),
       {S("e", "node1", "S1", "ns1")},
       {"", "", kAffinity, kAffinity}},
      {"a term's namespaceSelector selects namespaces by their labels",
       PodWith("p", "", "{}",
               Affinity(Term("S1", "region", ", namespaceSelector: {matchLabels: {team: a}}"))),
       {S("e", "node1", "S1", "ns1"), S("f", "node3", "S1", "ns2")},
       {"", "", kAffinity, kAffinity},
       {{"ns1", {{"team", "a"}}}, {"ns2", {{"team", "b"}}}}},
      {"an empty namespaceSelector selects every namespace",
       PodWith("p", "", "{}", Affinity(Term("S1", "zone", ", namespaceSelector: {}"))),
       {S("e", "node3", "S1", "ns2")},
       {kAffinity, kAffinity, "", kAffinity}},
      {"every term must be matched by the same pod",
       PodWith("p", "", "{}",
               Affinity(Term("S1", "zone") +
                        ", {labelSelector: {matchLabels: {team: a}}, topologyKey: zone}")),
       {S("e", "node1", "S1"), MakePod("f", "node2", {{"security", "S1"}, {"team", "a"}})},
       {kAffinity, "", kAffinity, kAffinity}},
  };
  for (const auto& tc : cases) {
    INFO(tc.name);
    CHECK(Run(tc) == tc.want);
  }
}

TEST_CASE("InterPodAffinity Filter: anti-affinity") {
  std::vector<FilterCase> cases{
      {"the pod's anti-affinity on hostname",
       PodWith("p", "", "{}", AntiAffinity(Term("S1", "kubernetes.io/hostname"))),
       {S("e", "node1", "S1")},
       {kAnti, "", "", ""}},
      {"the pod's anti-affinity on region",
       PodWith("p", "", "{}", AntiAffinity(Term("S1", "region"))),
       {S("e", "node1", "S1")},
       {kAnti, kAnti, "", ""}},
      {"the pod's anti-affinity matching no pod",
       PodWith("p", "", "{}", AntiAffinity(Term("S1", "region"))),
       {S("e", "node1", "S2")},
       {"", "", "", ""}},
      {"an existing pod's anti-affinity matching the pod",
       PodWith("p", "", "{security: S1}", ""),
       {PodWith("e", "node1", "{app: db}", AntiAffinity(Term("S1", "region")))},
       {kExisting, kExisting, "", ""}},
      {"an existing pod's anti-affinity term covers its own namespace only",
       PodWith("p", "", "{security: S1}", ""),
       {PodWith("e", "node1", "{app: db}", AntiAffinity(Term("S1", "region")), "ns1")},
       {"", "", "", ""}},
      {"an existing pod's anti-affinity with a namespaceSelector matching the pod's namespace",
       PodWith("p", "", "{security: S1}", ""),
       {PodWith("e", "node3", "{app: db}",
                AntiAffinity(Term("S1", "zone", ", namespaceSelector: {matchLabels: {t: x}}")),
                "ns1")},
       {"", "", kExisting, ""},
       {{"default", {{"t", "x"}}}}},
      {"affinity is checked first, then the pod's anti-affinity",
       PodWith("p", "", "{}",
               "{podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [" +
                   Term("S1", "region") +
                   "]}, podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [" +
                   Term("S2", "zone") + "]}}"),
       {S("e", "node1", "S1"), S("f", "node2", "S2")},
       {"", kAnti, kAffinity, kAffinity}},
  };
  for (const auto& tc : cases) {
    INFO(tc.name);
    CHECK(Run(tc) == tc.want);
  }
}

TEST_CASE("InterPodAffinity PreFilter") {
  auto cluster = Cluster(Nodes(), {S("e", "node1", "S1")});
  testing::FakeHandle handle(cluster);
  InterPodAffinity plugin({}, handle);
  CycleState state;
  SUBCASE("skips a pod without required terms when no existing anti-affinity matches it") {
    CHECK(plugin.PreFilter(state, *PodWith("p", "", "{security: S1}", ""), nullptr).IsSkip());
  }
  SUBCASE("a selector that does not parse is unresolvable") {
    PodPtr bad = PodWith("p", "", "{}",
                         Affinity("{labelSelector: {matchExpressions: [{key: a, operator: "
                                  "Bogus}]}, topologyKey: zone}"));
    PluginStatus s = plugin.PreFilter(state, *bad, nullptr);
    CHECK(s.code() == Code::kUnschedulableAndUnresolvable);
    CHECK(s.Message().starts_with("parsing pod: "));
  }
  SUBCASE("Filter without PreFilter is an error") {
    CHECK(plugin.Filter(state, *PodWith("p", "", "{}", ""), *cluster[0]).code() == Code::kError);
  }
}

TEST_CASE("InterPodAffinity AddPod/RemovePod update a cloned state") {
  auto anti_holder = PodWith("h", "node1", "{app: db}", AntiAffinity(Term("S1", "zone")));
  auto cluster = Cluster(Nodes(), {S("e", "node1", "S1")});
  testing::FakeHandle handle(cluster);
  InterPodAffinity plugin({}, handle);
  CHECK(plugin.HasExtensions());

  SUBCASE("the pod's anti-affinity") {
    PodPtr pod = PodWith("p", "", "{}", AntiAffinity(Term("S1", "kubernetes.io/hostname")));
    CycleState state;
    REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
    auto clone = state.Clone();
    PodInfo removed(S("e", "node1", "S1"));
    REQUIRE(plugin.RemovePod(*clone, *pod, removed, *cluster[0]).ok());
    PodInfo added(S("n", "node2", "S1"));
    REQUIRE(plugin.AddPod(*clone, *pod, added, *cluster[1]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) == std::vector<std::string>{"", kAnti, "", ""});
    CHECK(FilterAll(plugin, state, *pod, cluster) == std::vector<std::string>{kAnti, "", "", ""});
  }
  SUBCASE("the pod's affinity") {
    PodPtr pod = PodWith("p", "", "{}", Affinity(Term("S1", "zone")));
    CycleState state;
    REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
    auto clone = state.Clone();
    PodInfo removed(S("e", "node1", "S1"));
    REQUIRE(plugin.RemovePod(*clone, *pod, removed, *cluster[0]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) ==
          std::vector<std::string>{kAffinity, kAffinity, kAffinity, kAffinity});
    PodInfo added(S("n", "node3", "S1"));
    REQUIRE(plugin.AddPod(*clone, *pod, added, *cluster[2]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) ==
          std::vector<std::string>{kAffinity, kAffinity, "", kAffinity});
  }
  SUBCASE("existing pods' anti-affinity") {
    PodPtr pod = PodWith("p", "", "{security: S1}", AntiAffinity(Term("S9", "zone")));
    CycleState state;
    REQUIRE(plugin.PreFilter(state, *pod, nullptr).ok());
    auto clone = state.Clone();
    PodInfo added(anti_holder);
    REQUIRE(plugin.AddPod(*clone, *pod, added, *cluster[0]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) ==
          std::vector<std::string>{kExisting, "", "", ""});
    REQUIRE(plugin.RemovePod(*clone, *pod, added, *cluster[0]).ok());
    CHECK(FilterAll(plugin, *clone, *pod, cluster) == std::vector<std::string>(4));
  }
}

TEST_CASE("InterPodAffinityArgs") {
  auto args = InterPodAffinityArgs::Parse(YAML::Node());
  REQUIRE(args.ok());
  CHECK(args->hard_pod_affinity_weight == 1);
  CHECK_FALSE(args->ignore_preferred_terms_of_existing_pods);

  args = InterPodAffinityArgs::Parse(
      YAML::Load("{hardPodAffinityWeight: 5, ignorePreferredTermsOfExistingPods: true}"));
  REQUIRE(args.ok());
  CHECK(args->hard_pod_affinity_weight == 5);
  CHECK(args->ignore_preferred_terms_of_existing_pods);

  testing::FakeHandle handle;
  auto bad = NewInterPodAffinity(YAML::Load("{hardPodAffinityWeight: 101}"), handle);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "InterPodAffinity: hardPodAffinityWeight: Invalid value: 101: not in valid range "
        "[0-100]");
  auto plugin = NewInterPodAffinity(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "InterPodAffinity");
}

}  // namespace
}  // namespace pk::scheduler::plugins
