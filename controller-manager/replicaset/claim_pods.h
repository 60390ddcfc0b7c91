// ClaimPods (pkg/controller/controller_ref_manager.go PodControllerRefManager): a controller
// takes the pods it should own and lets go of those it should not. A pod it owns (controllerRef
// with its UID) and whose labels match is kept; one it owns that no longer matches is released
// (its ownerReference removed); an orphan that matches is adopted (a controllerRef patched in)
// unless the controller or the pod is being deleted; pods owned by others are left alone.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "apimachinery/selectors.h"
#include "controller-manager/replicaset/pod_control.h"
#include "controller-manager/replicaset/pod_utils.h"

namespace pk::controllers::replicaset {

struct ClaimContext {
  const PodControl* control;
  const k8s::meta::v1::ObjectMeta* controller;  // the controller's metadata
  std::string api_version;                      // the controller's ("apps/v1")
  std::string kind;                             // "ReplicaSet"
  LabelSelector selector;
  // Called once, before the first adoption: an error (the controller is being deleted, or
  // was replaced) forbids adopting (RecheckDeletionTimestamp).
  std::function<Status()> can_adopt;
};

struct ClaimResult {
  std::vector<PodPtr> claimed;  // owned and matching after the claim
  Status status;                // the first adoption or release error, if any
};

ClaimResult ClaimPods(const ClaimContext& context, const std::vector<PodPtr>& pods);

}  // namespace pk::controllers::replicaset
