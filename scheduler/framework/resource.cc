#include "scheduler/framework/resource.h"

#include <algorithm>

#include "apimachinery/quantity.h"

namespace pk::scheduler {
namespace {

using k8s::core::v1::Container;

// A container's requests; with `non_zero`, missing cpu and memory requests count the
// scheduler's defaults (an explicit 0 stays 0, as Kubernetes' NonMissingContainerRequests).
Resource ContainerRequests(const Container& c, bool non_zero) {
  Resource r = Resource::FromList(c.resources().requests());
  if (non_zero) {
    const auto& req = c.resources().requests();
    if (!req.contains("cpu")) r.milli_cpu = kDefaultMilliCpuRequest;
    if (!req.contains("memory")) r.memory = kDefaultMemoryRequest;
  }
  return r;
}

}  // namespace

int64_t QuantityValue(const std::string& resource, const k8s::resource::Quantity& quantity) {
  auto q = Quantity::Parse(quantity.string());
  if (!q.ok()) return 0;
  return resource == "cpu" ? q->MilliValue() : q->Value();
}

void Resource::Add(const Resource& o) {
  milli_cpu += o.milli_cpu;
  memory += o.memory;
  ephemeral_storage += o.ephemeral_storage;
  allowed_pod_number += o.allowed_pod_number;
  for (const auto& [k, v] : o.scalar) scalar[k] += v;
}

void Resource::Sub(const Resource& o) {
  milli_cpu -= o.milli_cpu;
  memory -= o.memory;
  ephemeral_storage -= o.ephemeral_storage;
  allowed_pod_number -= o.allowed_pod_number;
  for (const auto& [k, v] : o.scalar) scalar[k] -= v;
}

void Resource::SetMax(const Resource& o) {
  milli_cpu = std::max(milli_cpu, o.milli_cpu);
  memory = std::max(memory, o.memory);
  ephemeral_storage = std::max(ephemeral_storage, o.ephemeral_storage);
  allowed_pod_number = std::max(allowed_pod_number, o.allowed_pod_number);
  for (const auto& [k, v] : o.scalar) scalar[k] = std::max(scalar[k], v);
}

int64_t Resource::Get(const std::string& name) const {
  if (name == "cpu") return milli_cpu;
  if (name == "memory") return memory;
  if (name == "ephemeral-storage") return ephemeral_storage;
  if (name == "pods") return allowed_pod_number;
  auto it = scalar.find(name);
  return it == scalar.end() ? 0 : it->second;
}

// component-helpers/resource.PodRequests: regular containers add up; a restartable init
// container (sidecar) adds to them and to every init container started after it; the pod
// needs the larger of that sum and the largest init container step; overhead on top.
Resource PodRequests(const k8s::core::v1::Pod& pod, bool non_zero) {
  Resource sum;
  for (const Container& c : pod.spec().containers()) sum.Add(ContainerRequests(c, non_zero));
  Resource sidecars, init_max;
  for (const Container& c : pod.spec().init_containers()) {
    Resource step = ContainerRequests(c, non_zero);
    if (c.has_restart_policy() && c.restart_policy() == "Always") {
      sum.Add(step);
      sidecars.Add(step);
      step = sidecars;
    } else {
      step.Add(sidecars);
    }
    init_max.SetMax(step);
  }
  sum.SetMax(init_max);
  sum.Add(Resource::FromList(pod.spec().overhead()));
  return sum;
}

}  // namespace pk::scheduler
