// PodTopologySpread PreScore/Score/NormalizeScore, from Kubernetes' podtopologyspread/
// scoring_test.go (TestPodTopologySpreadScore): the same clusters and the same final scores.
#include <doctest/doctest.h>

#include "scheduler/plugins/pod_relations_testing.h"
#include "scheduler/plugins/pod_topology_spread.h"

namespace pk::scheduler::plugins {
namespace {

using testing::Candidates;
using testing::Cluster;
using testing::MakeNode;
using testing::MakePod;

constexpr const char* kHostname = "kubernetes.io/hostname";

// The incoming pod "p" (labels foo and, when `bar`, bar) with ScheduleAnyway constraints
// given as (maxSkew, topologyKey, selected label) triples.
struct Soft {
  int max_skew;
  std::string key;
  std::string label = "foo";
};
PodPtr Incoming(const std::vector<Soft>& constraints, bool bar = false) {
  std::string yaml = "metadata: {name: p, namespace: default, uid: default/p, labels: {foo: ''" +
                     std::string(bar ? ", bar: ''" : "") + "}}\nspec:\n  containers: [{name: c}]\n";
  if (!constraints.empty()) yaml += "  topologySpreadConstraints:\n";
  for (const Soft& c : constraints) {
    yaml += "  - {maxSkew: " + std::to_string(c.max_skew) + ", topologyKey: '" + c.key +
            "', whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchExpressions: [{key: " +
            c.label + ", operator: Exists}]}}\n";
  }
  return testing::PodFromYaml(yaml);
}

PodPtr P(const std::string& name, const std::string& node,
         const testing::Labels& labels = {{"foo", ""}}, const std::string& ns = "default") {
  return MakePod(name, node, labels, ns);
}

NodePtr Host(const std::string& name) { return MakeNode(name, {{kHostname, name}}); }
NodePtr ZoneHost(const std::string& name, const std::string& zone) {
  return MakeNode(name, {{"zone", zone}, {kHostname, name}});
}

// n pods labeled foo on `node`, named p-<node>-<i>.
std::vector<PodPtr> Many(const std::string& node, int n) {
  std::vector<PodPtr> out;
  for (int i = 0; i < n; ++i) out.push_back(P("p-" + node + "-" + std::to_string(i), node));
  return out;
}
std::vector<PodPtr> Spread(const std::vector<std::pair<std::string, int>>& counts) {
  std::vector<PodPtr> out;
  for (const auto& [node, n] : counts) {
    for (auto& p : Many(node, n)) out.push_back(p);
  }
  return out;
}

struct ScoreCase {
  std::string name;
  PodPtr pod;
  std::vector<NodePtr> nodes;           // every node of the cluster
  std::vector<std::string> candidates;  // the nodes that passed Filter
  std::vector<PodPtr> existing;
  std::vector<int64_t> want;  // per candidate
  PodTopologySpreadArgs args = ListArgs();
  DefaultSelectorFn selector = nullptr;

