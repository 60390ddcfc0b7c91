// Cases from Kubernetes' noderesources balanced_allocation_test.go (same numbers).
#include "scheduler/plugins/node_resources_balanced_allocation.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scheduler/framework/testing.h"
#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/resource_testing.h"

namespace pk::scheduler::plugins {
namespace {

using fixtures::List;
using fixtures::MakeNode;
using fixtures::NodeInfos;
using fixtures::PodBuilder;
using fixtures::Scores;

// balanced_allocation_test.go's makeNode(name, milliCPU, memory, extended).
NodePtr Node(const std::string& name, int64_t milli_cpu, int64_t memory,
             const List& extended = {}) {
  List alloc = {{"cpu", std::to_string(milli_cpu) + "m"}, {"memory", std::to_string(memory)}};
  alloc.insert(extended.begin(), extended.end());
  return MakeNode(name, alloc);
}

// The test's pod specs: cpuOnly (1000m+2000m, memory 0) and cpuAndMemory (1000m/2000 +
// 2000m/3000), on a node; cpuAndMemoryAndGPU adds nvidia.com/gpu 3 to the second container.
PodPtr CpuOnly(const std::string& node = "") {
  return PodBuilder()
      .Node(node)
      .Container({{"cpu", "1000m"}, {"memory", "0"}})
      .Container({{"cpu", "2000m"}, {"memory", "0"}})
      .Obj();
}
PodPtr CpuAndMemory(const std::string& node = "") {
  return PodBuilder()
      .Node(node)
      .Container({{"cpu", "1000m"}, {"memory", "2000"}})
      .Container({{"cpu", "2000m"}, {"memory", "3000"}})
      .Obj();
}
PodPtr CpuAndMemoryAndGpu(const std::string& node) {
  return PodBuilder()
      .Node(node)
      .Container({{"cpu", "1000m"}, {"memory", "2000"}})
      .Container({{"cpu", "2000m"}, {"memory", "3000"}, {"nvidia.com/gpu", "3"}})
      .Obj();
}

}  // namespace

TEST_CASE("NodeResourcesBalancedAllocation Score (balanced_allocation_test.go)") {
  const std::vector<ResourceSpec> defaults = DefaultResourceSpecs();
  const std::vector<ResourceSpec> with_gpu = {{"cpu", 1}, {"memory", 1}, {"nvidia.com/gpu", 1}};
  const List gpu8 = {{"nvidia.com/gpu", "8"}};
  struct Case {
    std::string name;
    PodPtr pod;
    std::vector<NodePtr> nodes;
    std::vector<PodPtr> existing;
    std::vector<ResourceSpec> resources;
    std::vector<int64_t> want;
    bool run_pre_score = true;
  };
  const std::vector<Case> cases = {
      // Fractions 0 and 0: std 0. (Kubernetes 1.33 skips best-effort pods in PreScore.)
      {"nothing scheduled, nothing requested",
       PodBuilder().Obj(),
       {Node("node1", 4000, 10000), Node("node2", 4000, 10000)},
       {},
       defaults,
       {100, 100}},
      // node1: cpu 3000/4000 = .75, memory 5000/10000 = .5, std .125 -> 87; node2: .5, .5 -> 100.
      {"nothing scheduled, resources requested, differently sized nodes",
       CpuAndMemory(),
       {Node("node1", 4000, 10000), Node("node2", 6000, 10000)},
       {},
       defaults,
       {87, 100}},
      // node1: .6, .25 -> 82; node2: .6, .5 -> 95.
      {"resources requested, pods scheduled with resources",
       CpuAndMemory(),
       {Node("node1", 10000, 20000), Node("node2", 10000, 20000)},
       {CpuOnly("node1"), CpuAndMemory("node2")},
       defaults,
       {82, 95}},
      // node1: .6, .25 -> 82; node2: .6, .2 -> 80.
      {"resources requested, pods scheduled with resources, differently sized nodes",
       CpuAndMemory(),
       {Node("node1", 10000, 20000), Node("node2", 10000, 50000)},
       {CpuOnly("node1"), CpuAndMemory("node2")},
       defaults,
       {82, 80}},
      // node1: 1, 0 -> 50; node2: 1, .5 -> 75.
      {"requested resources at node capacity",
       CpuOnly(),
       {Node("node1", 6000, 10000), Node("node2", 6000, 10000)},
       {CpuOnly("node1"), CpuAndMemory("node2")},
       defaults,
       {50, 75}},
      // node1: .857, .125, gpu 4/8 -> std .3002 -> 70; node2: .857, .125, 1/8 -> std .345 -> 65.
      {"include scalar resource on a node for balanced resource allocation",
       PodBuilder().Container({{"memory", "0"}, {"nvidia.com/gpu", "1"}}).Obj(),
       {Node("node1", 3500, 40000, gpu8), Node("node2", 3500, 40000, gpu8)},
       {CpuAndMemory("node2"), CpuAndMemoryAndGpu("node1")},
       with_gpu,
       {70, 65}},
      // The pod does not request the gpu: only cpu .857 and memory .125 count -> 63.
      {"node without the scalar resource should skip the scalar resource",
       CpuAndMemory(),
       {Node("node1", 3500, 40000, gpu8), Node("node2", 3500, 40000)},
       {},
       with_gpu,
       {63, 63}},
      {"resources requested, pods scheduled with resources if PreScore not called",
       CpuAndMemory(),
       {Node("node1", 10000, 20000), Node("node2", 10000, 20000)},
       {CpuOnly("node1"), CpuAndMemory("node2")},
       defaults,
       {82, 95},
       false},
      // Requests, not the non-zero defaults: request-less pods leave the node at 0, 0.
      {"pods without requests count nothing",
       PodBuilder().Container({}).Obj(),
       {Node("node1", 1000, 1000000000)},
       {PodBuilder().Node("node1").Container({}).Obj()},
       defaults,
       {100}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    NodeResourcesBalancedAllocationArgs args;
    args.resources = c.resources;
    NodeResourcesBalancedAllocation plugin(args);
    auto infos = NodeInfos(c.nodes, c.existing);
    CHECK(Scores(plugin, c.run_pre_score ? &plugin : nullptr, *c.pod, infos) == c.want);
  }
}

TEST_CASE("BalancedResourceScore: the standard deviation of the fractions") {
  CHECK(BalancedResourceScore({}, {}) == 100);
  CHECK(BalancedResourceScore({1}, {2}) == 100);        // one resource: std 0
  CHECK(BalancedResourceScore({3, 0}, {4, 0}) == 100);  // allocatable 0 is skipped
  CHECK(BalancedResourceScore({8, 0}, {4, 10}) == 50);  // fractions capped at 1
  CHECK(BalancedResourceScore({3000, 5000, 4}, {3500, 40000, 8}) == 70);
}

TEST_CASE("NodeResourcesBalancedAllocation args") {
  SUBCASE("defaults: cpu and memory") {
    auto args = NodeResourcesBalancedAllocationArgs::Parse(YAML::Node());
    REQUIRE(args.ok());
    CHECK(args->resources == DefaultResourceSpecs());
  }
  SUBCASE("resources, weight defaulting to 1") {
    auto args = NodeResourcesBalancedAllocationArgs::Parse(
        YAML::Load("resources: [{name: cpu}, {name: example.com/gpu, weight: 1}]"));
    REQUIRE(args.ok());
    CHECK(args->resources == std::vector<ResourceSpec>{{"cpu", 1}, {"example.com/gpu", 1}});
  }
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> bad = {
      {"resources: [{name: cpu}, {name: cpu}]",
       R"(NodeResourcesBalancedAllocation: resources[1].name: Duplicate value: "cpu")"},
      {"resources: [{name: cpu, weight: 2}]",
       "NodeResourcesBalancedAllocation: resources[0].weight: Invalid value: 2: must be 1"},
      {"resources: [{name: cpu, weight: 2}, {name: cpu}]",
       "NodeResourcesBalancedAllocation: [resources[0].weight: Invalid value: 2: must be 1, "
       R"(resources[1].name: Duplicate value: "cpu"])"},
      {"resource: []", R"(NodeResourcesBalancedAllocation: unknown field "resource")"},
  };
  for (const Case& c : bad) {
    CAPTURE(c.yaml);
    auto args = NodeResourcesBalancedAllocationArgs::Parse(YAML::Load(c.yaml));
    REQUIRE_FALSE(args.ok());
    CHECK(args.status().reason() == Reason::kBadRequest);
    CHECK(args.status().message() == c.want);
  }
}

TEST_CASE("NewNodeResourcesBalancedAllocation") {
  scheduler::testing::FakeHandle handle;
  auto plugin = NewNodeResourcesBalancedAllocation(YAML::Node(), handle);
  REQUIRE(plugin.ok());
  auto* ba = dynamic_cast<NodeResourcesBalancedAllocation*>(plugin->get());
  REQUIRE(ba != nullptr);
  CHECK(ba->Name() == "NodeResourcesBalancedAllocation");
  auto infos = NodeInfos({Node("node1", 4000, 10000), Node("node2", 6000, 10000)});
  CHECK(Scores(*ba, ba, *CpuAndMemory(), infos) == std::vector<int64_t>{87, 100});
  CHECK_FALSE(
      NewNodeResourcesBalancedAllocation(YAML::Load("resources: [{name: cpu, weight: 3}]"), handle)
          .ok());
}

}  // namespace pk::scheduler::plugins
