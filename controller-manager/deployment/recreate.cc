// pkg/controller/deployment/recreate.go: Recreate. Every old ReplicaSet goes to zero, and
// only once no old pod runs is the new ReplicaSet made and scaled up.
#include "controller-manager/deployment/deployment_internal.h"

namespace pk::controllers::deployment {
namespace {

// oldPodsRunning: an old ReplicaSet still reports replicas, or a pod of one is not finished.
bool OldPodsRunning(const RSPtr& new_rs, const RSList& old_rss, const PodMap& pods) {
  if (ActualReplicaCount(old_rss) > 0) return true;
  for (const auto& [uid, list] : pods) {
    if (new_rs && new_rs->metadata().uid() == uid) continue;
    for (const auto& pod : list) {
      const std::string& phase = pod->status().phase();
      if (phase != "Failed" && phase != "Succeeded") return true;  // Unknown counts too
    }
  }
  return false;
}

}  // namespace

Status DeploymentController::RolloutRecreate(Deployment* d, const RSList& rss, const PodMap& pods) {
  // No new ReplicaSet yet: it must not scale up before the old ones are down.
  auto sets = GetAllReplicaSetsAndSyncRevision(d, rss, false);
  if (!sets.ok()) return sets.take_status();
  RSList all = sets->All();
  bool scaled_down = false;
  for (const RSPtr& old : FilterActive(sets->old_rss)) {
    bool scaled = false;
    auto result = ScaleReplicaSet(old, 0, *d, &scaled);
    if (!result.ok()) return result.take_status();
    scaled_down = scaled_down || scaled;
  }
  if (scaled_down) return SyncRolloutStatus(all, sets->new_rs, d);
  if (OldPodsRunning(sets->new_rs, sets->old_rss, pods)) {
    return SyncRolloutStatus(all, sets->new_rs, d);
  }
  if (!sets->new_rs) {
    sets = GetAllReplicaSetsAndSyncRevision(d, rss, true);
    if (!sets.ok()) return sets.take_status();
    all = sets->All();
  }
  auto up = ScaleReplicaSet(sets->new_rs, Replicas(*d), *d);
  if (!up.ok()) return up.take_status();
  if (DeploymentComplete(*d, d->status())) {
    PK_RETURN_IF_ERROR(CleanupDeployment(sets->old_rss, *d));
  }
  return SyncRolloutStatus(all, sets->new_rs, d);
}

}  // namespace pk::controllers::deployment
