// The resource-allocation scoring shared by NodeResourcesFit and NodeResourcesBalancedAllocation
// (noderesources/resource_allocation.go): for each configured resource, what the node would
// have requested with the pod and what it can allocate, handed to a strategy's scorer. Also
// the `resources: [{name, weight}]` args both plugins take, and the field-error wording of
// their args validation.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/framework/plugin_status.h"
#include "scheduler/framework/types.h"

namespace pk::scheduler::plugins {

// One resource a score considers, with its weight (config.ResourceSpec).
struct ResourceSpec {
  std::string name;
  int64_t weight = 1;
  bool operator==(const ResourceSpec&) const = default;
};

// cpu and memory, weight 1 each: both plugins' default.
std::vector<ResourceSpec> DefaultResourceSpecs();

// Whether `name` is counted in Resource::scalar by Kubernetes (schedutil.IsScalarResourceName):
// extended ("example.com/gpu"), prefixed native ("kubernetes.io/x"), hugepages-*,
// attachable-volumes-*.
bool IsScalarResourceName(std::string_view name);
// Extended resources (v1helper.IsExtendedResourceName): domain-prefixed, not kubernetes.io,
// not "requests."-prefixed.
bool IsExtendedResourceName(std::string_view name);

// Scores `requested` against `allocatable` (parallel to the configured resources; a resource
// with allocatable 0 is to be skipped) into [0, kMaxNodeScore].
using ResourceScorer = std::function<int64_t(const std::vector<int64_t>& requested,
                                             const std::vector<int64_t>& allocatable)>;

class ResourceAllocationScorer {
 public:
  // `use_requested`: count what pods request (BalancedAllocation); otherwise their non-zero
  // requests, the defaults for containers without cpu/memory requests (Fit's strategies).
  ResourceAllocationScorer(std::vector<ResourceSpec> resources, bool use_requested,
                           ResourceScorer scorer);

  const std::vector<ResourceSpec>& resources() const { return resources_; }
  // The pod's request of each configured resource, in their order.
  std::vector<int64_t> PodRequestList(const Pod& pod) const;
  // The node's score with a pod requesting `pod_requests`. Error when no resources are
  // configured ("resources not found").
  PluginStatus Score(const NodeInfo& node, const std::vector<int64_t>& pod_requests,
                     int64_t* score) const;

 private:
  // (allocatable, requested including the pod) of one resource; (0, 0) when the pod does not
  // request a scalar resource or the node does not have it.
  std::pair<int64_t, int64_t> AllocatableAndRequested(const NodeInfo& node,
                                                      const std::string& resource,
                                                      int64_t pod_request) const;

  std::vector<ResourceSpec> resources_;
  bool use_requested_;
  ResourceScorer scorer_;
};

// Field errors of plugin args, worded as k8s.io/apimachinery's field.Error and aggregated as
// its ErrorList.ToAggregate() ("a: Invalid value: 1: why" or "[a: ..., b: ...]").
class ArgsErrors {
 public:
  void Invalid(const std::string& field, const std::string& value, const std::string& detail);
  void Required(const std::string& field, const std::string& detail);
  void NotSupported(const std::string& field, const std::string& value,
                    const std::vector<std::string>& supported);
  void Duplicate(const std::string& field, const std::string& value);
  void Add(std::string error) { errors_.push_back(std::move(error)); }
  bool empty() const { return errors_.empty(); }
  // OK when empty; otherwise BadRequest "<plugin>: <aggregate>".
  Status ToStatus(std::string_view plugin) const;

 private:
  std::vector<std::string> errors_;
};

// A bad value as field errors show it: a scalar quoted, otherwise "a list" / "an object".
std::string DescribeYaml(const YAML::Node& node);

// YAML helpers that never throw: false (and an error in `errors`) when `node` is not of the
// type. A null or absent node leaves `out` unchanged and succeeds.
bool ReadInt(const YAML::Node& node, const std::string& field, int64_t* out, ArgsErrors& errors);
bool ReadString(const YAML::Node& node, const std::string& field, std::string* out,
                ArgsErrors& errors);
bool ReadStringList(const YAML::Node& node, const std::string& field, std::vector<std::string>* out,
                    ArgsErrors& errors);
// Unknown keys of the map `node` (strict decoding): one error each.
void CheckKnownFields(const YAML::Node& node, const std::string& path,
                      const std::vector<std::string_view>& known, ArgsErrors& errors);

// Reads `resources: [{name, weight}]` at `field`; an absent or empty list leaves `out`
// unchanged, a weight 0 or absent defaults to 1 (SetDefaults_*Args).
void ReadResourceSpecs(const YAML::Node& node, const std::string& field,
                       std::vector<ResourceSpec>* out, ArgsErrors& errors);

}  // namespace pk::scheduler::plugins
