#include "scheduler/plugins/resource_allocation.h"

#include <utility>

#include "apimachinery/validation.h"
#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {
namespace {

bool IsPrefixedNativeResource(std::string_view name) {
  return name.find("kubernetes.io/") != std::string_view::npos;
}

}  // namespace

std::vector<ResourceSpec> DefaultResourceSpecs() { return {{"cpu", 1}, {"memory", 1}}; }

bool IsExtendedResourceName(std::string_view name) {
  bool native = name.find('/') == std::string_view::npos || IsPrefixedNativeResource(name);
  if (native || name.starts_with("requests.")) return false;
  // It must make a valid quota name ("requests.<name>").
  return validation::IsQualifiedName("requests." + std::string(name)).empty();
}

bool IsScalarResourceName(std::string_view name) {
  return IsExtendedResourceName(name) || name.starts_with("hugepages-") ||
         IsPrefixedNativeResource(name) || name.starts_with("attachable-volumes-");
}

ResourceAllocationScorer::ResourceAllocationScorer(std::vector<ResourceSpec> resources,
                                                   bool use_requested, ResourceScorer scorer)
    : resources_(std::move(resources)), use_requested_(use_requested), scorer_(std::move(scorer)) {}

std::vector<int64_t> ResourceAllocationScorer::PodRequestList(const Pod& pod) const {
  Resource requests = PodRequests(pod, /*non_zero=*/!use_requested_);
  std::vector<int64_t> out;
  out.reserve(resources_.size());
  for (const ResourceSpec& r : resources_) out.push_back(requests.Get(r.name));
  return out;
}

std::pair<int64_t, int64_t> ResourceAllocationScorer::AllocatableAndRequested(
    const NodeInfo& node, const std::string& resource, int64_t pod_request) const {
  const Resource& requested = use_requested_ ? node.requested() : node.non_zero_requested();
  const Resource& allocatable = node.allocatable();
  // A scalar resource the pod does not ask for is left out of the score.
  if (pod_request == 0 && IsScalarResourceName(resource)) return {0, 0};
  if (resource == "cpu") return {allocatable.milli_cpu, requested.milli_cpu + pod_request};
  if (resource == "memory") return {allocatable.memory, requested.memory + pod_request};
  if (resource == "ephemeral-storage") {
    return {allocatable.ephemeral_storage, node.requested().ephemeral_storage + pod_request};
  }
  if (!IsScalarResourceName(resource)) return {0, 0};
  auto it = allocatable.scalar.find(resource);
  if (it == allocatable.scalar.end()) return {0, 0};
  return {it->second, node.requested().Get(resource) + pod_request};
}

PluginStatus ResourceAllocationScorer::Score(const NodeInfo& node,
                                             const std::vector<int64_t>& pod_requests,
                                             int64_t* score) const {
  *score = 0;
  if (resources_.empty()) return PluginStatus::Error("resources not found");
  std::vector<int64_t> requested(resources_.size()), allocatable(resources_.size());
  for (size_t i = 0; i < resources_.size(); ++i) {
    int64_t pod_request = i < pod_requests.size() ? pod_requests[i] : 0;
    auto [alloc, req] = AllocatableAndRequested(node, resources_[i].name, pod_request);
    if (alloc == 0) continue;
    allocatable[i] = alloc;
    requested[i] = req;
  }
  *score = scorer_(requested, allocatable);
  return {};
}

// ---- args ----

void ArgsErrors::Invalid(const std::string& field, const std::string& value,
                         const std::string& detail) {
  errors_.push_back(field + ": Invalid value: " + value + ": " + detail);
}

void ArgsErrors::Required(const std::string& field, const std::string& detail) {
  errors_.push_back(field + ": Required value: " + detail);
}

void ArgsErrors::NotSupported(const std::string& field, const std::string& value,
                              const std::vector<std::string>& supported) {
  std::string list;
  for (const std::string& s : supported) {
    if (!list.empty()) list += ", ";
    list += validation::GoQuote(s);
  }
  errors_.push_back(field + ": Unsupported value: " + validation::GoQuote(value) +
                    ": supported values: " + list);
}

void ArgsErrors::Duplicate(const std::string& field, const std::string& value) {
  errors_.push_back(field + ": Duplicate value: " + validation::GoQuote(value));
}

Status ArgsErrors::ToStatus(std::string_view plugin) const {
  if (errors_.empty()) return {};
  std::string message;
  if (errors_.size() == 1) {
    message = errors_[0];
  } else {
    message = "[";
    for (size_t i = 0; i < errors_.size(); ++i) message += (i ? ", " : "") + errors_[i];
    message += "]";
  }
  return Status::BadRequest(std::string(plugin) + ": " + message);
}

std::string DescribeYaml(const YAML::Node& node) {
  if (node.IsScalar()) return validation::GoQuote(node.Scalar());
  return node.IsSequence() ? "a list" : "an object";
}

bool ReadInt(const YAML::Node& node, const std::string& field, int64_t* out, ArgsErrors& errors) {
  if (!node || node.IsNull()) return true;
  int64_t v = 0;
  if (!node.IsScalar() || !YAML::convert<int64_t>::decode(node, v)) {
    errors.Invalid(field, DescribeYaml(node), "must be an integer");
    return false;
  }
  *out = v;
  return true;
}

bool ReadString(const YAML::Node& node, const std::string& field, std::string* out,
                ArgsErrors& errors) {
  if (!node || node.IsNull()) return true;
  if (!node.IsScalar()) {
    errors.Invalid(field, DescribeYaml(node), "must be a string");
    return false;
  }
  *out = node.Scalar();
  return true;
}

bool ReadStringList(const YAML::Node& node, const std::string& field, std::vector<std::string>* out,
                    ArgsErrors& errors) {
  if (!node || node.IsNull()) return true;
  if (!node.IsSequence()) {
    errors.Invalid(field, DescribeYaml(node), "must be a list of strings");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar()) {
      errors.Invalid(field + "[" + std::to_string(i) + "]", DescribeYaml(node[i]),
                     "must be a string");
      ok = false;
      continue;
    }
    out->push_back(node[i].Scalar());
  }
  return ok;
}

void CheckKnownFields(const YAML::Node& node, const std::string& path,
                      const std::vector<std::string_view>& known, ArgsErrors& errors) {
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found)
      errors.Add("unknown field " + validation::GoQuote((path.empty() ? "" : path + ".") + key));
  }
}

void ReadResourceSpecs(const YAML::Node& node, const std::string& field,
                       std::vector<ResourceSpec>* out, ArgsErrors& errors) {
  if (!node || node.IsNull()) return;
  if (!node.IsSequence()) {
    errors.Invalid(field, DescribeYaml(node), "must be a list of {name, weight}");
    return;
  }
  if (node.size() == 0) return;
  std::vector<ResourceSpec> specs;
  for (size_t i = 0; i < node.size(); ++i) {
    std::string path = field + "[" + std::to_string(i) + "]";
    const YAML::Node& item = node[i];
    if (!item.IsMap()) {
      errors.Invalid(path, DescribeYaml(item), "must be an object {name, weight}");
      continue;
    }
    CheckKnownFields(item, path, {"name", "weight"}, errors);
    ResourceSpec spec{"", 0};
    ReadString(item["name"], path + ".name", &spec.name, errors);
    ReadInt(item["weight"], path + ".weight", &spec.weight, errors);
    if (spec.weight == 0) spec.weight = 1;
    specs.push_back(std::move(spec));
  }
  *out = std::move(specs);
}

}  // namespace pk::scheduler::plugins
