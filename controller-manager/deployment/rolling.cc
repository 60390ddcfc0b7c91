// pkg/controller/deployment/rolling.go: RollingUpdate. The new ReplicaSet grows while the
// total stays within replicas + maxSurge; old ones shrink while the available stay at least
// replicas - maxUnavailable.
#include <algorithm>

#include "controller-manager/deployment/deployment_internal.h"

namespace pk::controllers::deployment {

Status DeploymentController::RolloutRolling(Deployment* d, const RSList& rss) {
  auto sets = GetAllReplicaSetsAndSyncRevision(d, rss, true);
  if (!sets.ok()) return sets.take_status();
  RSList all = sets->All();
  auto up = ReconcileNewReplicaSet(all, sets->new_rs, *d);
  if (!up.ok()) return up.take_status();
  if (*up) return SyncRolloutStatus(all, sets->new_rs, d);
  auto down = ReconcileOldReplicaSets(all, FilterActive(sets->old_rss), sets->new_rs, *d);
  if (!down.ok()) return down.take_status();
  if (*down) return SyncRolloutStatus(all, sets->new_rs, d);
  if (DeploymentComplete(*d, d->status())) {
    PK_RETURN_IF_ERROR(CleanupDeployment(sets->old_rss, *d));
  }
  return SyncRolloutStatus(all, sets->new_rs, d);
}

Result<bool> DeploymentController::ReconcileNewReplicaSet(const RSList& all, const RSPtr& new_rs,
                                                          const Deployment& d) {
  if (Replicas(*new_rs) == Replicas(d)) return false;
  int32_t size = Replicas(d);
  if (Replicas(*new_rs) < Replicas(d)) {
    auto next = NewRSNewReplicas(d, all, *new_rs);
    if (!next.ok()) return next.take_status();
    size = *next;
  }
  bool scaled = false;
  auto result = ScaleReplicaSet(new_rs, size, d, &scaled);
  if (!result.ok()) return result.take_status();
  return scaled;
}

Result<bool> DeploymentController::ReconcileOldReplicaSets(const RSList& all, RSList old_rss,
                                                           const RSPtr& new_rs,
                                                           const Deployment& d) {
  if (SpecReplicaCount(old_rss) == 0) return false;  // nothing left to scale down
  int32_t min_available = Replicas(d) - MaxUnavailable(d);
  int32_t new_unavailable = Replicas(*new_rs) - new_rs->status().available_replicas();
  // Scaling down may remove old unhealthy replicas (they add no unavailability) and, once
  // the new ReplicaSet's replicas are available, old healthy ones.
  int32_t max_scaled_down = SpecReplicaCount(all) - min_available - new_unavailable;
  if (max_scaled_down <= 0) return false;
  auto cleaned = CleanupUnhealthyReplicas(&old_rss, d, max_scaled_down);
  if (!cleaned.ok()) return false;  // as Kubernetes: retried on the next sync
  RSList now = old_rss;
  now.push_back(new_rs);
  auto scaled_down = ScaleDownOldForRollingUpdate(now, old_rss, d);
  if (!scaled_down.ok()) return false;
  return *cleaned + *scaled_down > 0;
}

// cleanupUnhealthyReplicas: scales old ReplicaSets down by their unavailable replicas,
// oldest first, at most `max_cleanup` in all.
Result<int32_t> DeploymentController::CleanupUnhealthyReplicas(RSList* old_rss, const Deployment& d,
                                                               int32_t max_cleanup) {
  SortByCreation(old_rss);
  int32_t total = 0;
  for (RSPtr& rs : *old_rss) {
    if (total >= max_cleanup) break;
    int32_t unhealthy = Replicas(*rs) - rs->status().available_replicas();
    if (Replicas(*rs) == 0 || unhealthy <= 0) continue;
    int32_t count = std::min(max_cleanup - total, unhealthy);
    auto scaled = ScaleReplicaSet(rs, Replicas(*rs) - count, d);
    if (!scaled.ok()) return scaled.take_status();
    total += count;
    rs = *scaled;
  }
  return total;
}

// scaleDownOldReplicaSetsForRollingUpdate: scales old ReplicaSets down, oldest first, by as
// many as are available beyond replicas - maxUnavailable.
Result<int32_t> DeploymentController::ScaleDownOldForRollingUpdate(const RSList& all,
                                                                   RSList old_rss,
                                                                   const Deployment& d) {
  int32_t min_available = Replicas(d) - MaxUnavailable(d);
  int32_t available = AvailableReplicaCount(all);
  if (available <= min_available) return 0;
  SortByCreation(&old_rss);
  int32_t total = 0, wanted = available - min_available;
  for (const RSPtr& rs : old_rss) {
    if (total >= wanted) break;
    if (Replicas(*rs) == 0) continue;
    int32_t count = std::min(Replicas(*rs), wanted - total);
    auto scaled = ScaleReplicaSet(rs, Replicas(*rs) - count, d);
    if (!scaled.ok()) return scaled.take_status();
    total += count;
  }
  return total;
}

}  // namespace pk::controllers::deployment
