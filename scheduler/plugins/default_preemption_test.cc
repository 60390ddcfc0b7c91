#include "scheduler/plugins/default_preemption.h"

#include <doctest/doctest.h>

#include <atomic>
#include <limits>
#include <optional>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

using testing::FakeHandle;
using testing::NodeFromYaml;
using testing::NodeWithPods;
using testing::PodFromYaml;

// A stand-in for NodeResourcesFit: a node has `slots` (label), a pod takes `size` (label,
// default 1) of them.
int Label(const google::protobuf::Map<std::string, std::string>& labels, const char* key,
          int fallback) {
  auto it = labels.find(key);
  return it == labels.end() ? fallback : std::stoi(it->second);
}
int SizeOf(const Pod& pod) { return Label(pod.metadata().labels(), "size", 1); }

class SlotsFilter : public FilterPlugin {
 public:
  std::string_view Name() const override { return "Slots"; }
  PluginStatus Filter(const CycleState&, const Pod& pod, const NodeInfo& node) const override {
    int used = SizeOf(pod);
    for (const auto& p : node.pods()) used += SizeOf(*p->pod);
    if (used > Label(node.node()->metadata().labels(), "slots", 0)) {
      return PluginStatus::Unschedulable("Insufficient slots");
    }
    return {};
  }
};

// Counts the PreFilter extension calls preemption makes.
class CountingPreFilter : public PreFilterPlugin {
 public:
  std::string_view Name() const override { return "Counting"; }
  PluginStatus PreFilter(CycleState&, const Pod&, PreFilterResult*) override { return {}; }
  bool HasExtensions() const override { return true; }
  PluginStatus AddPod(CycleState&, const Pod&, const PodInfo&, const NodeInfo&) override {
    ++added;
    return {};
  }
  PluginStatus RemovePod(CycleState&, const Pod&, const PodInfo&, const NodeInfo&) override {
    ++removed;
    return {};
  }
  std::atomic<int> added{0}, removed{0};
};

// A pod with a priority, a size and optional extra YAML lines under metadata/status.
PodPtr P(const std::string& name, int priority, int size = 1, const std::string& status = "{}",
         const std::string& extra_meta = "") {
  return PodFromYaml("metadata: {name: " + name + ", namespace: default, uid: uid-" + name +
                     ", labels: {size: \"" + std::to_string(size) + "\"}" + extra_meta +
                     "}\nspec: {priority: " + std::to_string(priority) +
                     ", containers: [{name: c}]}\nstatus: " + status);
}
NodePtr N(const std::string& name, int slots) {
  return NodeFromYaml("metadata: {name: " + name + ", labels: {slots: \"" + std::to_string(slots) +
                      "\"}}");
}

std::vector<std::string> Names(const std::vector<PodInfoPtr>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p->pod->metadata().name());
  return out;
}

struct Fixture {
  explicit Fixture(std::vector<NodeInfoPtr> nodes) : handle(std::move(nodes)) {
    handle.filters = {&slots};
    handle.pre_filters = {&counting};
  }
  SlotsFilter slots;
  CountingPreFilter counting;
  FakeHandle handle;
  DefaultPreemption plugin{handle, DefaultPreemptionArgs{}};
};

// ---- args ----

TEST_CASE("DefaultPreemption args: defaults, overrides, validation") {
  auto defaults = ParseDefaultPreemptionArgs(YAML::Node());
  REQUIRE(defaults.ok());
  CHECK(defaults->min_candidate_nodes_percentage == 10);
  CHECK(defaults->min_candidate_nodes_absolute == 100);

  auto custom = ParseDefaultPreemptionArgs(YAML::Load("{minCandidateNodesPercentage: 50}"));
  REQUIRE(custom.ok());
  CHECK(custom->min_candidate_nodes_percentage == 50);
  CHECK(custom->min_candidate_nodes_absolute == 100);

  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"{minCandidateNodesPercentage: 101}",
       "DefaultPreemption: minCandidateNodesPercentage: Invalid value: 101: not in valid range "
       "[0, 100]"},
      {"{minCandidateNodesAbsolute: -1}",
       "DefaultPreemption: minCandidateNodesAbsolute: Invalid value: -1: not in valid range [0, "
       "inf)"},
      {"{minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0}",
       "DefaultPreemption: [minCandidateNodesPercentage: Invalid value: 0: cannot be zero at the "
       "same time as minCandidateNodesAbsolute, minCandidateNodesAbsolute: Invalid value: 0: "
       "cannot be zero at the same time as minCandidateNodesPercentage]"},
      {"{minCandidateNodesAbsolute: ten}",
       "DefaultPreemption: minCandidateNodesAbsolute: must be an integer"},
      {"{bogus: 1}", "DefaultPreemption: unknown field \"bogus\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    auto r = ParseDefaultPreemptionArgs(YAML::Load(c.yaml));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().reason() == Reason::kBadRequest);
    CHECK(r.status().message() == c.message);
  }

  FakeHandle handle;
  auto plugin = NewDefaultPreemption(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  CHECK((*plugin)->Name() == "DefaultPreemption");
  CHECK_FALSE(NewDefaultPreemption(YAML::Load("{minCandidateNodesPercentage: -1}"), handle).ok());
}

