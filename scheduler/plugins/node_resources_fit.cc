#include "scheduler/plugins/node_resources_fit.h"

#include <cmath>
#include <memory>
#include <utility>

#include "apimachinery/validation.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

// RequestedToCapacityRatio shapes score 0..10 (config.MaxCustomPriorityScore); scores are
// scaled to 0..kMaxNodeScore.
constexpr int64_t kMaxCustomPriorityScore = 10;
constexpr int64_t kMaxUtilization = 100;

struct PreFilterState : StateData {
  Resource requests;
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreFilterState>(*this);
  }
};

struct PreScoreState : StateData {
  std::vector<int64_t> pod_requests;  // parallel to the scored resources
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreScoreState>(*this);
  }
};

// ---- scoring strategies (least_allocated.go, most_allocated.go,
// requested_to_capacity_ratio.go) ----

int64_t LeastRequestedScore(int64_t requested, int64_t capacity) {
  if (capacity == 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

int64_t MostRequestedScore(int64_t requested, int64_t capacity) {
  if (capacity == 0) return 0;
  // Requests may exceed capacity: pods without requests count the non-zero defaults.
  if (requested > capacity) requested = capacity;
  return requested * kMaxNodeScore / capacity;
}

// The weighted mean (integer division) of per-resource scores over resources the node has.
ResourceScorer WeightedMeanScorer(std::vector<ResourceSpec> resources,
                                  int64_t (*resource_score)(int64_t, int64_t)) {
  return [resources = std::move(resources), resource_score](
             const std::vector<int64_t>& requested, const std::vector<int64_t>& allocatable) {
    int64_t node_score = 0, weight_sum = 0;
    for (size_t i = 0; i < requested.size(); ++i) {
      if (allocatable[i] == 0) continue;
      node_score += resource_score(requested[i], allocatable[i]) * resources[i].weight;
      weight_sum += resources[i].weight;
    }
    return weight_sum == 0 ? int64_t{0} : node_score / weight_sum;
  };
}

// Resources scoring 0 on the shape do not count towards the mean, which is rounded.
ResourceScorer RequestedToCapacityRatioScorer(std::vector<ResourceSpec> resources,
                                              std::vector<UtilizationShapePoint> shape) {
  for (auto& point : shape) point.score *= kMaxNodeScore / kMaxCustomPriorityScore;
  auto resource_score = [shape](int64_t requested, int64_t capacity) {
    if (capacity == 0 || requested > capacity) return BrokenLinearFunction(shape, kMaxUtilization);
    return BrokenLinearFunction(shape, requested * kMaxUtilization / capacity);
  };
  return [resources = std::move(resources), resource_score](
             const std::vector<int64_t>& requested, const std::vector<int64_t>& allocatable) {
    int64_t node_score = 0, weight_sum = 0;
    for (size_t i = 0; i < requested.size(); ++i) {
      if (allocatable[i] == 0) continue;
      int64_t score = resource_score(requested[i], allocatable[i]);
      if (score <= 0) continue;
      node_score += score * resources[i].weight;
      weight_sum += resources[i].weight;
    }
    if (weight_sum == 0) return int64_t{0};
    return static_cast<int64_t>(
        std::round(static_cast<double>(node_score) / static_cast<double>(weight_sum)));
  };
}

ResourceScorer MakeScorer(const NodeResourcesFitArgs& args) {
  switch (args.strategy) {
    case ScoringStrategyType::kMostAllocated:
      return WeightedMeanScorer(args.resources, MostRequestedScore);
    case ScoringStrategyType::kRequestedToCapacityRatio:
      return RequestedToCapacityRatioScorer(args.resources, args.shape);
    case ScoringStrategyType::kLeastAllocated:
      break;
  }
  return WeightedMeanScorer(args.resources, LeastRequestedScore);
}

// ---- args ----

const std::vector<std::string>& StrategyNames() {
  static const std::vector<std::string> names = {"LeastAllocated", "MostAllocated",
                                                 "RequestedToCapacityRatio"};
  return names;
}

std::string Index(const std::string& field, size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

void ReadShape(const YAML::Node& node, const std::string& field,
               std::vector<UtilizationShapePoint>* out, ArgsErrors& errors) {
  if (!node || node.IsNull()) return;
  if (!node.IsSequence()) {
    errors.Invalid(field, DescribeYaml(node), "must be a list of points");
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node& item = node[i];
    std::string path = Index(field, i);
    if (!item.IsMap()) {
      errors.Invalid(path, DescribeYaml(item), "must be an object {utilization, score}");
      continue;
    }
    CheckKnownFields(item, path, {"utilization", "score"}, errors);
    UtilizationShapePoint point;
    ReadInt(item["utilization"], path + ".utilization", &point.utilization, errors);
    ReadInt(item["score"], path + ".score", &point.score, errors);
    out->push_back(point);
  }
}

// Reads scoringStrategy; `has_ratio` tells whether requestedToCapacityRatio was given.
void ReadStrategy(const YAML::Node& node, NodeResourcesFitArgs& out, bool* has_ratio,
                  ArgsErrors& errors) {
  const std::string path = "scoringStrategy";
  if (!node.IsMap()) {
    errors.Invalid(path, DescribeYaml(node), "must be an object");
    return;
  }
  CheckKnownFields(node, path, {"type", "resources", "requestedToCapacityRatio"}, errors);
  std::string type;
  ReadString(node["type"], path + ".type", &type, errors);
  if (type == "LeastAllocated") {
    out.strategy = ScoringStrategyType::kLeastAllocated;
  } else if (type == "MostAllocated") {
    out.strategy = ScoringStrategyType::kMostAllocated;
  } else if (type == "RequestedToCapacityRatio") {
    out.strategy = ScoringStrategyType::kRequestedToCapacityRatio;
  } else {
    errors.NotSupported(path + ".type", type, StrategyNames());
  }
  ReadResourceSpecs(node["resources"], path + ".resources", &out.resources, errors);
  const YAML::Node ratio = node["requestedToCapacityRatio"];
  if (!ratio || ratio.IsNull()) return;
  *has_ratio = true;
  if (!ratio.IsMap()) {
    errors.Invalid(path + ".requestedToCapacityRatio", DescribeYaml(ratio),
                   "must be an object {shape}");
    return;
  }
  CheckKnownFields(ratio, path + ".requestedToCapacityRatio", {"shape"}, errors);
  ReadShape(ratio["shape"], path + ".requestedToCapacityRatio.shape", &out.shape, errors);
}

void ValidateShape(const std::vector<UtilizationShapePoint>& shape, const std::string& field,
                   ArgsErrors& errors) {
  if (shape.empty()) {
    errors.Required(field, "at least one point must be specified");
    return;
  }
  for (size_t i = 1; i < shape.size(); ++i) {
    if (shape[i - 1].utilization >= shape[i].utilization) {
      errors.Invalid(Index(field, i) + ".utilization", std::to_string(shape[i].utilization),
                     "values must be sorted in increasing order");
      break;
    }
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i].utilization < 0 || shape[i].utilization > kMaxUtilization) {
      errors.Invalid(Index(field, i) + ".utilization", std::to_string(shape[i].utilization),
                     "not in valid range [0, 100]");
    }
    if (shape[i].score < 0 || shape[i].score > kMaxCustomPriorityScore) {
      errors.Invalid(Index(field, i) + ".score", std::to_string(shape[i].score),
                     "not in valid range [0, 10]");
    }
  }
}

// metav1validation.ValidateLabelName: a qualified name ([prefix/]name).
void ValidateLabelName(const std::string& value, const std::string& field, ArgsErrors& errors) {
  for (const std::string& msg : validation::IsQualifiedName(value)) {
    errors.Invalid(field, validation::GoQuote(value), msg);
  }
}

}  // namespace

