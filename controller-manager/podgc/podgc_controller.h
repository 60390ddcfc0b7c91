// The pod garbage collector (pkg/controller/podgc), --controllers name "pod-garbage-collector":
// every gcCheckPeriod (20 s) it
//  - deletes the oldest terminated pods (Succeeded, Failed) beyond the context's
//    terminated_pod_gc_threshold (--terminated-pod-gc-threshold, 12500; 0 turns this off);
//  - collects orphans: pods bound to a node that does not exist, once the node has been missing
//    for quarantineTime (40 s) and a fresh read confirms it is gone. Each is marked Failed with
//    condition DisruptionTarget (reason DeletionByPodGC, "PodGC: node no longer exists"), then
//    force-deleted (grace period 0), as a node's kubelet is no longer there to finish it;
//  - force-deletes unscheduled pods that are being deleted (no kubelet will ever confirm).
// Both periods are multiplied by the context's time_scale.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewPodGCController(const ControllerContext& context);

}  // namespace pk::controllers
