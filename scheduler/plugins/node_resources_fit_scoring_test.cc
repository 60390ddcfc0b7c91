// NodeResourcesFit scoring, with the cases of Kubernetes' least_allocated_test.go,
// most_allocated_test.go and requested_to_capacity_ratio_test.go (same numbers). The filter
// and the args are tested in node_resources_fit_test.cc.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/node_resources_fit.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/resource_testing.h"

namespace pk::scheduler::plugins {
namespace {

using fixtures::List;
using fixtures::MakeNode;
using fixtures::NodeInfos;
using fixtures::PodBuilder;
using fixtures::Scores;

List CpuMem(const std::string& cpu, const std::string& mem) {
  return {{"cpu", cpu}, {"memory", mem}};
}

}  // namespace

namespace {

const List kCpu4000Mem10000 = {{"cpu", "4000"}, {"memory", "10000"}};
const List kCpu6000Mem10000 = {{"cpu", "6000"}, {"memory", "10000"}};
const List kCpu10000Mem20000 = {{"cpu", "10000"}, {"memory", "20000"}};
const std::string kExtendedRes = "abc.com/xyz";

// The pod of most scoring cases: cpu 1000+2000, memory 2000+3000.
PodPtr CpuAndMemoryPod() {
  return PodBuilder().Container(CpuMem("1000", "2000")).Container(CpuMem("2000", "3000")).Obj();
}

PodPtr OnNode(const std::string& node, const List& requests) {
  return PodBuilder().Node(node).Container(requests).Obj();
}

struct ScoreCase {
  std::string name;
  PodPtr pod;
  std::vector<NodePtr> nodes;
  std::vector<PodPtr> existing;
  std::vector<ResourceSpec> resources;
  std::vector<int64_t> want;
  Code want_code = Code::kSuccess;
};

void RunScoreCases(ScoringStrategyType strategy, const std::vector<ScoreCase>& cases,
                   const std::vector<UtilizationShapePoint>& shape = {}) {
  for (const ScoreCase& c : cases) {
    CAPTURE(c.name);
    NodeResourcesFitArgs args;
    args.strategy = strategy;
    args.resources = c.resources;
    args.shape = shape;
    NodeResourcesFit plugin(args);
    auto infos = NodeInfos(c.nodes, c.existing);
    CHECK(Scores(plugin, &plugin, *c.pod, infos, c.want_code) == c.want);
    // Without PreScore, Score computes the pod's requests itself.
    CHECK(Scores(plugin, nullptr, *c.pod, infos, c.want_code) == c.want);
  }
}

std::vector<ResourceSpec> ExtendedResourceSet() {
  return {{"cpu", 1}, {"memory", 1}, {kExtendedRes, 1}};
}

}  // namespace

TEST_CASE("NodeResourcesFit Score: LeastAllocated (least_allocated_test.go)") {
  const auto defaults = DefaultResourceSpecs();
  const std::vector<ScoreCase> cases = {
      {"nothing scheduled, nothing requested",
       PodBuilder().Obj(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu4000Mem10000)},
       {},
       defaults,
       {100, 100}},
      {"nothing scheduled, resources requested, differently sized nodes",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
       {},
       defaults,
       {37, 50}},
      {"Resources not set, pods scheduled with error",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
       {},
       {},
       {0, 0},
       Code::kError},
      {"no resources requested, pods scheduled",
       PodBuilder().Obj(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu4000Mem10000)},
       {PodBuilder().Node("node1").Obj(), PodBuilder().Node("node1").Obj(),
        PodBuilder().Node("node2").Obj(), PodBuilder().Node("node2").Obj()},
       defaults,
       {100, 100}},
      {"no resources requested, pods scheduled with resources",
       PodBuilder().Obj(),
       {MakeNode("node1", kCpu10000Mem20000), MakeNode("node2", kCpu10000Mem20000)},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node1", CpuMem("3000", "0")),
        OnNode("node2", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {70, 57}},
      {"resources requested, pods scheduled with resources",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu10000Mem20000), MakeNode("node2", kCpu10000Mem20000)},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {57, 45}},
      {"resources requested, pods scheduled with resources, differently sized nodes",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu10000Mem20000),
        MakeNode("node2", {{"cpu", "10000"}, {"memory", "50000"}})},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {57, 60}},
      {"requested resources exceed node capacity",
       PodBuilder().Container(CpuMem("3000", "0")).Obj(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu4000Mem10000)},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {50, 25}},
      {"zero node resources, pods scheduled with resources",
       PodBuilder().Obj(),
       {MakeNode("node1", {}), MakeNode("node2", {})},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {0, 0}},
      {"nothing scheduled, resources requested with different weight on CPU and memory, "
       "differently sized nodes",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
       {},
       {{"memory", 2}, {"cpu", 1}},
       {41, 50}},
      {"bypass extended resource if the pod does not request",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu6000Mem10000),
        MakeNode("node2", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "4"}})},
       {},
       ExtendedResourceSet(),
       {50, 50}},
      {"honor extended resource if the pod requests",
       PodBuilder().Container({{"cpu", "3000"}, {"memory", "5000"}, {kExtendedRes, "2"}}).Obj(),
       {MakeNode("node1", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "4"}}),
        MakeNode("node2", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "10"}})},
       {},
       ExtendedResourceSet(),
       {50, 60}},
      {"if the node doesn't have a resource",
       PodBuilder().Container(CpuMem("3000", "4000")).Obj(),
       {MakeNode("node1", kCpu6000Mem10000),
        MakeNode("node2", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "4"}})},
       {},
       {{kExtendedRes, 2}, {"cpu", 1}, {"memory", 1}},
       {55, 55}},
  };
  RunScoreCases(ScoringStrategyType::kLeastAllocated, cases);
}

