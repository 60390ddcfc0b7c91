// The node lifecycle controller (pkg/controller/nodelifecycle, --controllers
// "nodelifecycle"), events as component "node-controller":
//  - every nodeMonitorPeriod (5 s) it looks at each node's signs of life -- a new Ready
//    heartbeat in its status, a newer renewTime of its Lease in kube-node-lease; after
//    nodeMonitorGracePeriod (50 s, Kubernetes 1.32's default; 40 s before) without one
//    (nodeStartupGracePeriod, 60 s, for a node that never posted Ready) it sets Ready,
//    MemoryPressure, DiskPressure and PIDPressure Unknown ("NodeStatusUnknown", "Kubelet
//    stopped posting node status."), records NodeNotReady ("Node NAME status is now:
//    NodeNotReady") and marks the node's pods not Ready;
//  - it keeps the NoSchedule taints matching the node's conditions (Ready False:
//    node.kubernetes.io/not-ready, Ready Unknown: .../unreachable, pressure conditions,
//    spec.unschedulable) on every node change;
//  - it adds the NoExecute not-ready / unreachable taint to a node whose Ready is False /
//    Unknown, per zone at most evictionLimiterQPS (0.1/s) nodes, and none at all while every
//    zone is fully disrupted (no Ready node); it removes both when Ready is True again;
//  - it copies kubernetes.io/os and /arch to their beta labels (reconcileNodeLabels).
// Every timing is multiplied by the context's time_scale (rates divided by it).
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewNodeLifecycleController(const ControllerContext& context);

}  // namespace pk::controllers