int64_t BrokenLinearFunction(const std::vector<UtilizationShapePoint>& shape, int64_t p) {
  for (size_t i = 0; i < shape.size(); ++i) {
    if (p > shape[i].utilization) continue;
    if (i == 0) return shape[0].score;
    const auto& lo = shape[i - 1];
    const auto& hi = shape[i];
    return lo.score +
           (hi.score - lo.score) * (p - lo.utilization) / (hi.utilization - lo.utilization);
  }
  return shape.empty() ? 0 : shape.back().score;
}

Result<NodeResourcesFitArgs> NodeResourcesFitArgs::Parse(const YAML::Node& args) {
  NodeResourcesFitArgs out;
  ArgsErrors errors;
  bool has_ratio = false;
  if (args && !args.IsNull()) {
    if (!args.IsMap()) {
      errors.Add("args: must be an object");
      return errors.ToStatus(NodeResourcesFit::kName);
    }
    CheckKnownFields(
        args, "",
        {"apiVersion", "kind", "ignoredResources", "ignoredResourceGroups", "scoringStrategy"},
        errors);
    ReadStringList(args["ignoredResources"], "ignoredResources", &out.ignored_resources, errors);
    ReadStringList(args["ignoredResourceGroups"], "ignoredResourceGroups",
                   &out.ignored_resource_groups, errors);
    const YAML::Node strategy = args["scoringStrategy"];
    if (strategy && !strategy.IsNull()) ReadStrategy(strategy, out, &has_ratio, errors);
  }
  if (out.strategy == ScoringStrategyType::kRequestedToCapacityRatio && !has_ratio) {
    errors.Required("scoringStrategy.requestedToCapacityRatio",
                    "must be specified when type is RequestedToCapacityRatio");
  }
  if (!errors.empty()) return errors.ToStatus(NodeResourcesFit::kName);
  Status s = out.Validate();
  if (!s.ok()) return s;
  return out;
}