TEST_CASE("NodeResourcesFit Score: MostAllocated (most_allocated_test.go)") {
  const auto defaults = DefaultResourceSpecs();
  const std::vector<ScoreCase> cases = {
      {"nothing scheduled, nothing requested",
       PodBuilder().Obj(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu4000Mem10000)},
       {},
       defaults,
       {0, 0}},
      {"nothing scheduled, resources requested, differently sized nodes",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
       {},
       defaults,
       {62, 50}},
      {"Resources not set, pods scheduled with error",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
       {},
       {},
       {0, 0},
       Code::kError},
      {"no resources requested, pods scheduled with resources",
       PodBuilder().Obj(),
       {MakeNode("node1", kCpu10000Mem20000), MakeNode("node2", kCpu10000Mem20000)},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node1", CpuMem("3000", "0")),
        OnNode("node2", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {30, 42}},
      {"resources requested, pods scheduled with resources",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu10000Mem20000), MakeNode("node2", kCpu10000Mem20000)},
       {OnNode("node1", CpuMem("3000", "0")), OnNode("node2", CpuMem("3000", "5000"))},
       defaults,
       {42, 55}},
      {"resources requested equal node capacity",
       PodBuilder().Container(CpuMem("2000", "4000")).Container(CpuMem("3000", "5000")).Obj(),
       {MakeNode("node1", {{"cpu", "5000"}, {"memory", "10000"}}),
        MakeNode("node2", {{"cpu", "10000"}, {"memory", "9000"}})},
       {},
       defaults,
       {95, 75}},
      {"nothing scheduled, resources requested, differently sized nodes, weighted",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
       {},
       {{"memory", 2}, {"cpu", 1}},
       {58, 50}},
      {"no resources requested, pods scheduled, nonzero request for resource",
       PodBuilder().Container({}).Obj(),
       {MakeNode("node1", {{"cpu", "250m"}, {"memory", "1000Mi"}}),
        MakeNode("node2", {{"cpu", "250m"}, {"memory", "1000Mi"}})},
       {PodBuilder().Node("node1").Container({}).Obj(),
        PodBuilder().Node("node1").Container({}).Obj()},
       defaults,
       {80, 30}},
      {"bypass extended resource if the pod does not request",
       CpuAndMemoryPod(),
       {MakeNode("node1", kCpu6000Mem10000),
        MakeNode("node2", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "4"}})},
       {},
       ExtendedResourceSet(),
       {50, 50}},
      {"honor extended resource if the pod request",
       PodBuilder().Container({{"cpu", "3000"}, {"memory", "5000"}, {kExtendedRes, "2"}}).Obj(),
       {MakeNode("node1", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "4"}}),
        MakeNode("node2", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "10"}})},
       {},
       ExtendedResourceSet(),
       {50, 40}},
      {"if the node doesn't have a resource",
       PodBuilder().Container(CpuMem("3000", "4000")).Obj(),
       {MakeNode("node1", kCpu6000Mem10000),
        MakeNode("node2", {{"cpu", "6000"}, {"memory", "10000"}, {kExtendedRes, "4"}})},
       {},
       {{kExtendedRes, 2}, {"cpu", 1}, {"memory", 1}},
       {45, 45}},
  };
  RunScoreCases(ScoringStrategyType::kMostAllocated, cases);
}

