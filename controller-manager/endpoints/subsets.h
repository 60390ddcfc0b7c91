// What an Endpoints object should hold (syncService's body, v1.32): the subsets a Service's
// selected pods make, whether the stored object already holds them, and the 1000-address
// cap.
#pragma once

#include <vector>

#include "client/lister.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/service.pb.h"

namespace pk::controllers::endpoints {

using k8s::core::v1::Endpoints;
using k8s::core::v1::EndpointSubset;

constexpr int kMaxCapacity = 1000;  // addresses per Endpoints object (maxCapacity)
constexpr char kOverCapacity[] = "endpoints.kubernetes.io/over-capacity";

// Every pod that ShouldPodBeInEndpoints, with an IP of the Service's family, once per
// Service port it serves (FindPort), ready or not (publishNotReadyAddresses: all ready);
// a headless Service without ports lists the addresses alone. Repacked (RepackSubsets).
std::vector<EndpointSubset> ComputeSubsets(
    const k8s::core::v1::Service& service,
    const std::vector<client::Ptr<k8s::core::v1::Pod>>& pods);

// endpointSubsetsEqualIgnoreResourceVersion: equal but for targetRef resourceVersions.
bool SubsetsEqual(const Endpoints& current, const std::vector<EndpointSubset>& want);

// capacityAnnotationSetCorrectly: at most kMaxCapacity addresses and no over-capacity
// annotation.
bool CapacityAnnotationCorrect(const Endpoints& endpoints);

// truncateEndpoints: keeps at most kMaxCapacity addresses, ready ones first, each subset its
// share in proportion (rounded up; the last ones get what is left). False when under the cap.
bool Truncate(Endpoints* endpoints);

}  // namespace pk::controllers::endpoints
