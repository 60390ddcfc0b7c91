// The taint eviction controller (pkg/controller/tainteviction, --controllers
// "taint-eviction-controller"): deletes the pods bound to a node with NoExecute taints they
// do not tolerate -- at once, or once the shortest tolerationSeconds of the tolerations used
// has passed; a toleration without tolerationSeconds keeps the pod forever. Before deleting
// it adds the DisruptionTarget condition (reason DeletionByTaintManager) and records a
// TaintManagerEviction Event on the pod ("Marking for deletion Pod NS/NAME"; "Cancelling
// deletion of Pod NS/NAME" when the taint goes away or becomes tolerated in time).
//
// Timings: tolerationSeconds are multiplied by the context's time_scale, like every other
// timing of the controllers, so that a simulation at 0.1 evicts from a dead node in 30 s,
// not 300 s.
//
// DefaultTolerationSeconds: the admission plugin of that name (apiserver/admission) gives
// every pod without one a toleration of node.kubernetes.io/not-ready and .../unreachable
// (NoExecute), 300 s by default. This controller still applies the 300 s default to a pod
// without them -- one stored before the plugin existed, or written with it disabled -- where
// Kubernetes would evict such a pod at once.
#pragma once

#include <memory>
#include <vector>

#include "controller-manager/controller.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewTaintEvictionController(const ControllerContext& context);

// The pod's tolerations plus the DefaultTolerationSeconds ones it lacks (300 s for
// not-ready and unreachable NoExecute).
std::vector<k8s::core::v1::Toleration> TolerationsWithDefaults(const k8s::core::v1::Pod& pod);

}  // namespace pk::controllers
