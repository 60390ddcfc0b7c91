// The Endpoints controller (pkg/controller/endpoint, v1.32; --controllers name "endpoints"):
// for every Service with a selector (not ExternalName), an Endpoints object of the same name
// lists the selected pods' IPs, ready ones in `addresses` and the others in
// `notReadyAddresses` (all in `addresses` with publishNotReadyAddresses), with the Service's
// ports resolved against each pod, repacked as RepackSubsets does. Endpoints whose Service
// is gone are deleted; those of Services without a selector are left to their owners.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewEndpointsController(const ControllerContext& context);

}  // namespace pk::controllers
