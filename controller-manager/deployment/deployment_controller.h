// The Deployment controller (pkg/controller/deployment, v1.32): one ReplicaSet per pod
// template (named and labelled by the template's hash), rolled from the old ones to the new
// one as the strategy says (RollingUpdate within maxSurge/maxUnavailable, or Recreate), with
// the revision annotations, the history limit, pause, and the Progressing and Available
// conditions `kubectl rollout status` reads. It manages ReplicaSets only; the ReplicaSet
// controller makes their pods.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewDeploymentController(const ControllerContext& context);

}  // namespace pk::controllers
