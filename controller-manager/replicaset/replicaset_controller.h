// The ReplicaSet controller (pkg/controller/replicaset, --controllers name "replicaset",
// Events from "replicaset-controller"): keeps spec.replicas active pods of each ReplicaSet,
// owned through a controllerRef; adopts matching orphans and releases pods that stopped
// matching; writes status.replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
// observedGeneration and the ReplicaFailure condition.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewReplicaSetController(const ControllerContext& context);

}  // namespace pk::controllers
