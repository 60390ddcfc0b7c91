// What a pod asks for and is limited to as a whole (k8s.io/component-helpers/resource
// PodRequests, PodLimits; v1.32 without pod-level resources or in-place resize).
#include <string>

#include "quota/quota.h"

namespace pk::quota {
namespace {

using k8s::core::v1::Container;
using k8s::core::v1::PodSpec;

void AddTo(ResourceList* sum, const ProtoList& list) { *sum = Add(*sum, FromProto(list)); }

// maxResourceList: each entry of `other` raises `list` to it when larger or absent.
void MaxInto(ResourceList* list, const ResourceList& other) {
  for (const auto& [name, q] : other) {
    auto it = list->find(name);
    if (it == list->end()) {
      list->emplace(name, q);
    } else if (q > it->second) {
      it->second = q;
    }
  }
}

bool IsRestartable(const Container& c) {
  return c.has_restart_policy() && c.restart_policy() == "Always";
}

// The sum over the containers, raised to what the init phase needs.
template <class Pick>
ResourceList Aggregate(const PodSpec& spec, const Pick& pick) {
  ResourceList sum;
  for (const auto& c : spec.containers()) AddTo(&sum, pick(c));
  ResourceList restartable, init;
  for (const auto& c : spec.init_containers()) {
    ResourceList own = FromProto(pick(c));
    if (IsRestartable(c)) {
      sum = Add(sum, own);
      restartable = Add(restartable, own);
      MaxInto(&init, restartable);
    } else {
      MaxInto(&init, Add(own, restartable));
    }
  }
  MaxInto(&sum, init);
  return sum;
}

}  // namespace

ResourceList PodRequests(const PodSpec& spec, bool overhead) {
  ResourceList requests = Aggregate(
      spec, [](const Container& c) -> const ProtoList& { return c.resources().requests(); });
  if (overhead) AddTo(&requests, spec.overhead());
  return requests;
}

ResourceList PodLimits(const PodSpec& spec, bool overhead) {
  ResourceList limits = Aggregate(
      spec, [](const Container& c) -> const ProtoList& { return c.resources().limits(); });
  if (!overhead) return limits;
  for (const auto& [name, q] : FromProto(spec.overhead())) {
    auto it = limits.find(name);
    if (it != limits.end()) it->second.Add(q);
  }
  return limits;
}

bool IsBestEffort(const PodSpec& spec) {
  auto positive = [](const ProtoList& list) {
    for (const auto& [name, q] : FromProto(list)) {
      if ((name == "cpu" || name == "memory") && q.Sign() > 0) return true;
    }
    return false;
  };
  auto asks = [&](const Container& c) {
    return positive(c.resources().requests()) || positive(c.resources().limits());
  };
  for (const auto& c : spec.containers()) {
    if (asks(c)) return false;
  }
  for (const auto& c : spec.init_containers()) {
    if (asks(c)) return false;
  }
  return true;
}

}  // namespace pk::quota
