// The DaemonSet controller (pkg/controller/daemon, --controllers name "daemonset", Events
// from "daemonset-controller"): one pod per eligible node (nodeSelector, required node
// affinity, taints against the template's and the daemon tolerations), placed by the
// scheduler through a matchFields metadata.name node affinity term; pods follow the nodes
// (created, deleted, failed ones replaced with back-off); ControllerRevision history;
// RollingUpdate (maxUnavailable, maxSurge) and OnDelete; the status kubectl rollout status
// reads.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewDaemonSetController(const ControllerContext& context);

}  // namespace pk::controllers
