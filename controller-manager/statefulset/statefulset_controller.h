// The StatefulSet controller (pkg/controller/statefulset, --controllers name "statefulset",
// Events from "statefulset-controller"): pods NAME-0..NAME-(N-1) (from spec.ordinals.start)
// with stable names, hostnames and subdomain, created in order (OrderedReady) or together
// (Parallel); revisions as ControllerRevisions; RollingUpdate (from the highest ordinal,
// down to the partition) and OnDelete; status for `kubectl rollout status`. Adopts matching
// orphans named as its pods and releases pods that stopped matching (controller_ref_manager).
// volumeClaimTemplates are not acted on (there are no PersistentVolumeClaims here).
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewStatefulSetController(const ControllerContext& context);

}  // namespace pk::controllers