  static PodTopologySpreadArgs ListArgs() {
    PodTopologySpreadArgs a;
    a.defaulting_type = PodTopologySpreadArgs::Defaulting::kList;
    return a;
  }
};

void RunScoreCase(const ScoreCase& tc) {
  INFO(tc.name);
  auto cluster = Cluster(tc.nodes, tc.existing);
  testing::FakeHandle handle(cluster);
  PodTopologySpread plugin(tc.args, handle, tc.selector);
  auto candidates = Candidates(cluster, tc.candidates);
  CycleState state;
  PluginStatus pre = plugin.PreScore(state, *tc.pod, candidates);
  REQUIRE_MESSAGE(pre.ok(), pre.Message());
  CHECK(testing::ScoreAll(plugin, state, *tc.pod, candidates) == tc.want);
}

TEST_CASE("PodTopologySpread Score: one constraint") {
  std::vector<NodePtr> four{Host("node-a"), Host("node-b"), Host("node-c"), Host("node-d")};
  std::vector<std::string> abcd{"node-a", "node-b", "node-c", "node-d"};
  std::vector<ScoreCase> cases{
      {"no existing pods",
       Incoming({{1, kHostname}}),
       {Host("node-a"), Host("node-b")},
       {"node-a", "node-b"},
       {},
       {100, 100}},
      {"only one node is candidate",
       Incoming({{1, kHostname}}),
       {Host("node-a"), Host("node-b")},
       {"node-a"},
       Spread({{"node-a", 2}, {"node-b", 1}}),
       {100}},
      {"all nodes have the same number of matching pods",
       Incoming({{1, kHostname}}),
       {Host("node-a"), Host("node-b")},
       {"node-a", "node-b"},
       Spread({{"node-a", 1}, {"node-b", 1}}),
       {100, 100}},
      {"2/1/0/3, all 4 nodes are candidates",
       Incoming({{1, kHostname}}),
       four,
       abcd,
       Spread({{"node-a", 2}, {"node-b", 1}, {"node-d", 3}}),
       {20, 60, 100, 0}},
      {"2/1/0/3, maxSkew 2",
       Incoming({{2, kHostname}}),
       four,
       abcd,
       Spread({{"node-a", 2}, {"node-b", 1}, {"node-d", 3}}),
       {33, 66, 100, 16}},
      {"4/3/2/1, maxSkew 3",
       Incoming({{3, kHostname}}),
       four,
       abcd,
       Spread({{"node-a", 4}, {"node-b", 3}, {"node-c", 2}, {"node-d", 1}}),
       {44, 66, 77, 100}},
      {"4/2/1/~3~, 3 out of 4 nodes are candidates",
       Incoming({{1, kHostname}}),
       {Host("node-a"), Host("node-b"), Host("node-x"), Host("node-y")},
       {"node-a", "node-b", "node-x"},
       Spread({{"node-a", 4}, {"node-b", 2}, {"node-x", 1}, {"node-y", 3}}),
       {33, 83, 100}},
      {"4/?2?/1/~3~, one candidate lacks the topology key",
       Incoming({{1, kHostname}}),
       {Host("node-a"), MakeNode("node-b", {{"n", "node-b"}}), Host("node-x"), Host("node-y")},
       {"node-a", "node-b", "node-x"},
       Spread({{"node-a", 4}, {"node-b", 2}, {"node-x", 1}, {"node-y", 3}}),
       {16, 0, 100}},
      {"zones 6/4, 3 out of 4 nodes are candidates",
       Incoming({{1, "zone"}}),
       {ZoneHost("node-a", "zone1"), ZoneHost("node-b", "zone1"), ZoneHost("node-x", "zone2"),
        ZoneHost("node-y", "zone2")},
       {"node-a", "node-b", "node-x"},
       Spread({{"node-a", 4}, {"node-b", 2}, {"node-x", 1}, {"node-y", 3}}),
       {75, 75, 100}},
      {"existing pods in a different namespace do not count",
       Incoming({{1, kHostname}}),
       {Host("node-a"), Host("node-b")},
       {"node-a", "node-b"},
       {P("p-a1", "node-a", {{"foo", ""}}, "ns1"), P("p-a2", "node-a"), P("p-b1", "node-b"),
        P("p-b2", "node-b")},
       {100, 33}},
  };
  for (const auto& tc : cases) RunScoreCase(tc);
}

TEST_CASE("PodTopologySpread Score: terminating pods do not count") {
  auto terminating = std::make_shared<Pod>(*P("p-a", "node-a"));
  terminating->mutable_metadata()->mutable_deletion_timestamp()->set_seconds(1);
  RunScoreCase({"terminating",
                Incoming({{1, kHostname}}),
                {Host("node-a"), Host("node-b")},
                {"node-a", "node-b"},
                {terminating, P("p-b", "node-b")},
                {100, 0}});
}

TEST_CASE("PodTopologySpread Score: two constraints") {
  std::vector<NodePtr> zoned{ZoneHost("node-a", "zone1"), ZoneHost("node-b", "zone1"),
                             ZoneHost("node-x", "zone2"), ZoneHost("node-y", "zone2")};
  std::vector<ScoreCase> cases{
      {"zone and node, 2/~1~/2/~4~, 2 out of 4 nodes are candidates",
       Incoming({{1, "zone"}, {1, kHostname}}),
       zoned,
       {"node-a", "node-x"},
       Spread({{"node-a", 2}, {"node-b", 1}, {"node-x", 2}, {"node-y", 4}}),
       {100, 63}},
      {"zone and node with different selectors",
       Incoming({{1, "zone"}, {1, kHostname, "bar"}}, true),
       zoned,
       {"node-a", "node-b", "node-x", "node-y"},
       {P("p-a1", "node-a"), P("p-b1", "node-b", {{"foo", ""}, {"bar", ""}}), P("p-y1", "node-y"),
        P("p-y2", "node-y", {{"bar", ""}})},
       {60, 20, 100, 60}},
      {"zone and node with different selectors, some nodes have 0 pods",
       Incoming({{1, "zone"}, {1, kHostname, "bar"}}, true),
       zoned,
       {"node-a", "node-b", "node-x", "node-y"},
       {P("p-b1", "node-b", {{"bar", ""}}), P("p-x1", "node-x"),
        P("p-y1", "node-y", {{"foo", ""}, {"bar", ""}})},
       {100, 60, 40, 0}},
      {"zone and node with different selectors, 3 out of 4 nodes are candidates",
       Incoming({{1, "zone"}, {1, kHostname, "bar"}}, true),
       zoned,
       {"node-a", "node-b", "node-x"},
       {P("p-a1", "node-a"), P("p-b1", "node-b", {{"foo", ""}, {"bar", ""}}), P("p-y1", "node-y"),
        P("p-y2", "node-y", {{"bar", ""}})},
       {50, 25, 100}},
  };
  for (const auto& tc : cases) RunScoreCase(tc);
}

TEST_CASE("PodTopologySpread Score: system defaults") {
  ScoreCase tc{"system defaulting, nodes don't have zone, pods match service",
               Incoming({}),
               {Host("node-a"), Host("node-b"), Host("node-c"), Host("node-d")},
               {"node-a", "node-b", "node-c", "node-d"},
               Spread({{"node-a", 4}, {"node-b", 3}, {"node-c", 2}, {"node-d", 1}}),
               {44, 66, 77, 100}};
  tc.args = {};  // System
  tc.selector = [](const Pod&) { return LabelSelector::Parse("foo").value(); };
  RunScoreCase(tc);

  // Without a Service or controller selecting the pod there is nothing to score.
  auto cluster = Cluster(tc.nodes, tc.existing);
  testing::FakeHandle handle(cluster);
  PodTopologySpread plugin({}, handle);
  CycleState state;
  CHECK(plugin.PreScore(state, *tc.pod, Candidates(cluster, tc.candidates)).IsSkip());
}

TEST_CASE("PodTopologySpread PreScore skips pods without ScheduleAnyway constraints") {
  auto cluster = Cluster({Host("node-a")}, {});
  testing::FakeHandle handle(cluster);
  PodTopologySpread plugin(ScoreCase::ListArgs(), handle);
  CycleState state;
  CHECK(plugin.PreScore(state, *Incoming({}), Candidates(cluster, {"node-a"})).IsSkip());
  CHECK(plugin.PreScore(state, *Incoming({{1, kHostname}}), {}).IsSkip());
}

}  // namespace
}  // namespace pk::scheduler::plugins

