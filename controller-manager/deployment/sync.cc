// pkg/controller/deployment/sync.go: the new ReplicaSet and the revisions, scaling,
// clean-up of old ReplicaSets, and the status.
#include <fmt/format.h>

#include "client/errors.h"
#include "controller-manager/deployment/deployment_internal.h"

namespace pk::controllers::deployment {
namespace {

bool SameStatus(const DeploymentStatus& a, const DeploymentStatus& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

}  // namespace

RSList DeploymentController::Sets::All() const {
  RSList all = old_rss;
  all.push_back(new_rs);
  return all;
}

Status DeploymentController::WriteStatus(Deployment* d) {
  auto written = clientset_.Resource<Deployment>(d->metadata().namespace_()).UpdateStatus(*d);
  if (!written.ok()) return written.take_status();
  d->mutable_metadata()->set_resource_version((*written)->metadata().resource_version());
  return {};
}

Status DeploymentController::SyncStatusOnly(Deployment* d, const RSList& rss) {
  auto sets = GetAllReplicaSetsAndSyncRevision(d, rss, false);
  if (!sets.ok()) return sets.take_status();
  return SyncDeploymentStatus(sets->All(), sets->new_rs, d);
}

Status DeploymentController::SyncScale(Deployment* d, const RSList& rss) {
  auto sets = GetAllReplicaSetsAndSyncRevision(d, rss, false);
  if (!sets.ok()) return sets.take_status();
  PK_RETURN_IF_ERROR(Scale(d, sets->new_rs, sets->old_rss));
  if (d->spec().paused()) PK_RETURN_IF_ERROR(CleanupDeployment(sets->old_rss, *d));
  return SyncDeploymentStatus(sets->All(), sets->new_rs, d);
}

// checkPausedConditions: Progressing Unknown DeploymentPaused while paused, DeploymentResumed
// once resumed, so that a long pause is not taken for a lack of progress.
Status DeploymentController::CheckPausedConditions(Deployment* d) {
  if (!HasProgressDeadline(*d)) return {};
  const DeploymentCondition* cond = GetCondition(d->status(), kProgressing);
  if (cond && cond->reason() == kTimedOutReason) return {};
  bool paused_exists = cond && cond->reason() == kPausedDeployReason;
  if (d->spec().paused() && !paused_exists) {
    SetCondition(d->mutable_status(), NewCondition(kProgressing, "Unknown", kPausedDeployReason,
                                                   "Deployment is paused"));
  } else if (!d->spec().paused() && paused_exists) {
    SetCondition(d->mutable_status(), NewCondition(kProgressing, "Unknown", kResumedDeployReason,
                                                   "Deployment is resumed"));
  } else {
    return {};
  }
  return WriteStatus(d);
}

Result<DeploymentController::Sets> DeploymentController::GetAllReplicaSetsAndSyncRevision(
    Deployment* d, const RSList& rss, bool create) {
  Sets sets;
  sets.old_rss = FindOldReplicaSets(*d, rss);
  auto new_rs = GetNewReplicaSet(d, rss, sets.old_rss, create);
  if (!new_rs.ok()) return new_rs.take_status();
  sets.new_rs = *new_rs;
  return sets;
}

// getNewReplicaSet: the ReplicaSet of the Deployment's template, its annotations brought up
// to date (a template equal to an old ReplicaSet's reuses it with the next revision), made
// when `create` and missing.
Result<RSPtr> DeploymentController::GetNewReplicaSet(Deployment* d, const RSList& rss,
                                                     const RSList& old_rss, bool create) {
  RSPtr existing = FindNewReplicaSet(*d, rss);
  std::string revision = std::to_string(MaxRevision(old_rss) + 1);
  if (existing) {
    ReplicaSet copy = *existing;
    bool annotations = SetNewReplicaSetAnnotations(*d, &copy, revision, true);
    if (annotations || copy.spec().min_ready_seconds() != d->spec().min_ready_seconds()) {
      copy.mutable_spec()->set_min_ready_seconds(d->spec().min_ready_seconds());
      auto updated = clientset_.Resource<ReplicaSet>(d->metadata().namespace_()).Update(copy);
      if (!updated.ok()) return updated.take_status();
      return RSPtr(*updated);
    }
    // The revision the ReplicaSet already has (set by an earlier sync).
    auto revision_it = copy.metadata().annotations().find(kRevisionAnnotation);
    bool needs_update = revision_it != copy.metadata().annotations().end() &&
                        SetDeploymentRevision(d, revision_it->second);
    if (HasProgressDeadline(*d) && GetCondition(d->status(), kProgressing) == nullptr) {
      SetCondition(d->mutable_status(), NewCondition(kProgressing, "True", kFoundNewRSReason,
                                                     fmt::format("Found new replica set \"{}\"",
                                                                 copy.metadata().name())));
      needs_update = true;
    }
    if (needs_update) PK_RETURN_IF_ERROR(WriteStatus(d));
    return existing;
  }
  if (!create) return RSPtr();
  return CreateNewReplicaSet(d, old_rss, revision);
}

Result<RSPtr> DeploymentController::CreateNewReplicaSet(Deployment* d, const RSList& old_rss,
                                                        const std::string& revision) {
  const std::string& ns = d->metadata().namespace_();
  std::optional<int32_t> collisions;
  if (d->status().has_collision_count()) collisions = d->status().collision_count();
  std::string hash = ComputeHash(d->spec().template_(), collisions);
  auto rs = std::make_shared<ReplicaSet>();
  auto* meta = rs->mutable_metadata();
  meta->set_name(d->metadata().name() + "-" + hash);
  meta->set_namespace_(ns);
  auto* ref = meta->add_owner_references();
  ref->set_api_version("apps/v1");
  ref->set_kind("Deployment");
  ref->set_name(d->metadata().name());
  ref->set_uid(d->metadata().uid());
  ref->set_controller(true);
  ref->set_block_owner_deletion(true);
  *rs->mutable_spec()->mutable_template_() = d->spec().template_();
  (*rs->mutable_spec()
        ->mutable_template_()
        ->mutable_metadata()
        ->mutable_labels())[kPodTemplateHashLabel] = hash;
  *meta->mutable_labels() = rs->spec().template_().metadata().labels();
  *rs->mutable_spec()->mutable_selector() = d->spec().selector();
  (*rs->mutable_spec()->mutable_selector()->mutable_match_labels())[kPodTemplateHashLabel] = hash;
  rs->mutable_spec()->set_min_ready_seconds(d->spec().min_ready_seconds());
  rs->mutable_spec()->set_replicas(0);
  RSList all = old_rss;
  all.push_back(rs);
  auto replicas = NewRSNewReplicas(*d, all, *rs);
  if (!replicas.ok()) return replicas.take_status();
  rs->mutable_spec()->set_replicas(*replicas);
  SetNewReplicaSetAnnotations(*d, rs.get(), revision, false);

  auto client = clientset_.Resource<ReplicaSet>(ns);
  auto created = client.Create(*rs);
  RSPtr result;
  bool already_exists = false;
  if (created.ok()) {
    result = *created;
  } else if (client::IsAlreadyExists(created.status())) {
    // A slow cache, or a hash collision: the existing one is ours only if its template is the
    // Deployment's; otherwise count the collision and try another name next time.
    already_exists = true;
    auto found = replica_sets_.GetLister().Get(ns, meta->name());
    if (!found.ok()) return found.take_status();
    bool ours = false;
    for (const auto& r : (*found)->metadata().owner_references()) {
      if (r.controller() && r.uid() == d->metadata().uid()) ours = true;
    }
    if (ours && EqualIgnoreHash(d->spec().template_(), (*found)->spec().template_())) {
      result = *found;
    } else {
      d->mutable_status()->set_collision_count(d->status().collision_count() + 1);
      (void)WriteStatus(d);
      return created.take_status();
    }
  } else {
    std::string msg = fmt::format("Failed to create new replica set \"{}\": {}", meta->name(),
                                  created.status().message());
    if (HasProgressDeadline(*d)) {
      SetCondition(d->mutable_status(),
                   NewCondition(kProgressing, "False", kFailedRSCreateReason, msg));
      (void)WriteStatus(d);  // the bigger problem is the one reported
    }
    recorder_.Event(*d, "Warning", kFailedRSCreateReason, msg);
    return created.take_status();
  }
  if (!already_exists && *replicas > 0) {
    recorder_.Eventf(*d, "Normal", "ScalingReplicaSet", "Scaled up replica set {} from 0 to {}",
                     result->metadata().name(), *replicas);
  }
  bool needs_update = SetDeploymentRevision(d, revision);
  if (!already_exists && HasProgressDeadline(*d)) {
    SetCondition(d->mutable_status(), NewCondition(kProgressing, "True", kNewReplicaSetReason,
                                                   fmt::format("Created new replica set \"{}\"",
                                                               result->metadata().name())));
    needs_update = true;
  }
  if (needs_update) PK_RETURN_IF_ERROR(WriteStatus(d));
  return result;
}

// scale: a scaling event (or a paused Deployment). One active ReplicaSet takes the whole
// size; a saturated new one leaves the old ones nothing; otherwise a rolling Deployment
// spreads the change proportionally.
Status DeploymentController::Scale(Deployment* d, const RSPtr& new_rs, const RSList& old_rss) {
  if (RSPtr target = FindActiveOrLatest(new_rs, old_rss)) {
    if (Replicas(*target) == Replicas(*d)) return {};
    auto scaled = ScaleReplicaSet(target, Replicas(*d), *d);
    return scaled.ok() ? Status() : scaled.take_status();
  }
  if (IsSaturated(*d, new_rs)) {
    for (const RSPtr& old : FilterActive(old_rss)) {
      auto scaled = ScaleReplicaSet(old, 0, *d);
      if (!scaled.ok()) return scaled.take_status();
    }
    return {};
  }
  if (!IsRollingUpdate(*d)) return {};
  RSList all = old_rss;
  all.push_back(new_rs);
  return ScaleProportionally(d, FilterActive(all));
}

Status DeploymentController::ScaleProportionally(Deployment* d, RSList active) {
  int32_t allowed = Replicas(*d) > 0 ? Replicas(*d) + MaxSurge(*d) : 0;
  int32_t to_add = allowed - SpecReplicaCount(active);
  std::string operation;
  if (to_add > 0) {
    SortBySizeNewer(&active);
    operation = "up";
  } else if (to_add < 0) {
    SortBySizeOlder(&active);
    operation = "down";
  }
  int32_t added = 0;
  std::vector<int32_t> sizes;
  for (const RSPtr& rs : active) {
    int32_t proportion = to_add != 0 ? GetProportion(*rs, *d, to_add, added) : 0;
    sizes.push_back(Replicas(*rs) + proportion);
    added += proportion;
  }
  for (size_t i = 0; i < active.size(); ++i) {
    if (i == 0 && to_add != 0) sizes[0] = std::max(0, sizes[0] + to_add - added);  // leftovers
    // Even at the same size: the replica annotations record the new Deployment size.
    auto scaled = ScaleReplicaSet(active[i], sizes[i], *d, nullptr, operation, true);
    if (!scaled.ok()) return scaled.take_status();
  }
  return {};
}

Result<RSPtr> DeploymentController::ScaleReplicaSet(const RSPtr& rs, int32_t size,
                                                    const Deployment& d, bool* scaled,
                                                    std::string operation, bool same_size_too) {
  if (scaled) *scaled = false;
  int32_t old_size = Replicas(*rs);
  if (old_size == size && !same_size_too) return rs;  // scaleReplicaSetAndRecordEvent
  if (operation.empty()) operation = old_size < size ? "up" : "down";
  int32_t desired = Replicas(d), max = Replicas(d) + MaxSurge(d);
  bool size_changes = old_size != size;
  if (!size_changes && !ReplicasAnnotationsNeedUpdate(*rs, desired, max)) return rs;
  ReplicaSet copy = *rs;
  copy.mutable_spec()->set_replicas(size);
  SetReplicasAnnotations(&copy, desired, max);
  auto updated = clientset_.Resource<ReplicaSet>(rs->metadata().namespace_()).Update(copy);
  if (!updated.ok()) return updated.take_status();
  if (size_changes) {
    if (scaled) *scaled = true;
    recorder_.Eventf(d, "Normal", "ScalingReplicaSet", "Scaled {} replica set {} from {} to {}",
                     operation, rs->metadata().name(), old_size, size);
  }
  return RSPtr(*updated);
}

// cleanupDeployment: keeps the newest revisionHistoryLimit old ReplicaSets; deletes older
// ones that are fully scaled down and observed, lowest revision first.
Status DeploymentController::CleanupDeployment(const RSList& old_rss, const Deployment& d) {
  if (!HasRevisionHistoryLimit(d)) return {};
  RSList cleanable;
  for (const RSPtr& rs : old_rss) {
    if (rs && !rs->metadata().has_deletion_timestamp()) cleanable.push_back(rs);
  }
  int64_t diff = static_cast<int64_t>(cleanable.size()) - d.spec().revision_history_limit();
  if (diff <= 0) return {};
  SortByRevision(&cleanable);
  for (int64_t i = 0; i < diff; ++i) {
    const RSPtr& rs = cleanable[i];
    if (rs->status().replicas() != 0 || Replicas(*rs) != 0 ||
        rs->metadata().generation() > rs->status().observed_generation()) {
      continue;
    }
    auto deleted =
        clientset_.Resource<ReplicaSet>(rs->metadata().namespace_()).Delete(rs->metadata().name());
    if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
  }
  return {};
}

Status DeploymentController::SyncDeploymentStatus(const RSList& all, const RSPtr& new_rs,
                                                  Deployment* d) {
  DeploymentStatus status = CalculateStatus(all, new_rs, *d);
  if (SameStatus(d->status(), status)) return {};
  *d->mutable_status() = std::move(status);
  return WriteStatus(d);
}

// isScalingEvent: an active ReplicaSet's desired-replicas annotation differs from the
// Deployment's replicas.
Result<bool> DeploymentController::IsScalingEvent(Deployment* d, const RSList& rss) {
  auto sets = GetAllReplicaSetsAndSyncRevision(d, rss, false);
  if (!sets.ok()) return sets.take_status();
  for (const RSPtr& rs : FilterActive(sets->All())) {
    std::optional<int32_t> desired = IntAnnotation(*rs, kDesiredReplicasAnnotation);
    if (desired && *desired != Replicas(*d)) return true;
  }
  return false;
}

}  // namespace pk::controllers::deployment
