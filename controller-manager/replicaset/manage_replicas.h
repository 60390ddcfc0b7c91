// manageReplicas (replica_set.go): creates or deletes pods until a ReplicaSet has
// spec.replicas of them, at most `burst_replicas` (500) per sync. Creations go in slow-start
// batches (1, 2, 4, ...) that stop at the first failing batch; deletions pick the pods
// SortPodsForDeletion puts first. Expectations are raised before acting and lowered for what
// was not done, so the next sync waits for the informer to show the rest.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "controller-manager/replicaset/expectations.h"
#include "controller-manager/replicaset/pod_control.h"
#include "controller-manager/replicaset/pod_utils.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::controllers::replicaset {

inline constexpr int kBurstReplicas = 500;
inline constexpr int kSlowStartInitialBatchSize = 1;

struct ManageContext {
  const PodControl* control;
  ControllerExpectations* expectations;
  std::string key;  // the ReplicaSet's "namespace/name"
  // The active pods of the ReplicaSets that share this one's controller (a Deployment's),
  // for ranking pods by how crowded their node is; called only when deleting.
  std::function<std::vector<PodPtr>()> related_pods;
  int burst_replicas = kBurstReplicas;
};

// `pods` are the active pods the ReplicaSet owns. Returns the first error.
Status ManageReplicas(const ManageContext& context, const k8s::apps::v1::ReplicaSet& rs,
                      const std::vector<PodPtr>& pods, Timestamp now);

// Calls `fn` `count` times in batches of initial_batch_size, then twice the last, each batch
// in parallel, and stops after a batch in which a call failed. Returns the number of calls
// that succeeded and the first error.
std::pair<int, Status> SlowStartBatch(int count, int initial_batch_size,
                                      const std::function<Status()>& fn);

// The `diff` pods to delete first (getPodsToDelete).
std::vector<PodPtr> GetPodsToDelete(std::vector<PodPtr> pods, const std::vector<PodPtr>& related,
                                    int diff, Timestamp now);

}  // namespace pk::controllers::replicaset