TEST_CASE("DefaultPreemption: number of candidates (calculateNumCandidates)") {
  FakeHandle handle;
  DefaultPreemption defaults(handle, {});
  CHECK(defaults.NumCandidates(10) == 10);     // capped at the number of nodes
  CHECK(defaults.NumCandidates(500) == 100);   // at least 100
  CHECK(defaults.NumCandidates(2000) == 200);  // 10%
  DefaultPreemption pct(handle, {40, 0});
  CHECK(pct.NumCandidates(10) == 4);
  CHECK(pct.NumCandidates(1) == 0);
  DefaultPreemption abs(handle, {0, 3});
  CHECK(abs.NumCandidates(1000) == 3);
}

// ---- eligibility ----

TEST_CASE("DefaultPreemption: PodEligibleToPreemptOthers") {
  const std::string terminating_meta = ", deletionTimestamp: \"2026-01-01T00:00:00Z\"";
  const std::string preempted_status =
      "{conditions: [{type: DisruptionTarget, status: \"True\", reason: PreemptionByScheduler}]}";
  auto victim = P("victim", 1, 1, preempted_status, terminating_meta);
  auto deleted_by_user = P("gone", 1, 1, "{}", terminating_meta);
  auto high = P("high", 100, 1, preempted_status, terminating_meta);
  Fixture f({NodeWithPods(N("n1", 4), {victim}), NodeWithPods(N("n2", 4), {deleted_by_user}),
             NodeWithPods(N("n3", 4), {high})});
  const PluginStatus unschedulable = PluginStatus::Unschedulable("Insufficient slots");
  const PluginStatus unresolvable = PluginStatus::Unresolvable("node(s) didn't match selector");

  CHECK(f.plugin.PodEligibleToPreemptOthers(*P("p", 10), nullptr) == "");
  auto never = PodFromYaml(
      "metadata: {name: p, uid: u}\nspec: {priority: 10, preemptionPolicy: Never, containers: "
      "[{name: c}]}");
  CHECK(f.plugin.PodEligibleToPreemptOthers(*never, nullptr) ==
        "not eligible due to preemptionPolicy=Never.");

  auto nominated_to = [](const std::string& node) {
    return P("p", 10, 1, "{nominatedNodeName: " + node + "}");
  };
  // A victim of an earlier preemption is still terminating: wait for it.
  CHECK(f.plugin.PodEligibleToPreemptOthers(*nominated_to("n1"), &unschedulable) ==
        "not eligible due to a terminating pod on the nominated node.");
  // ... unless the nominated node is now unresolvable (or absent from the statuses).
  CHECK(f.plugin.PodEligibleToPreemptOthers(*nominated_to("n1"), &unresolvable) == "");
  CHECK(f.plugin.PodEligibleToPreemptOthers(*nominated_to("n1"), nullptr) == "");
  // Terminating, but not by preemption; terminating, but of higher priority.
  CHECK(f.plugin.PodEligibleToPreemptOthers(*nominated_to("n2"), &unschedulable) == "");
  CHECK(f.plugin.PodEligibleToPreemptOthers(*nominated_to("n3"), &unschedulable) == "");
  CHECK(f.plugin.PodEligibleToPreemptOthers(*nominated_to("unknown"), &unschedulable) == "");
}

// ---- victims on one node ----