TEST_CASE(
    "NodeResourcesFit Score: RequestedToCapacityRatio (requested_to_capacity_ratio_test.go)") {
  const auto defaults = DefaultResourceSpecs();
  const std::vector<UtilizationShapePoint> shape = {{0, 10}, {100, 0}};
  SUBCASE("least requested shape") {
    const std::vector<ScoreCase> cases = {
        {"nothing scheduled, nothing requested (default - least requested nodes have priority)",
         PodBuilder().Obj(),
         {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu4000Mem10000)},
         {PodBuilder().Node("node1").Obj(), PodBuilder().Node("node1").Obj()},
         defaults,
         {100, 100}},
        {"nothing scheduled, resources requested, differently sized nodes (default - least "
         "requested nodes have priority)",
         CpuAndMemoryPod(),
         {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
         {PodBuilder().Node("node1").Obj(), PodBuilder().Node("node1").Obj()},
         defaults,
         {38, 50}},
        {"no resources requested, pods scheduled with resources (default - least requested nodes "
         "have priority)",
         PodBuilder().Obj(),
         {MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)},
         {OnNode("node1", CpuMem("3000", "5000")), OnNode("node2", CpuMem("3000", "5000"))},
         defaults,
         {38, 50}},
    };
    RunScoreCases(ScoringStrategyType::kRequestedToCapacityRatio, cases, shape);
  }

  // TestResourceBinPackingSingleExtended: makeNode(name, 4000m, 10000Mi, intel.com/foo).
  auto make_node = [](const std::string& name, const List& extended) {
    List alloc = {{"cpu", "4000m"}, {"memory", std::to_string(10000LL * 1024 * 1024)}};
    alloc.insert(extended.begin(), extended.end());
    return MakeNode(name, alloc);
  };
  const std::vector<UtilizationShapePoint> bin_packing = {{0, 0}, {100, 1}};
  SUBCASE("single extended resource") {
    const std::vector<NodePtr> nodes = {make_node("node1", {{"intel.com/foo", "8"}}),
                                        make_node("node2", {{"intel.com/foo", "4"}})};
    const std::vector<ResourceSpec> foo = {{"intel.com/foo", 1}};
    const List foo2 = {{"intel.com/foo", "2"}}, foo4 = {{"intel.com/foo", "4"}};
    const std::vector<ScoreCase> cases = {
        {"nothing scheduled, nothing requested", PodBuilder().Obj(), nodes, {}, foo, {0, 0}},
        {"resources requested, pods scheduled with less resources",
         PodBuilder().Container(foo2).Obj(),
         nodes,
         {PodBuilder().Obj()},
         foo,
         {2, 5}},
        {"resources requested, pods scheduled with resources, on node with existing pod running",
         PodBuilder().Container(foo2).Obj(),
         nodes,
         {OnNode("node2", foo2)},
         foo,
         {2, 10}},
        {"resources requested, pods scheduled with more resources",
         PodBuilder().Container(foo4).Obj(),
         nodes,
         {PodBuilder().Obj()},
         foo,
         {5, 10}},
    };
    RunScoreCases(ScoringStrategyType::kRequestedToCapacityRatio, cases, bin_packing);
  }
  SUBCASE("multiple extended resources") {
    const std::vector<NodePtr> nodes = {
        make_node("node1", {{"intel.com/foo", "8"}, {"intel.com/bar", "4"}}),
        make_node("node2", {{"intel.com/foo", "4"}, {"intel.com/bar", "8"}})};
    const std::vector<ResourceSpec> weights = {{"intel.com/foo", 3}, {"intel.com/bar", 5}};
    const List pod1 = {{"intel.com/foo", "2"}, {"intel.com/bar", "2"}};
    const List pod2 = {{"intel.com/foo", "4"}, {"intel.com/bar", "2"}};
    const std::vector<ScoreCase> cases = {
        {"nothing scheduled, nothing requested", PodBuilder().Obj(), nodes, {}, weights, {0, 0}},
        {"resources requested, pods scheduled with less resources",
         PodBuilder().Container(pod1).Obj(),
         nodes,
         {PodBuilder().Obj()},
         weights,
         {4, 3}},
        {"resources requested, pods scheduled with resources, on node with existing pod running",
         PodBuilder().Container(pod1).Obj(),
         nodes,
         {OnNode("node2", pod2)},
         weights,
         {4, 7}},
        {"resources requested, pods scheduled with more resources",
         PodBuilder().Container(pod2).Obj(),
         nodes,
         {PodBuilder().Obj()},
         weights,
         {5, 5}},
    };
    RunScoreCases(ScoringStrategyType::kRequestedToCapacityRatio, cases, bin_packing);
  }
}