Status NodeResourcesFitArgs::Validate() const {
  ArgsErrors errors;
  for (size_t i = 0; i < ignored_resources.size(); ++i) {
    ValidateLabelName(ignored_resources[i], Index("ignoredResources", i), errors);
  }
  for (size_t i = 0; i < ignored_resource_groups.size(); ++i) {
    const std::string& group = ignored_resource_groups[i];
    std::string field = Index("ignoredResourceGroups", i);
    if (group.find('/') != std::string::npos) {
      errors.Invalid(field, validation::GoQuote(group), "resource group name can't contain '/'");
    }
    ValidateLabelName(group, field, errors);
  }
  for (size_t i = 0; i < resources.size(); ++i) {
    if (resources[i].weight <= 0 || resources[i].weight > 100) {
      errors.Invalid(Index("scoringStrategy.resources", i) + ".weight",
                     std::to_string(resources[i].weight),
                     "resource weight of " + resources[i].name + " not in valid range (0, 100]");
    }
  }
  if (strategy == ScoringStrategyType::kRequestedToCapacityRatio) {
    ValidateShape(shape, "scoringStrategy.requestedToCapacityRatio.shape", errors);
  }
  return errors.ToStatus(NodeResourcesFit::kName);
}

std::vector<InsufficientResource> FitsRequest(const Resource& pod_request, const NodeInfo& node,
                                              const std::set<std::string>& ignored_resources,
                                              const std::set<std::string>& ignored_groups) {
  std::vector<InsufficientResource> out;
  const Resource& allocatable = node.allocatable();
  const Resource& used = node.requested();
  auto pods = static_cast<int64_t>(node.pods().size());
  if (pods + 1 > allocatable.allowed_pod_number) {
    out.push_back({"pods", "Too many pods", 1, pods, allocatable.allowed_pod_number});
  }
  if (pod_request.milli_cpu == 0 && pod_request.memory == 0 && pod_request.ephemeral_storage == 0 &&
      pod_request.scalar.empty()) {
    return out;
  }
  auto check = [&out](const std::string& name, int64_t request, int64_t in_use, int64_t cap) {
    if (request > 0 && request > cap - in_use) {
      out.push_back({name, "Insufficient " + name, request, in_use, cap});
    }
  };
  check("cpu", pod_request.milli_cpu, used.milli_cpu, allocatable.milli_cpu);
  check("memory", pod_request.memory, used.memory, allocatable.memory);
  check("ephemeral-storage", pod_request.ephemeral_storage, used.ephemeral_storage,
        allocatable.ephemeral_storage);
  for (const auto& [name, request] : pod_request.scalar) {
    if (request == 0) continue;
    if (IsExtendedResourceName(name)) {
      std::string group = name.substr(0, name.find('/'));
      if (ignored_resources.contains(name) || ignored_groups.contains(group)) continue;
    }
    check(name, request, used.Get(name), allocatable.Get(name));
  }
  return out;
}

NodeResourcesFit::NodeResourcesFit(NodeResourcesFitArgs args)
    : args_(std::move(args)),
      ignored_resources_(args_.ignored_resources.begin(), args_.ignored_resources.end()),
      ignored_groups_(args_.ignored_resource_groups.begin(), args_.ignored_resource_groups.end()),
      scorer_(args_.resources, /*use_requested=*/false, MakeScorer(args_)) {}

PluginStatus NodeResourcesFit::PreFilter(CycleState& state, const Pod& pod, PreFilterResult*) {
  auto data = std::make_unique<PreFilterState>();
  data->requests = PodRequests(pod);
  state.Write(std::string(kPreFilterStateKey), std::move(data));
  return {};
}

PluginStatus NodeResourcesFit::Filter(const CycleState& state, const Pod& pod,
                                      const NodeInfo& node) const {
  const auto* s = state.Read<PreFilterState>(std::string(kPreFilterStateKey));
  if (s == nullptr) {
    return PluginStatus::Error("error reading \"" + std::string(kPreFilterStateKey) +
                               "\" from cycleState: not found");
  }
  std::vector<InsufficientResource> insufficient =
      FitsRequest(s->requests, node, ignored_resources_, ignored_groups_);
  if (insufficient.empty()) return {};
  std::vector<std::string> reasons;
  for (auto& r : insufficient) reasons.push_back(std::move(r.reason));
  return {Code::kUnschedulable, std::move(reasons)};
}

PluginStatus NodeResourcesFit::PreScore(CycleState& state, const Pod& pod,
                                        const std::vector<const NodeInfo*>&) {
  auto data = std::make_unique<PreScoreState>();
  data->pod_requests = scorer_.PodRequestList(pod);
  state.Write(std::string(kPreScoreStateKey), std::move(data));
  return {};
}

PluginStatus NodeResourcesFit::Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                                     int64_t* score) const {
  if (const auto* s = state.Read<PreScoreState>(std::string(kPreScoreStateKey))) {
    return scorer_.Score(node, s->pod_requests, score);
  }
  return scorer_.Score(node, scorer_.PodRequestList(pod), score);
}

Result<std::unique_ptr<Plugin>> NewNodeResourcesFit(const YAML::Node& args, Handle&) {
  auto parsed = NodeResourcesFitArgs::Parse(args);
  if (!parsed.ok()) return parsed.take_status();
  return std::unique_ptr<Plugin>(std::make_unique<NodeResourcesFit>(std::move(*parsed)));
}

}  // namespace pk::scheduler::plugins
