// Resource: the amounts the scheduler counts on a node (framework.Resource), and the
// requests of a pod computed with Kubernetes' rules (k8s.io/component-helpers resource
// PodRequests): the sum over containers, raised to the largest init container (restartable
// "sidecar" init containers add to everything after them), plus spec.overhead.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "proto/core/v1/pod.pb.h"

namespace pk::scheduler {

struct Resource {
  int64_t milli_cpu = 0;
  int64_t memory = 0;  // bytes
  int64_t ephemeral_storage = 0;
  int64_t allowed_pod_number = 0;         // "pods" on a node; unused for requests
  std::map<std::string, int64_t> scalar;  // extended resources ("example.com/gpu"), hugepages

  // From a ResourceList ({"cpu": "500m", "memory": "1Gi", ...}); unparsable quantities count 0.
  template <class MapT>
  static Resource FromList(const MapT& list);
  void Add(const Resource& other);
  void Sub(const Resource& other);
  // Each amount the larger of the two.
  void SetMax(const Resource& other);
  // The amount of one resource by its API name ("cpu", "memory", "pods", "example.com/gpu").
  int64_t Get(const std::string& name) const;
  bool operator==(const Resource&) const = default;
};

// The CPU and memory the scheduler assumes for a container that requests none, for scoring
// only (Kubernetes' DefaultMilliCPURequest and DefaultMemoryRequest).
inline constexpr int64_t kDefaultMilliCpuRequest = 100;
inline constexpr int64_t kDefaultMemoryRequest = 200 * 1024 * 1024;

// The pod's effective requests (for fitting). With `non_zero`, containers that request no
// CPU or memory count the defaults above (for scoring, as Kubernetes' NonZeroRequested).
Resource PodRequests(const k8s::core::v1::Pod& pod, bool non_zero = false);

// Parses a quantity to the integer unit the scheduler counts in: milli-units for "cpu",
// units (rounded up) for everything else.
int64_t QuantityValue(const std::string& resource, const k8s::resource::Quantity& quantity);

template <class MapT>
Resource Resource::FromList(const MapT& list) {
  Resource r;
  for (const auto& [name, quantity] : list) {
    int64_t v = QuantityValue(name, quantity);
    if (name == "cpu") {
      r.milli_cpu += v;
    } else if (name == "memory") {
      r.memory += v;
    } else if (name == "ephemeral-storage") {
      r.ephemeral_storage += v;
    } else if (name == "pods") {
      r.allowed_pod_number += v;
    } else {
      r.scalar[name] += v;
    }
  }
  return r;
}

}  // namespace pk::scheduler
