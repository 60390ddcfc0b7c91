// NodeResourcesFit's filter and args, with the cases of Kubernetes' fit_test.go (same
// numbers). Scoring is tested in node_resources_fit_scoring_test.cc.
#include "scheduler/plugins/node_resources_fit.h"

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

NodeResourcesFitArgs ParseArgs(const std::string& yaml) {
  auto args = NodeResourcesFitArgs::Parse(YAML::Load(yaml));
  REQUIRE_MESSAGE(args.ok(), args.status().ToString());
  return *args;
}

// Runs PreFilter and Filter of a plugin with `args_yaml` for `pod` on `node`.
PluginStatus RunFilter(const std::string& args_yaml, const Pod& pod, const NodeInfo& node) {
  NodeResourcesFit plugin(ParseArgs(args_yaml));
  CycleState state;
  PluginStatus pre = plugin.PreFilter(state, pod, nullptr);
  REQUIRE(pre.ok());
  return plugin.Filter(state, pod, node);
}

// fit_test.go's node: cpu 10m, memory 20, pods 32, example.com/aaa 5, ephemeral-storage 20,
// hugepages-2Mi 5; one pod using `used` already on it.
NodeInfoPtr FitNode(const List& used, const std::string& pods = "32") {
  auto node = MakeNode("node", {{"cpu", "10m"},
                                {"memory", "20"},
                                {"pods", pods},
                                {"example.com/aaa", "5"},
                                {"ephemeral-storage", "20"},
                                {"hugepages-2Mi", "5"}});
  return NodeInfos({node}, {PodBuilder().Node("node").Container(used).Obj()})[0];
}

const List kNone = {};
List CpuMem(const std::string& cpu, const std::string& mem) {
  return {{"cpu", cpu}, {"memory", mem}};
}

}  // namespace

