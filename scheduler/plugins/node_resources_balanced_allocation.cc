#include "scheduler/plugins/node_resources_balanced_allocation.h"

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

struct PreScoreState : StateData {
  std::vector<int64_t> pod_requests;  // parallel to the configured resources
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreScoreState>(*this);
  }
};

}  // namespace

int64_t BalancedResourceScore(const std::vector<int64_t>& requested,
                              const std::vector<int64_t>& allocatable) {
  std::vector<double> fractions;
  double total = 0;
  for (size_t i = 0; i < requested.size(); ++i) {
    if (allocatable[i] == 0) continue;
    double fraction = static_cast<double>(requested[i]) / static_cast<double>(allocatable[i]);
    if (fraction > 1) fraction = 1;
    total += fraction;
    fractions.push_back(fraction);
  }
  double std_dev = 0;
  if (fractions.size() == 2) {
    std_dev = std::abs((fractions[0] - fractions[1]) / 2);
  } else if (fractions.size() > 2) {
    double mean = total / static_cast<double>(fractions.size());
    double sum = 0;
    for (double f : fractions) sum += (f - mean) * (f - mean);
    std_dev = std::sqrt(sum / static_cast<double>(fractions.size()));
  }
  return static_cast<int64_t>((1 - std_dev) * static_cast<double>(kMaxNodeScore));
}

Result<NodeResourcesBalancedAllocationArgs> NodeResourcesBalancedAllocationArgs::Parse(
    const YAML::Node& args) {
  NodeResourcesBalancedAllocationArgs out;
  ArgsErrors errors;
  if (args && !args.IsNull()) {
    if (!args.IsMap()) {
      errors.Add("args: must be an object");
      return errors.ToStatus(NodeResourcesBalancedAllocation::kName);
    }
    CheckKnownFields(args, "", {"apiVersion", "kind", "resources"}, errors);
    ReadResourceSpecs(args["resources"], "resources", &out.resources, errors);
  }
  if (!errors.empty()) return errors.ToStatus(NodeResourcesBalancedAllocation::kName);
  Status s = out.Validate();
  if (!s.ok()) return s;
  return out;
}

Status NodeResourcesBalancedAllocationArgs::Validate() const {
  ArgsErrors errors;
  std::set<std::string> seen;
  for (size_t i = 0; i < resources.size(); ++i) {
    std::string field = "resources[" + std::to_string(i) + "]";
    if (!seen.insert(resources[i].name).second) {
      errors.Duplicate(field + ".name", resources[i].name);
    }
    if (resources[i].weight != 1) {
      errors.Invalid(field + ".weight", std::to_string(resources[i].weight), "must be 1");
    }
  }
  return errors.ToStatus(NodeResourcesBalancedAllocation::kName);
}

NodeResourcesBalancedAllocation::NodeResourcesBalancedAllocation(
    NodeResourcesBalancedAllocationArgs args)
    : scorer_(std::move(args.resources), /*use_requested=*/true, BalancedResourceScore) {}

PluginStatus NodeResourcesBalancedAllocation::PreScore(CycleState& state, const Pod& pod,
                                                       const std::vector<const NodeInfo*>&) {
  auto data = std::make_unique<PreScoreState>();
  data->pod_requests = scorer_.PodRequestList(pod);
  state.Write(std::string(kPreScoreStateKey), std::move(data));
  return {};
}

PluginStatus NodeResourcesBalancedAllocation::Score(const CycleState& state, const Pod& pod,
                                                    const NodeInfo& node, int64_t* score) const {
  if (const auto* s = state.Read<PreScoreState>(std::string(kPreScoreStateKey))) {
    return scorer_.Score(node, s->pod_requests, score);
  }
  return scorer_.Score(node, scorer_.PodRequestList(pod), score);
}

Result<std::unique_ptr<Plugin>> NewNodeResourcesBalancedAllocation(const YAML::Node& args,
                                                                   Handle&) {
  auto parsed = NodeResourcesBalancedAllocationArgs::Parse(args);
  if (!parsed.ok()) return parsed.take_status();
  return std::unique_ptr<Plugin>(
      std::make_unique<NodeResourcesBalancedAllocation>(std::move(*parsed)));
}

}  // namespace pk::scheduler::plugins
