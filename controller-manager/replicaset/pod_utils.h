// Pod predicates and the deletion order of the ReplicaSet controller (pkg/api/v1/pod and
// pkg/controller/controller_utils.go: IsPodActive, IsPodReady, IsPodAvailable,
// ActivePodsWithRanks). Pure functions; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "apimachinery/time.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::replicaset {

using k8s::core::v1::Pod;
using PodPtr = std::shared_ptr<const Pod>;

// Neither Succeeded, Failed, nor being deleted (deletionTimestamp set).
bool IsPodActive(const Pod& pod);
// The Ready condition is "True".
bool IsPodReady(const Pod& pod);
// Ready for more than `min_ready_seconds` at `now` (always, when min_ready_seconds is 0).
bool IsPodAvailable(const Pod& pod, int32_t min_ready_seconds, Timestamp now);
// "namespace/name" (controller.PodKey).
std::string PodKey(const Pod& pod);
// The highest restart count of the pod's containers.
int32_t MaxContainerRestarts(const Pod& pod);

// Orders `pods` so that those to delete first come first (ActivePodsWithRanks.Less):
// unassigned < assigned; Pending < Unknown < Running; not ready < ready; lower
// controller.kubernetes.io/pod-deletion-cost first; more active `related` pods on the same
// node first; ready for less time first; more restarts first; newer first. Times compare on
// a logarithmic scale relative to `now` (LogarithmicScaleDown), ties broken by UID.
void SortPodsForDeletion(std::vector<PodPtr>* pods, const std::vector<PodPtr>& related,
                         Timestamp now);

}  // namespace pk::controllers::replicaset