namespace pk::scheduler::plugins {
namespace {

TEST_CASE("MatchCountCache counts a node again only when its generation moved") {
  MatchCountCache cache;
  auto selector = LabelSelector::Parse("foo");
  REQUIRE(selector.ok());
  const std::string key = MatchCountCache::SelectorKey(*selector, "default");
  NodeInfo info(testing::MakeNode("n1", {}));
  info.AddPod(std::make_shared<PodInfo>(testing::MakePod("a", "n1", {{"foo", ""}}, "default")));
  info.AddPod(std::make_shared<PodInfo>(testing::MakePod("b", "n1", {{"bar", ""}}, "default")));
  CHECK(cache.Count(info, *selector, "default", key) == 1);
  NodeInfo copy = info;  // a snapshot's clone: same generation, same pods
  CHECK(cache.Count(copy, *selector, "default", key) == 1);
  info.AddPod(std::make_shared<PodInfo>(testing::MakePod("c", "n1", {{"foo", ""}}, "default")));
  CHECK(cache.Count(info, *selector, "default", key) == 2);
  REQUIRE(info.RemovePod("default/a"));
  CHECK(cache.Count(info, *selector, "default", key) == 1);
  // Another namespace is another key; nothing (a nil selector) never matches.
  CHECK(cache.Count(info, *selector, "other", MatchCountCache::SelectorKey(*selector, "other")) ==
        0);
  CHECK(cache.Count(info, LabelSelector::Nothing(), "default",
                    MatchCountCache::SelectorKey(LabelSelector::Nothing(), "default")) == 0);
}

}  // namespace
}  // namespace pk::scheduler::plugins