TEST_CASE("NodeResourcesFit Filter: enough requests (fit_test.go TestEnoughRequests)") {
  const std::string aaa = "example.com/aaa", bbb = "example.com/bbb";
  struct Case {
    std::string name;
    PodPtr pod;
    List used;
    std::string args;  // YAML
    std::vector<InsufficientResource> want;
  };
  auto with = [](List l, const std::string& k, const std::string& v) {
    l[k] = v;
    return l;
  };
  const std::vector<Case> cases = {
      {"no resources requested always fits", PodBuilder().Obj(), CpuMem("10m", "20"), "", {}},
      {"too many resources fails",
       PodBuilder().Container(CpuMem("1m", "1")).Obj(),
       CpuMem("10m", "20"),
       "",
       {{"cpu", "Insufficient cpu", 1, 10, 10}, {"memory", "Insufficient memory", 1, 20, 20}}},
      {"too many resources fails due to init container cpu",
       PodBuilder().Container(CpuMem("1m", "1")).Init(CpuMem("3m", "1")).Obj(),
       CpuMem("8m", "19"),
       "",
       {{"cpu", "Insufficient cpu", 3, 8, 10}}},
      {"too many resources fails due to highest init container cpu",
       PodBuilder()
           .Container(CpuMem("1m", "1"))
           .Init(CpuMem("3m", "1"))
           .Init(CpuMem("2m", "1"))
           .Obj(),
       CpuMem("8m", "19"),
       "",
       {{"cpu", "Insufficient cpu", 3, 8, 10}}},
      {"too many resources fails due to init container memory",
       PodBuilder().Container(CpuMem("1m", "1")).Init(CpuMem("1m", "3")).Obj(),
       CpuMem("9m", "19"),
       "",
       {{"memory", "Insufficient memory", 3, 19, 20}}},
      {"too many resources fails due to highest init container memory",
       PodBuilder()
           .Container(CpuMem("1m", "1"))
           .Init(CpuMem("1m", "3"))
           .Init(CpuMem("1m", "2"))
           .Obj(),
       CpuMem("9m", "19"),
       "",
       {{"memory", "Insufficient memory", 3, 19, 20}}},
      {"init container fits because it's the max, not sum, of containers and init containers",
       PodBuilder().Container(CpuMem("1m", "1")).Init(CpuMem("1m", "1")).Obj(),
       CpuMem("9m", "19"),
       "",
       {}},
      {"multiple init containers fit because it's the max, not sum, of containers and init "
       "containers",
       PodBuilder()
           .Container(CpuMem("1m", "1"))
           .Init(CpuMem("1m", "1"))
           .Init(CpuMem("1m", "1"))
           .Obj(),
       CpuMem("9m", "19"),
       "",
       {}},
      {"both resources fit",
       PodBuilder().Container(CpuMem("1m", "1")).Obj(),
       CpuMem("5m", "5"),
       "",
       {}},
      {"one resource memory fits",
       PodBuilder().Container(CpuMem("2m", "1")).Obj(),
       CpuMem("9m", "5"),
       "",
       {{"cpu", "Insufficient cpu", 2, 9, 10}}},
      {"one resource cpu fits",
       PodBuilder().Container(CpuMem("1m", "2")).Obj(),
       CpuMem("5m", "19"),
       "",
       {{"memory", "Insufficient memory", 2, 19, 20}}},
      {"equal edge case",
       PodBuilder().Container(CpuMem("5m", "1")).Obj(),
       CpuMem("5m", "19"),
       "",
       {}},
      {"equal edge case for init container",
       PodBuilder().Container(CpuMem("4m", "1")).Init(CpuMem("5m", "1")).Obj(),
       CpuMem("5m", "19"),
       "",
       {}},
      {"extended resource fits", PodBuilder().Container({{aaa, "1"}}).Obj(), kNone, "", {}},
      {"extended resource fits for init container",
       PodBuilder().Container(kNone).Init({{aaa, "1"}}).Obj(),
       kNone,
       "",
       {}},
      {"extended resource capacity enforced",
       PodBuilder().Container(with(CpuMem("1m", "1"), aaa, "10")).Obj(),
       {{aaa, "0"}},
       "",
       {{aaa, "Insufficient example.com/aaa", 10, 0, 5}}},
      {"extended resource capacity enforced for init container",
       PodBuilder().Container(kNone).Init(with(CpuMem("1m", "1"), aaa, "10")).Obj(),
       {{aaa, "0"}},
       "",
       {{aaa, "Insufficient example.com/aaa", 10, 0, 5}}},
      {"extended resource allocatable enforced",
       PodBuilder().Container(with(CpuMem("1m", "1"), aaa, "1")).Obj(),
       {{aaa, "5"}},
       "",
       {{aaa, "Insufficient example.com/aaa", 1, 5, 5}}},
      {"extended resource allocatable enforced for init container",
       PodBuilder().Container(kNone).Init(with(CpuMem("1m", "1"), aaa, "1")).Obj(),
       {{aaa, "5"}},
       "",
       {{aaa, "Insufficient example.com/aaa", 1, 5, 5}}},
      {"extended resource allocatable enforced for multiple containers",
       PodBuilder()
           .Container(with(CpuMem("1m", "1"), aaa, "3"))
           .Container(with(CpuMem("1m", "1"), aaa, "3"))
           .Obj(),
       {{aaa, "2"}},
       "",
       {{aaa, "Insufficient example.com/aaa", 6, 2, 5}}},
      {"extended resource allocatable admits multiple init containers",
       PodBuilder()
           .Container(kNone)
           .Init(with(CpuMem("1m", "1"), aaa, "3"))
           .Init(with(CpuMem("1m", "1"), aaa, "3"))
           .Obj(),
       {{aaa, "2"}},
       "",
       {}},
      {"extended resource allocatable enforced for multiple init containers",
       PodBuilder()
           .Container(kNone)
           .Init(with(CpuMem("1m", "1"), aaa, "6"))
           .Init(with(CpuMem("1m", "1"), aaa, "3"))
           .Obj(),
       {{aaa, "2"}},
       "",
       {{aaa, "Insufficient example.com/aaa", 6, 2, 5}}},
      {"extended resource allocatable enforced for unknown resource",
       PodBuilder().Container(with(CpuMem("1m", "1"), bbb, "1")).Obj(),
       CpuMem("0", "0"),
       "",
       {{bbb, "Insufficient example.com/bbb", 1, 0, 0}}},
      {"extended resource allocatable enforced for unknown resource for init container",
       PodBuilder().Container(kNone).Init(with(CpuMem("1m", "1"), bbb, "1")).Obj(),
       CpuMem("0", "0"),
       "",
       {{bbb, "Insufficient example.com/bbb", 1, 0, 0}}},
      {"kubernetes.io resource capacity enforced",
       PodBuilder().Container(with(CpuMem("1m", "1"), "kubernetes.io/something", "10")).Obj(),
       CpuMem("0", "0"),
       "",
       {{"kubernetes.io/something", "Insufficient kubernetes.io/something", 10, 0, 0}}},
      {"kubernetes.io resource capacity enforced for init container",
       PodBuilder()
           .Container(kNone)
           .Init(with(CpuMem("1m", "1"), "subdomain.kubernetes.io/something", "10"))
           .Obj(),
       CpuMem("0", "0"),
       "",
       {{"subdomain.kubernetes.io/something", "Insufficient subdomain.kubernetes.io/something", 10,
         0, 0}}},
      {"hugepages resource capacity enforced",
       PodBuilder().Container(with(CpuMem("1m", "1"), "hugepages-2Mi", "10")).Obj(),
       {{"hugepages-2Mi", "0"}},
       "",
       {{"hugepages-2Mi", "Insufficient hugepages-2Mi", 10, 0, 5}}},
      {"hugepages resource capacity enforced for init container",
       PodBuilder().Container(kNone).Init(with(CpuMem("1m", "1"), "hugepages-2Mi", "10")).Obj(),
       {{"hugepages-2Mi", "0"}},
       "",
       {{"hugepages-2Mi", "Insufficient hugepages-2Mi", 10, 0, 5}}},
      {"hugepages resource allocatable enforced for multiple containers",
       PodBuilder()
           .Container(with(CpuMem("1m", "1"), "hugepages-2Mi", "3"))
           .Container(with(CpuMem("1m", "1"), "hugepages-2Mi", "3"))
           .Obj(),
       {{"hugepages-2Mi", "2"}},
       "",
       {{"hugepages-2Mi", "Insufficient hugepages-2Mi", 6, 2, 5}}},
      {"skip checking ignored extended resource",
       PodBuilder().Container(with(CpuMem("1m", "1"), bbb, "1")).Obj(),
       CpuMem("0", "0"),
       "ignoredResources: [example.com/bbb]",
       {}},
      {"resources + pod overhead fits",
       PodBuilder().Container(CpuMem("1m", "1")).Overhead(CpuMem("3m", "13")).Obj(),
       CpuMem("5m", "5"),
       "",
       {}},
      {"requests + overhead does not fit for memory",
       PodBuilder().Container(CpuMem("1m", "1")).Overhead(CpuMem("1m", "15")).Obj(),
       CpuMem("5m", "5"),
       "",
       {{"memory", "Insufficient memory", 16, 5, 20}}},
      {"skip checking ignored extended resource via resource groups",
       PodBuilder().Container(with(CpuMem("1m", "1"), bbb, "1")).Obj(),
       CpuMem("0", "0"),
       "ignoredResourceGroups: [example.com]",
       {}},
      {"skip checking extended resource request with quantity zero via resource groups",
       PodBuilder().Container(with(CpuMem("1m", "1"), aaa, "0")).Obj(),
       {{aaa, "6"}},
       "",
       {}},
      {"skip checking resource request with quantity zero",
       PodBuilder().Container(CpuMem("0", "1")).Obj(),
       CpuMem("12m", "2"),
       "",
       {}},
      {"a sidecar's requests add to the containers'",
       PodBuilder().Container(CpuMem("1m", "1")).Init(CpuMem("2m", "1"), /*sidecar=*/true).Obj(),
       CpuMem("8m", "5"),
       "",
       {{"cpu", "Insufficient cpu", 3, 8, 10}}},
      {"a regular init container's requests do not add to the containers'",
       PodBuilder().Container(CpuMem("1m", "1")).Init(CpuMem("2m", "1")).Obj(),
       CpuMem("8m", "5"),
       "",
       {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    NodeInfoPtr node = FitNode(c.used);
    PluginStatus got = RunFilter(c.args, *c.pod, *node);
    std::vector<std::string> want_reasons;
    for (const auto& r : c.want) want_reasons.push_back(r.reason);
    if (c.want.empty()) {
      CHECK_MESSAGE(got.ok(), got.Message());
    } else {
      CHECK(got.code() == Code::kUnschedulable);
      CHECK(got.reasons() == want_reasons);
    }
    NodeResourcesFitArgs args = ParseArgs(c.args);
    std::set<std::string> ignored(args.ignored_resources.begin(), args.ignored_resources.end());
    std::set<std::string> groups(args.ignored_resource_groups.begin(),
                                 args.ignored_resource_groups.end());
    CHECK(FitsRequest(PodRequests(*c.pod), *node, ignored, groups) == c.want);
  }
}

TEST_CASE("NodeResourcesFit Filter: too many pods (fit_test.go TestNotEnoughRequests)") {
  struct Case {
    std::string name;
    PodPtr pod;
    List used;
  };
  const std::vector<Case> cases = {
      {"even without specified resources predicate fails when there's no space for additional pod",
       PodBuilder().Obj(), CpuMem("10m", "20")},
      {"even if both resources fit predicate fails when there's no space for additional pod",
       PodBuilder().Container(CpuMem("1m", "1")).Obj(), CpuMem("5m", "5")},
      {"even for equal edge case predicate fails when there's no space for additional pod",
       PodBuilder().Container(CpuMem("5m", "1")).Obj(), CpuMem("5m", "19")},
      {"even for equal edge case predicate fails when there's no space for additional pod due to "
       "init container",
       PodBuilder().Container(CpuMem("5m", "1")).Init(CpuMem("5m", "1")).Obj(), CpuMem("5m", "19")},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    NodeInfoPtr node = FitNode(c.used, /*pods=*/"1");
    PluginStatus got = RunFilter("", *c.pod, *node);
    CHECK(got.code() == Code::kUnschedulable);
    CHECK(got.reasons() == std::vector<std::string>{"Too many pods"});
  }

  SUBCASE("every reason is reported together") {
    NodeInfoPtr node = FitNode(CpuMem("10m", "20"), /*pods=*/"1");
    PluginStatus got = RunFilter("", *PodBuilder().Container(CpuMem("1m", "1")).Obj(), *node);
    CHECK(got.code() == Code::kUnschedulable);
    CHECK(got.reasons() ==
          std::vector<std::string>{"Too many pods", "Insufficient cpu", "Insufficient memory"});
    CHECK(got.Message() == "Too many pods, Insufficient cpu, Insufficient memory");
  }
  SUBCASE("a node without a pods allocatable fits no pod") {
    auto node = NodeInfos({MakeNode("n", {{"cpu", "1"}})})[0];
    CHECK(RunFilter("", *PodBuilder().Obj(), *node).reasons() ==
          std::vector<std::string>{"Too many pods"});
  }
}

TEST_CASE("NodeResourcesFit Filter: ephemeral storage (fit_test.go TestStorageRequests)") {
  struct Case {
    std::string name;
    PodPtr pod;
    List used;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"due to container scratch disk",
       PodBuilder().Container(CpuMem("1m", "1")).Obj(),
       CpuMem("10m", "10"),
       {"Insufficient cpu"}},
      {"pod fit", PodBuilder().Container(CpuMem("1m", "1")).Obj(), CpuMem("2m", "10"), {}},
      {"storage ephemeral local storage request exceeds allocatable",
       PodBuilder().Container({{"ephemeral-storage", "25"}}).Obj(),
       CpuMem("2m", "2"),
       {"Insufficient ephemeral-storage"}},
      {"pod fits",
       PodBuilder().Container({{"ephemeral-storage", "10"}}).Obj(),
       CpuMem("2m", "2"),
       {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    PluginStatus got = RunFilter("", *c.pod, *FitNode(c.used));
    CHECK(got.reasons() == c.want);
    CHECK(got.code() == (c.want.empty() ? Code::kSuccess : Code::kUnschedulable));
  }
}

TEST_CASE("NodeResourcesFit Filter without PreFilter is an error") {
  NodeResourcesFit plugin(NodeResourcesFitArgs{});
  CycleState state;
  auto node = NodeInfos({MakeNode("n", {})})[0];
  PluginStatus got = plugin.Filter(state, *PodBuilder().Obj(), *node);
  CHECK(got.code() == Code::kError);
  CHECK(got.Message() == R"(error reading "PreFilterNodeResourcesFit" from cycleState: not found)");
}

// ---- args ----

TEST_CASE("NodeResourcesFit args: defaults and parsing") {
  SUBCASE("none: LeastAllocated over cpu and memory, weight 1") {
    auto args = NodeResourcesFitArgs::Parse(YAML::Node());
    REQUIRE(args.ok());
    CHECK(args->strategy == ScoringStrategyType::kLeastAllocated);
    CHECK(args->resources == std::vector<ResourceSpec>{{"cpu", 1}, {"memory", 1}});
    CHECK(args->ignored_resources.empty());
  }
  SUBCASE("everything") {
    NodeResourcesFitArgs args = ParseArgs(R"(
      ignoredResources: [example.com/foo]
      ignoredResourceGroups: [example.org]
      scoringStrategy:
        type: RequestedToCapacityRatio
        resources: [{name: cpu, weight: 2}, {name: intel.com/foo}]
        requestedToCapacityRatio:
          shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}])");
    CHECK(args.ignored_resources == std::vector<std::string>{"example.com/foo"});
    CHECK(args.ignored_resource_groups == std::vector<std::string>{"example.org"});
    CHECK(args.strategy == ScoringStrategyType::kRequestedToCapacityRatio);
    CHECK(args.resources == std::vector<ResourceSpec>{{"cpu", 2}, {"intel.com/foo", 1}});
    REQUIRE(args.shape.size() == 2);
    CHECK(args.shape[1].utilization == 100);
    CHECK(args.shape[1].score == 10);
  }
  SUBCASE("a strategy without resources scores cpu and memory") {
    NodeResourcesFitArgs args = ParseArgs("scoringStrategy: {type: MostAllocated}");
    CHECK(args.strategy == ScoringStrategyType::kMostAllocated);
    CHECK(args.resources == DefaultResourceSpecs());
  }
  SUBCASE("a weight of 0 defaults to 1") {
    NodeResourcesFitArgs args =
        ParseArgs("scoringStrategy: {type: LeastAllocated, resources: [{name: cpu, weight: 0}]}");
    CHECK(args.resources == std::vector<ResourceSpec>{{"cpu", 1}});
  }
}

TEST_CASE("NodeResourcesFit args: bad args are BadRequest naming the field") {
  struct Case {
    std::string yaml;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"scoringStrategy: {type: Foo}",
       R"(NodeResourcesFit: scoringStrategy.type: Unsupported value: "Foo": supported values: )"
       R"("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")"},
      {"scoringStrategy: {resources: [{name: cpu}]}",
       R"(NodeResourcesFit: scoringStrategy.type: Unsupported value: "": supported values: )"
       R"("LeastAllocated", "MostAllocated", "RequestedToCapacityRatio")"},
      {"scoringStrategy: {type: LeastAllocated, resources: [{name: memory, weight: -1}, {name: "
       "cpu, weight: 1}]}",
       "NodeResourcesFit: scoringStrategy.resources[0].weight: Invalid value: -1: resource weight "
       "of memory not in valid range (0, 100]"},
      {"scoringStrategy: {type: MostAllocated, resources: [{name: memory, weight: 1}, {name: cpu, "
       "weight: 101}]}",
       "NodeResourcesFit: scoringStrategy.resources[1].weight: Invalid value: 101: resource weight "
       "of cpu not in valid range (0, 100]"},
      {"scoringStrategy: {type: RequestedToCapacityRatio}",
       "NodeResourcesFit: scoringStrategy.requestedToCapacityRatio: Required value: must be "
       "specified when type is RequestedToCapacityRatio"},
      {"scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: []}}",
       "NodeResourcesFit: scoringStrategy.requestedToCapacityRatio.shape: Required value: at least "
       "one point must be specified"},
      {"scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: "
       "[{utilization: 50, score: 1}, {utilization: 10, score: 11}]}}",
       "NodeResourcesFit: [scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid "
       "value: 10: values must be sorted in increasing order, "
       "scoringStrategy.requestedToCapacityRatio.shape[1].score: Invalid value: 11: not in valid "
       "range [0, 10]]"},
      {"scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: "
       "[{utilization: -1, score: 1}, {utilization: 101, score: 1}]}}",
       "NodeResourcesFit: [scoringStrategy.requestedToCapacityRatio.shape[0].utilization: Invalid "
       "value: -1: not in valid range [0, 100], "
       "scoringStrategy.requestedToCapacityRatio.shape[1].utilization: Invalid value: 101: not in "
       "valid range [0, 100]]"},
      {"ignoredResourceGroups: [example.com/aaa]",
       R"(NodeResourcesFit: ignoredResourceGroups[0]: Invalid value: "example.com/aaa": resource )"
       R"(group name can't contain '/')"},
      {"scoringStrategy: {type: LeastAllocated, weights: 1}",
       R"(NodeResourcesFit: unknown field "scoringStrategy.weights")"},
      {"scoringStrategy: {type: LeastAllocated, resources: [{name: cpu, weight: x}]}",
       R"(NodeResourcesFit: scoringStrategy.resources[0].weight: Invalid value: "x": must be an )"
       R"(integer)"},
      {"ignoredResources: example.com/aaa",
       R"(NodeResourcesFit: ignoredResources: Invalid value: "example.com/aaa": must be a list of )"
       R"(strings)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    auto args = NodeResourcesFitArgs::Parse(YAML::Load(c.yaml));
    REQUIRE_FALSE(args.ok());
    CHECK(args.status().reason() == Reason::kBadRequest);
    CHECK(args.status().message() == c.want);
  }
  SUBCASE("an invalid ignored resource name") {
    auto args = NodeResourcesFitArgs::Parse(YAML::Load("ignoredResources: [-bad]"));
    REQUIRE_FALSE(args.ok());
    CHECK(args.status().message().starts_with(
        R"(NodeResourcesFit: ignoredResources[0]: Invalid value: "-bad": name part must)"));
  }
}

TEST_CASE("NewNodeResourcesFit builds the plugin from its args") {
  scheduler::testing::FakeHandle handle;
  auto plugin = NewNodeResourcesFit(YAML::Load("scoringStrategy: {type: MostAllocated}"), handle);
  REQUIRE(plugin.ok());
  auto* fit = dynamic_cast<NodeResourcesFit*>(plugin->get());
  REQUIRE(fit != nullptr);
  CHECK(fit->Name() == "NodeResourcesFit");
  CHECK(fit->args().strategy == ScoringStrategyType::kMostAllocated);
  CHECK_FALSE(NewNodeResourcesFit(YAML::Load("scoringStrategy: {type: X}"), handle).ok());
}

}  // namespace pk::scheduler::plugins
