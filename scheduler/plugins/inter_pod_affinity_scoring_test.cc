// InterPodAffinity PreScore/Score/NormalizeScore, from Kubernetes' interpodaffinity/
// scoring_test.go (TestPreferredAffinity, TestPreferredAffinityWithHardPodAffinitySymmetricWeight).
#include <doctest/doctest.h>

#include "scheduler/plugins/inter_pod_affinity.h"
#include "scheduler/plugins/pod_relations_testing.h"

namespace pk::scheduler::plugins {
namespace {

using testing::Candidates;
using testing::Cluster;
using testing::MakeNode;
using testing::MakePod;

PodPtr PodWith(const std::string& name, const std::string& node, const std::string& labels,
               const std::string& affinity, const std::string& ns = "default") {
  std::string yaml = "metadata: {name: " + name + ", namespace: " + ns + ", uid: " + ns + "/" +
                     name + ", labels: " + labels + "}\nspec: {nodeName: '" + node +
                     "', containers: [{name: c}]" +
                     (affinity.empty() ? "" : ", affinity: " + affinity) + "}";
  return testing::PodFromYaml(yaml);
}

std::string Term(const std::string& value, const std::string& key, const std::string& extra = "") {
  return "{labelSelector: {matchExpressions: [{key: security, operator: In, values: [" + value +
         "]}]}, topologyKey: " + key + extra + "}";
}
std::string Weighted(int weight, const std::string& term) {
  return "{weight: " + std::to_string(weight) + ", podAffinityTerm: " + term + "}";
}
std::string Preferred(const std::string& kind, const std::string& terms) {
  return "{" + kind + ": {preferredDuringSchedulingIgnoredDuringExecution: [" + terms + "]}}";
}

PodPtr S(const std::string& name, const std::string& node, const std::string& value,
         const std::string& ns = "default") {
  return MakePod(name, node, {{"security", value}}, ns);
}

// node1: region China; node2: region India; node3: region China, az az1.
std::vector<NodePtr> Nodes() {
  return {MakeNode("node1", {{"region", "China"}}), MakeNode("node2", {{"region", "India"}}),
          MakeNode("node3", {{"region", "China"}, {"az", "az1"}})};
}

struct ScoreCase {
  std::string name;
  PodPtr pod;
  std::vector<PodPtr> existing;
  std::vector<int64_t> want;  // node1..node3; empty: PreScore skips
  InterPodAffinityArgs args = {};
  NamespaceLabels namespaces = {};
};

void RunScoreCase(const ScoreCase& tc) {
  INFO(tc.name);
  auto cluster = Cluster(Nodes(), tc.existing);
  testing::FakeHandle handle(cluster, tc.namespaces);
  InterPodAffinity plugin(tc.args, handle);
  auto candidates = Candidates(cluster, {"node1", "node2", "node3"});
  CycleState state;
  PluginStatus pre = plugin.PreScore(state, *tc.pod, candidates);
  if (tc.want.empty()) {
    CHECK(pre.IsSkip());
    return;
  }
  REQUIRE_MESSAGE(pre.ok(), pre.Message());
  CHECK(testing::ScoreAll(plugin, state, *tc.pod, candidates) == tc.want);
}

TEST_CASE("InterPodAffinity Score: the pod's preferred terms") {
  std::vector<ScoreCase> cases{
      {"no affinity anywhere: nothing to score",
       PodWith("p", "", "{}", ""),
       {S("e", "node1", "S1")},
       {}},
      {"affinity: nodes in the region of a matching pod score high",
       PodWith("p", "", "{}", Preferred("podAffinity", Weighted(5, Term("S1", "region")))),
       {S("e", "node1", "S1"), S("f", "node2", "S2")},
       {100, 0, 100}},
      {"affinity: no pod matches: nothing to score",
       PodWith("p", "", "{}", Preferred("podAffinity", Weighted(5, Term("S1", "region")))),
       {S("e", "node1", "S2")},
       {}},
      {"anti-affinity: nodes in the region of a matching pod score low",
       PodWith("p", "", "{}", Preferred("podAntiAffinity", Weighted(5, Term("S1", "region")))),
       {S("e", "node1", "S1")},
       {0, 100, 0}},
      {"affinity and anti-affinity add up per topology pair",
       PodWith("p", "", "{}",
               "{podAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [" +
                   Weighted(8, Term("S1", "region")) +
                   "]}, podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [" +
                   Weighted(5, Term("S2", "az")) + "]}}"),
       {S("e", "node1", "S1"), S("f", "node3", "S2")},
       {100, 0, 37}},
      {"pods of other namespaces do not match a term without namespaces",
       PodWith("p", "", "{}", Preferred("podAffinity", Weighted(5, Term("S1", "region")))),
       {S("e", "node1", "S1", "ns1")},
       {}},
      {"a term's namespaceSelector",
       PodWith("p", "", "{}",
               Preferred("podAffinity",
                         Weighted(5, Term("S1", "region",
                                          ", namespaceSelector: {matchLabels: {team: a}}")))),
       {S("e", "node1", "S1", "ns1"), S("f", "node2", "S1", "ns2")},
       {100, 0, 100},
       {},
       {{"ns1", {{"team", "a"}}}, {"ns2", {}}}},
  };
  for (const auto& tc : cases) RunScoreCase(tc);
}

TEST_CASE("InterPodAffinity Score: existing pods' terms") {
  PodPtr incoming = PodWith("p", "", "{security: S1}", "");
  PodPtr hard = PodWith("e", "node2", "{app: db}",
                        "{podAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [" +
                            Term("S1", "region") + "]}}");
  PodPtr soft_anti = PodWith("e", "node1", "{app: db}",
                             Preferred("podAntiAffinity", Weighted(5, Term("S1", "region"))));
  InterPodAffinityArgs ignore_existing;
  ignore_existing.ignore_preferred_terms_of_existing_pods = true;
  InterPodAffinityArgs no_hard_weight;
  no_hard_weight.hard_pod_affinity_weight = 0;
  std::vector<ScoreCase> cases{
      {"an existing pod's required affinity weighs hardPodAffinityWeight",
       incoming,
       {hard},
       {0, 100, 0}},
      {"hardPodAffinityWeight 0 ignores existing pods' required affinity",
       incoming,
       {hard},
       {},
       no_hard_weight},
      {"an existing pod's preferred anti-affinity matching the pod",
       incoming,
       {soft_anti},
       {0, 100, 0}},
      {"ignorePreferredTermsOfExistingPods", incoming, {soft_anti}, {}, ignore_existing},
      {"an existing pod's term covers its own namespace only",
       PodWith("p", "", "{security: S1}", "", "ns1"),
       {soft_anti},
       {}},
  };
  for (const auto& tc : cases) RunScoreCase(tc);
}

TEST_CASE("InterPodAffinity NormalizeScore") {
  auto cluster = Cluster(Nodes(), {S("e", "node1", "S1"), S("f", "node2", "S1")});
  testing::FakeHandle handle(cluster);
  InterPodAffinity plugin({}, handle);
  PodPtr pod = PodWith("p", "", "{}", Preferred("podAffinity", Weighted(5, Term("S1", "region"))));
  auto candidates = Candidates(cluster, {"node1", "node2", "node3"});
  CycleState state;
  REQUIRE(plugin.PreScore(state, *pod, candidates).ok());
  // Every node scores 5: all equal, all 0.
  CHECK(testing::ScoreAll(plugin, state, *pod, candidates) == std::vector<int64_t>{0, 0, 0});
  CHECK(plugin.PreScore(state, *pod, {}).IsSkip());
}

}  // namespace
}  // namespace pk::scheduler::plugins