TEST_CASE("BrokenLinearFunction (requested_to_capacity_ratio_test.go TestBrokenLinearFunction)") {
  struct Case {
    std::vector<UtilizationShapePoint> shape;
    std::vector<std::pair<int64_t, int64_t>> assertions;  // p -> expected
  };
  const std::vector<Case> cases = {
      {{{10, 1}, {90, 9}},
       {{-10, 1},
        {0, 1},
        {9, 1},
        {10, 1},
        {15, 1},
        {19, 1},
        {20, 2},
        {89, 8},
        {90, 9},
        {99, 9},
        {100, 9},
        {110, 9}}},
      {{{0, 2}, {40, 10}, {100, 0}},
       {{-10, 2}, {0, 2}, {20, 6}, {30, 8}, {40, 10}, {70, 5}, {100, 0}, {110, 0}}},
      {{{0, 2}, {40, 2}, {100, 2}},
       {{-10, 2}, {0, 2}, {20, 2}, {30, 2}, {40, 2}, {70, 2}, {100, 2}, {110, 2}}},
  };
  for (const Case& c : cases) {
    for (const auto& [p, expected] : c.assertions) {
      CAPTURE(p);
      CHECK(BrokenLinearFunction(c.shape, p) == expected);
    }
  }
}

TEST_CASE("NodeResourcesFit Score through the factory: args select the strategy") {
  scheduler::testing::FakeHandle handle;
  auto nodes =
      NodeInfos({MakeNode("node1", kCpu4000Mem10000), MakeNode("node2", kCpu6000Mem10000)});
  auto score = [&](const std::string& yaml) {
    auto plugin = NewNodeResourcesFit(YAML::Load(yaml), handle);
    REQUIRE(plugin.ok());
    auto* fit = dynamic_cast<NodeResourcesFit*>(plugin->get());
    return Scores(*fit, fit, *CpuAndMemoryPod(), nodes);
  };
  CHECK(score("") == std::vector<int64_t>{37, 50});
  CHECK(score("scoringStrategy: {type: MostAllocated}") == std::vector<int64_t>{62, 50});
  CHECK(score(R"(scoringStrategy:
                   type: RequestedToCapacityRatio
                   requestedToCapacityRatio:
                     shape: [{utilization: 0, score: 10}, {utilization: 100, score: 0}])") ==
        std::vector<int64_t>{38, 50});
}

}  // namespace pk::scheduler::plugins
