// The ReplicaSet's status as its controller computes and writes it (replica_set_utils.go:
// calculateStatus, updateReplicaSetStatus).
#pragma once

#include <vector>

#include "apimachinery/time.h"
#include "client/clientset.h"
#include "controller-manager/replicaset/pod_utils.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::controllers::replicaset {

using k8s::apps::v1::ReplicaSet;
using k8s::apps::v1::ReplicaSetStatus;

// replicas (the active pods the ReplicaSet owns), fullyLabeledReplicas (those carrying every
// template label), readyReplicas, availableReplicas (ready for minReadySeconds at `now`); the
// ReplicaFailure condition (reason FailedCreate or FailedDelete, the error's message) is set
// when `manage_error` is an error and removed when it is not. observedGeneration is kept.
ReplicaSetStatus CalculateStatus(const ReplicaSet& rs, const std::vector<PodPtr>& pods,
                                 const Status& manage_error, Timestamp now);

// Writes `status` (with observedGeneration = metadata.generation) through UpdateStatus unless
// nothing changed, retrying once after a fresh GET; returns the ReplicaSet as written (or `rs`).
Result<client::Ptr<ReplicaSet>> UpdateReplicaSetStatus(const client::TypedClient<ReplicaSet>& rss,
                                                       const client::Ptr<ReplicaSet>& rs,
                                                       ReplicaSetStatus status);

}  // namespace pk::controllers::replicaset