TEST_CASE("DefaultPreemption: SelectVictimsOnNode") {
  struct Case {
    std::string name;
    int slots;
    std::vector<PodPtr> pods;
    PodPtr preemptor;
    Code code;
    std::vector<std::string> victims;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"the lowest priority goes first",
       2,
       {P("p2", 2), P("p1", 1)},
       P("x", 10),
       Code::kSuccess,
       {"p1"},
       ""},
      {"a lower-priority pod is reprieved when a more important one must go",
       3,
       {P("a", 5, 2), P("b", 3), P("c", 1)},
       P("x", 10, 2),
       Code::kSuccess,
       {"a", "c"},
       ""},
      {"equal priority: the later started goes",
       1,
       {P("old", 1, 1, "{startTime: \"2026-01-01T00:00:00Z\"}"),
        P("young", 1, 1, "{startTime: \"2026-01-02T00:00:00Z\"}")},
       P("x", 10, 0),
       Code::kSuccess,
       {"young"},
       ""},
      {"no lower-priority pods",
       1,
       {P("same", 10)},
       P("x", 10),
       Code::kUnschedulableAndUnresolvable,
       {},
       "No preemption victims found for incoming pod"},
      {"too big even on the emptied node",
       3,
       {P("high", 20, 2), P("low", 1)},
       P("x", 10, 2),
       Code::kUnschedulable,
       {},
       "Insufficient slots"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Fixture f({});
    CycleState state;
    NodeInfo node = *NodeWithPods(N("n1", c.slots), c.pods);
    std::vector<PodInfoPtr> victims;
    PluginStatus s = f.plugin.SelectVictimsOnNode(state, *c.preemptor, node, &victims);
    CHECK(s.code() == c.code);
    CHECK(Names(victims) == c.victims);
    if (!c.reason.empty()) CHECK(s.Message() == c.reason);
  }
}

TEST_CASE("DefaultPreemption: SelectVictimsOnNode tells the PreFilter extensions") {
  Fixture f({});
  CycleState state;
  NodeInfo node = *NodeWithPods(N("n1", 2), {P("p2", 2), P("p1", 1)});
  std::vector<PodInfoPtr> victims;
  REQUIRE(f.plugin.SelectVictimsOnNode(state, *P("x", 10), node, &victims).ok());
  // Both removed, both added back, p1 removed again.
  CHECK(f.counting.removed == 3);
  CHECK(f.counting.added == 2);
  CHECK(node.pods().size() == 1);
}

TEST_CASE("DefaultPreemption: nominated pods of higher or equal priority count as present") {
  // Two slots, one taken by a low pod; the preemptor (size 1) fits beside it, unless a pod of
  // its priority is nominated to the node.
  Fixture f({});
  auto run = [&](const std::vector<PodInfoPtr>& nominated) {
    f.handle.nominated["n1"] = nominated;
    CycleState state;
    NodeInfo node = *NodeWithPods(N("n1", 2), {P("low", 1)});
    std::vector<PodInfoPtr> victims;
    PluginStatus s = f.plugin.SelectVictimsOnNode(state, *P("x", 10), node, &victims);
    CHECK(s.ok());
    return Names(victims);
  };
  CHECK(run({std::make_shared<PodInfo>(P("nominated", 10))}) == std::vector<std::string>{"low"});
  CHECK(run({std::make_shared<PodInfo>(P("lower-nominated", 5))}).empty());
  CHECK(run({}).empty());
  // The preemptor itself, nominated earlier, does not count.
  CHECK(run({std::make_shared<PodInfo>(P("x", 10))}).empty());
}

// ---- choice of node ----

Candidate C(const std::string& node, std::vector<PodPtr> victims) {
  Candidate c{node, {}};
  for (auto& v : victims) c.victims.push_back(std::make_shared<PodInfo>(v));
  return c;
}

