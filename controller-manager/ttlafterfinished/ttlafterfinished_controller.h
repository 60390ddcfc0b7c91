// The TTL-after-finished controller (pkg/controller/ttlafterfinished), --controllers name
// "ttl-after-finished": deletes a finished Job (Complete or Failed) once
// spec.ttlSecondsAfterFinished has passed since its finishing condition's
// lastTransitionTime, the TTL multiplied by time_scale. Before deleting it reads the Job
// again from the apiserver (the TTL may have changed) and deletes only that version.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewTtlAfterFinishedController(const ControllerContext& context);

}  // namespace pk::controllers
