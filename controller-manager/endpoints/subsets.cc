#include "controller-manager/endpoints/subsets.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "controller-manager/endpoints/endpoint_util.h"
#include "controller-manager/endpoints/repack.h"
#include "controller-manager/replicaset/pod_utils.h"

namespace pk::controllers::endpoints {

using k8s::core::v1::EndpointAddress;
using k8s::core::v1::EndpointPort;

namespace {

// podToEndpointAddressForService plus the hostname.
std::optional<EndpointAddress> AddressFor(const Service& service, const Pod& pod) {
  auto ip = PodIpForService(service, pod);
  if (!ip) return std::nullopt;
  EndpointAddress a;
  a.set_ip(*ip);
  // Go sets a pointer to spec.nodeName; an empty one is left out so that it reads back equal.
  if (!pod.spec().node_name().empty()) a.set_node_name(pod.spec().node_name());
  auto* ref = a.mutable_target_ref();
  ref->set_kind("Pod");
  ref->set_namespace_(pod.metadata().namespace_());
  ref->set_name(pod.metadata().name());
  ref->set_uid(pod.metadata().uid());
  if (ShouldSetHostname(pod, service)) a.set_hostname(pod.spec().hostname());
  return a;
}

// addEndpointSubset: one single-address subset for the pod on `port` (none: no ports).
void AddSubset(std::vector<EndpointSubset>* subsets, const EndpointAddress& address,
               const EndpointPort* port, bool ready) {
  EndpointSubset s;
  *(ready ? s.add_addresses() : s.add_not_ready_addresses()) = address;
  if (port != nullptr) *s.add_ports() = *port;
  subsets->push_back(std::move(s));
}

}  // namespace

std::vector<EndpointSubset> ComputeSubsets(const Service& service,
                                           const std::vector<client::Ptr<Pod>>& pods) {
  const auto& spec = service.spec();
  std::vector<EndpointSubset> subsets;
  for (const auto& pod : pods) {
    if (!ShouldPodBeInEndpoints(*pod, spec.publish_not_ready_addresses())) continue;
    auto address = AddressFor(service, *pod);
    if (!address) continue;  // no IP of the Service's family
    const bool ready = spec.publish_not_ready_addresses() || replicaset::IsPodReady(*pod);
    if (spec.ports_size() == 0) {
      // Only a headless Service may have no ports.
      if (spec.cluster_ip() == "None") AddSubset(&subsets, *address, nullptr, ready);
      continue;
    }
    for (const auto& service_port : spec.ports()) {
      auto number = FindPort(*pod, service_port);
      if (!number) continue;  // the pod lacks the named port
      EndpointPort port;
      port.set_name(service_port.name());
      port.set_port(*number);
      port.set_protocol(service_port.protocol());
      if (service_port.has_app_protocol()) port.set_app_protocol(service_port.app_protocol());
      AddSubset(&subsets, *address, &port, ready);
    }
  }
  return RepackSubsets(subsets);
}

bool SubsetsEqual(const Endpoints& current, const std::vector<EndpointSubset>& want) {
  if (current.subsets_size() != static_cast<int>(want.size())) return false;
  google::protobuf::util::MessageDifferencer differ;
  differ.IgnoreField(
      k8s::core::v1::ObjectReference::descriptor()->FindFieldByName("resource_version"));
  for (size_t i = 0; i < want.size(); ++i) {
    if (!differ.Compare(current.subsets(static_cast<int>(i)), want[i])) return false;
  }
  return true;
}

static int CountAddresses(const Endpoints& e) {
  int n = 0;
  for (const auto& s : e.subsets()) n += s.addresses_size() + s.not_ready_addresses_size();
  return n;
}

bool CapacityAnnotationCorrect(const Endpoints& e) {
  return CountAddresses(e) <= kMaxCapacity && !e.metadata().annotations().count(kOverCapacity);
}

bool Truncate(Endpoints* e) {
  int ready = 0, not_ready = 0;
  for (const auto& s : e->subsets()) {
    ready += s.addresses_size();
    not_ready += s.not_ready_addresses_size();
  }
  if (ready + not_ready <= kMaxCapacity) return false;
  const bool truncate_ready = ready > kMaxCapacity;
  const int max = truncate_ready ? kMaxCapacity : kMaxCapacity - ready;
  const int total = truncate_ready ? ready : not_ready;
  int can_be_added = max;
  for (auto& s : *e->mutable_subsets()) {
    auto* list = truncate_ready ? s.mutable_addresses() : s.mutable_not_ready_addresses();
    int share = static_cast<int>((static_cast<int64_t>(list->size()) * max + total - 1) / total);
    share = std::min(share, can_be_added);
    while (list->size() > share) list->RemoveLast();
    if (truncate_ready) s.clear_not_ready_addresses();
    can_be_added -= list->size();
  }
  return true;
}

}  // namespace pk::controllers::endpoints
