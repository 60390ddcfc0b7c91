// pkg/api/v1/endpoints RepackSubsets (v1.32): the N-to-M association the Endpoints API wants.
// Every address (by IP and targetRef UID) is grouped with exactly the ports it serves, one
// subset per distinct set of (address, ready) pairs; an address not ready on any port of a
// set is not ready on all of them. Then sorted, so that the same input always gives the
// same object and an unchanged Endpoints is never rewritten.
#pragma once

#include <vector>

#include "proto/core/v1/service.pb.h"

namespace pk::controllers::endpoints {

using k8s::core::v1::EndpointSubset;

std::vector<EndpointSubset> RepackSubsets(const std::vector<EndpointSubset>& subsets);

// SortSubsets: addresses by IP then targetRef UID, ports and subsets in a fixed order.
// Kubernetes orders ports and subsets by a hash of their content; this orders them by their
// content (name, port, protocol for ports; their serialized bytes for subsets): as stable,
// not the same order.
void SortSubsets(std::vector<EndpointSubset>* subsets);

}  // namespace pk::controllers::endpoints