TEST_CASE("DefaultPreemption: pickOneNodeForPreemption criteria in order") {
  const std::string t1 = "{startTime: \"2026-01-01T00:00:00Z\"}";
  const std::string t2 = "{startTime: \"2026-01-02T00:00:00Z\"}";
  struct Case {
    std::string name;
    std::vector<Candidate> candidates;
    std::string want;
  };
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  const std::vector<Case> cases = {
      {"none", {}, ""},
      {"a node without victims", {C("n1", {P("a", 1)}), C("n2", {})}, "n2"},
      {"lowest highest-victim priority",
       {C("n1", {P("a", 5)}), C("n2", {P("b", 3), P("c", 3)})},
       "n2"},
      {"smallest sum of priorities",
       {C("n1", {P("a", 3), P("b", 2)}), C("n2", {P("c", 3), P("d", 1)})},
       "n2"},
      {"fewest victims (sums equal once shifted)",
       {C("n1", {P("a", 0), P("b", kMin)}), C("n2", {P("c", 0)})},
       "n2"},
      {"latest start of the highest-priority victims",
       {C("n1", {P("a", 3, 1, t2), P("b", 3, 1, t1)}),
        C("n2", {P("c", 3, 1, t2), P("d", 3, 1, t2)})},
       "n2"},
      {"ties: the first", {C("n1", {P("a", 3, 1, t1)}), C("n2", {P("b", 3, 1, t1)})}, "n1"},
      {"one candidate", {C("n7", {P("a", 3)})}, "n7"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(PickOneNodeForPreemption(c.candidates) == c.want);
  }
}

// ---- PostFilter ----

TEST_CASE("DefaultPreemption: PostFilter evicts on the best node and nominates it") {
  Fixture f({NodeWithPods(N("n1", 1), {P("mid", 5)}), NodeWithPods(N("n2", 1), {P("low", 1)}),
             NodeWithPods(N("n3", 1), {P("lowest", 0)})});
  NodeToStatus statuses{
      {"n1", PluginStatus::Unschedulable("Insufficient slots")},
      {"n2", PluginStatus::Unschedulable("Insufficient slots")},
      // Would be the cheapest, but preemption cannot help there.
      {"n3", PluginStatus::Unresolvable("node(s) had untolerated taint {k: v}")},
  };
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(state, *P("x", 10), statuses, &result);
  CHECK(s.ok());
  CHECK(result.nominated_node_name == std::optional<std::string>("n2"));
  CHECK(f.handle.evicted == std::vector<std::string>{"low"});
}

TEST_CASE("DefaultPreemption: victims already terminating are not evicted again") {
  Fixture f({NodeWithPods(
      N("n1", 2),
      {P("going", 1, 1, "{}", ", deletionTimestamp: \"2026-01-01T00:00:00Z\""), P("low", 1)})});
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(
      state, *P("x", 10, 2), {{"n1", PluginStatus::Unschedulable("Insufficient slots")}}, &result);
  CHECK(s.ok());
  CHECK(result.nominated_node_name == std::optional<std::string>("n1"));
  CHECK(f.handle.evicted == std::vector<std::string>{"low"});
}

// A handle whose evictions fail with a given status.
class FailingEvictHandle : public FakeHandle {
 public:
  using FakeHandle::FakeHandle;
  Status Evict(const Pod& victim, const Pod& preemptor, const std::string& node) override {
    (void)FakeHandle::Evict(victim, preemptor, node);
    return fail_with;
  }
  Status fail_with;
};

TEST_CASE("DefaultPreemption: a failed eviction is an error; a victim already gone is not") {
  SlotsFilter slots;
  FailingEvictHandle handle({NodeWithPods(N("n1", 1), {P("low", 1)})});
  handle.filters = {&slots};
  DefaultPreemption plugin(handle, {});
  const NodeToStatus statuses{{"n1", PluginStatus::Unschedulable("Insufficient slots")}};
  CycleState state;

  handle.fail_with = Status::InternalError("etcd is down");
  PostFilterResult failed;
  PluginStatus s = plugin.PostFilter(state, *P("x", 10), statuses, &failed);
  CHECK(s.code() == Code::kError);
  CHECK(s.Message() == "preemption: etcd is down");
  CHECK_FALSE(failed.nominated_node_name.has_value());

  handle.fail_with = Status(Reason::kNotFound, "pods \"low\" not found");
  PostFilterResult gone;
  CHECK(plugin.PostFilter(state, *P("x", 10), statuses, &gone).ok());
  CHECK(gone.nominated_node_name == std::optional<std::string>("n1"));
}

TEST_CASE("DefaultPreemption: no candidate gives a FitError message and clears the nomination") {
  Fixture f({NodeWithPods(N("n1", 1), {P("same", 10)}), NodeWithPods(N("n2", 1), {P("low", 1)}),
             NodeWithPods(N("n3", 3), {P("high", 20, 2), P("low2", 1)}), NodeWithPods(N("n4", 1))});
  NodeToStatus statuses{
      {"n1", PluginStatus::Unschedulable("Insufficient slots")},
      {"n2", PluginStatus::Unresolvable("node(s) didn't match Pod's node affinity/selector")},
      {"n3", PluginStatus::Unschedulable("Insufficient slots")},
      // n4: absent, as if a PreFilter had ruled it out.
  };
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(state, *P("x", 10, 2), statuses, &result);
  CHECK(s.code() == Code::kUnschedulable);
  CHECK(s.Message() ==
        "preemption: 0/4 nodes are available: 1 Insufficient slots, 1 No preemption victims "
        "found for incoming pod, 2 Preemption is not helpful for scheduling.");
  CHECK(result.nominated_node_name == std::optional<std::string>(""));
  CHECK(f.handle.evicted.empty());
}

TEST_CASE("DefaultPreemption: no potential node at all") {
  Fixture f({NodeWithPods(N("n1", 1), {P("low", 1)}), NodeWithPods(N("n2", 1), {P("low2", 1)})});
  NodeToStatus statuses{{"n1", PluginStatus::Unresolvable("node(s) had untolerated taint")}};
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(state, *P("x", 10), statuses, &result);
  CHECK(s.code() == Code::kUnschedulable);
  CHECK(s.Message() ==
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  CHECK(result.nominated_node_name == std::optional<std::string>(""));
}

TEST_CASE("DefaultPreemption: preemptionPolicy Never leaves the nomination alone") {
  Fixture f({NodeWithPods(N("n1", 1), {P("low", 1)})});
  auto never = PodFromYaml(
      "metadata: {name: p, uid: u}\nspec: {priority: 10, preemptionPolicy: Never, containers: "
      "[{name: c}]}");
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(
      state, *never, {{"n1", PluginStatus::Unschedulable("Insufficient slots")}}, &result);
  CHECK(s.code() == Code::kUnschedulable);
  CHECK(s.Message() == "preemption: not eligible due to preemptionPolicy=Never.");
  CHECK_FALSE(result.nominated_node_name.has_value());
  CHECK(f.handle.evicted.empty());
}

TEST_CASE("DefaultPreemption: a node that needs no eviction is an error, not a candidate") {
  // The filters said Unschedulable but the pod fits once nothing is removed: Kubernetes reports
  // "expected at least one victim pod".
  Fixture f({NodeWithPods(N("n1", 2), {P("low", 1)})});
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(
      state, *P("x", 10), {{"n1", PluginStatus::Unschedulable("Insufficient slots")}}, &result);
  CHECK(s.code() == Code::kError);
  CHECK(s.Message() == "preemption: expected at least one victim pod on node \"n1\"");
  CHECK_FALSE(result.nominated_node_name.has_value());
}

TEST_CASE("DefaultPreemption: no nodes") {
  Fixture f({});
  CycleState state;
  PostFilterResult result;
  PluginStatus s = f.plugin.PostFilter(state, *P("x", 10), {}, &result);
  CHECK(s.code() == Code::kError);
  CHECK(s.Message() == "preemption: no nodes available");
}

TEST_CASE("DefaultPreemption: the dry run stops at the number of candidates") {
  std::vector<NodeInfoPtr> nodes;
  std::vector<const NodeInfo*> potential;
  for (int i = 0; i < 20; ++i) {
    nodes.push_back(NodeWithPods(N("n" + std::to_string(i), 1), {P("low" + std::to_string(i), 1)}));
    potential.push_back(nodes.back().get());
  }
  Fixture f(nodes);
  CycleState state;
  DryRunResult r = f.plugin.DryRunPreemption(state, *P("x", 10), potential, 0, 3);
  CHECK(r.candidates.size() == 3);
  CHECK(r.statuses.empty());
  for (const auto& c : r.candidates) CHECK(Names(c.victims).size() == 1);
  // The snapshot's NodeInfos are untouched: the dry run works on copies.
  for (const auto& n : nodes) CHECK(n->pods().size() == 1);
}

}  // namespace
}  // namespace pk::scheduler::plugins
