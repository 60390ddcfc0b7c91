#include "controller-manager/statefulset/stateful_set_control.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "client/errors.h"
#include "controller-manager/controller_utils.h"
#include "controller-manager/replicaset/manage_replicas.h"

namespace pk::controllers::statefulset {
namespace {

// updateStatus: the counts over every list of pods (placeholders for missing ordinals count
// for nothing).
void CountReplicas(StatefulSetStatus* status, int32_t min_ready_seconds, Timestamp now,
                   const std::vector<std::vector<PodPtr>>& lists) {
  int32_t replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
  for (const auto& list : lists) {
    for (const PodPtr& pod : list) {
      if (IsCreated(*pod)) ++replicas;
      if (IsRunningAndReady(*pod)) {
        ++ready;
        if (IsRunningAndAvailable(*pod, min_ready_seconds, now)) ++available;
      }
      if (IsCreated(*pod) && !IsTerminating(*pod)) {
        std::string revision = GetPodRevision(*pod);
        if (revision == status->current_revision()) ++current;
        if (revision == status->update_revision()) ++updated;
      }
    }
  }
  status->set_replicas(replicas);
  status->set_ready_replicas(ready);
  status->set_available_replicas(available);
  status->set_current_replicas(current);
  status->set_updated_replicas(updated);
}

// One pass of updateStatefulSet over the set's pods.
struct Pass {
  const StatefulSet& set;
  const StatefulSet& update_set;
  const StatefulPodControl& control;
  bool monotonic;
  Timestamp now;
  int32_t min_ready;

  // processReplica: whether to stop here (monotonic), and the error.
  std::pair<bool, Status> ProcessReplica(const Pod& pod) const {
    // Failed and Succeeded pods are deleted; the next sync recreates them once gone.
    if (IsFailed(pod) || IsSucceeded(pod)) {
      if (!IsTerminating(pod)) {
        Status s = control.DeleteStatefulPod(set, pod);
        if (!s.ok()) return {true, s};
      }
      return {true, {}};
    }
    if (!IsCreated(pod)) {
      Status s = control.CreateStatefulPod(set, pod);
      if (!s.ok()) return {true, s};
      if (monotonic) return {true, {}};
    }
    // Graceful deletion must finish, and each pod be Running, Ready and available, before
    // the next ordinal is touched.
    if (monotonic && (IsTerminating(pod) || !IsRunningAndReady(pod) ||
                      !IsRunningAndAvailable(pod, min_ready, now))) {
      return {true, {}};
    }
    if (IdentityMatches(set, pod)) return {false, {}};
    return {false, control.UpdateStatefulPod(update_set, pod)};
  }

  // processCondemned: in monotonic mode a condemned pod goes only when healthy, or when it
  // is the first unhealthy pod (which would otherwise block forever).
  std::pair<bool, Status> ProcessCondemned(const PodPtr& pod, const PodPtr& first_unhealthy) const {
    if (IsTerminating(*pod)) return {monotonic, {}};
    if (monotonic && pod != first_unhealthy &&
        (!IsRunningAndReady(*pod) || !IsRunningAndAvailable(*pod, min_ready, now))) {
      return {true, {}};
    }
    return {true, control.DeleteStatefulPod(set, *pod)};
  }
};

// runForAll: in order, stopping at the first that asks to; or all in slow-start batches.
std::pair<bool, Status> RunForAll(int n, const std::function<std::pair<bool, Status>(int)>& fn,
                                  bool monotonic) {
  if (monotonic) {
    for (int i = 0; i < n; ++i) {
      auto [exit, s] = fn(i);
      if (exit || !s.ok()) return {true, s};
    }
    return {false, {}};
  }
  std::atomic<int> next{0};
  auto [done, s] = replicaset::SlowStartBatch(n, 1, [&]() -> Status { return fn(next++).second; });
  return {!s.ok(), s};
}

}  // namespace

Result<std::vector<RevisionPtr>> StatefulSetControl::ListRevisions(const StatefulSet& set) const {
  auto selector = SelectorOf(set);
  if (!selector.ok()) return selector.take_status();
  return history_.List(set.metadata(), *selector);
}

Status StatefulSetControl::AdoptOrphanRevisions(const StatefulSet& set,
                                                const std::vector<RevisionPtr>& revisions) const {
  for (const RevisionPtr& r : revisions) {
    auto adopted = history_.Adopt(set.metadata(), "StatefulSet", *r);
    if (!adopted.ok()) return adopted.take_status();
  }
  return {};
}

Result<StatefulSetControl::Revisions> StatefulSetControl::GetStatefulSetRevisions(
    const StatefulSet& set, std::vector<RevisionPtr> revisions) const {
  SortControllerRevisions(&revisions);
  Revisions out;
  out.collision_count = set.status().has_collision_count() ? set.status().collision_count() : 0;
  int64_t next = revisions.empty() ? 1 : revisions.back()->revision() + 1;
  ControllerRevision candidate = NewControllerRevision(set.metadata(), "StatefulSet",
                                                       set.spec().template_().metadata().labels(),
                                                       GetPatch(set), next, &out.collision_count);
  for (const auto& [k, v] : set.metadata().annotations()) {
    (*candidate.mutable_metadata()->mutable_annotations())[k] = v;
  }
  auto equal = FindEqualRevisions(revisions, candidate);
  if (!equal.empty() && EqualRevision(*revisions.back(), *equal.back())) {
    out.update = revisions.back();  // the template did not change
  } else if (!equal.empty()) {
    // A rollback to an older template: that revision becomes the newest.
    auto updated = history_.Update(*equal.back(), candidate.revision());
    if (!updated.ok()) return updated.take_status();
    out.update = *updated;
  } else {
    auto created = history_.Create(set.metadata(), candidate, &out.collision_count);
    if (!created.ok()) return created.take_status();
    out.update = *created;
  }
  for (const RevisionPtr& r : revisions) {
    if (r->metadata().name() == set.status().current_revision()) out.current = r;
  }
  if (out.current == nullptr) out.current = out.update;
  return out;
}

std::pair<StatefulSetStatus, Status> StatefulSetControl::Reconcile(
    const StatefulSet& set, const Revisions& revs, const StatefulSet& current_set,
    const StatefulSet& update_set, const std::vector<PodPtr>& pods) const {
  StatefulSetStatus status;
  status.set_observed_generation(set.metadata().generation());
  status.set_current_revision(revs.current->metadata().name());
  status.set_update_revision(revs.update->metadata().name());
  status.set_collision_count(revs.collision_count);
  Timestamp now = WallTimestamp(clock_);
  int32_t min_ready = set.spec().min_ready_seconds();
  CountReplicas(&status, min_ready, now, {pods});

  // Pods in the ordinal range at their index; valid ordinals outside it are condemned.
  int start = GetStartOrdinal(set), count = std::max(0, set.spec().replicas());
  std::vector<PodPtr> replicas(count), condemned;
  for (const PodPtr& pod : pods) {
    if (PodInOrdinalRange(*pod, set)) {
      replicas[GetOrdinal(*pod) - start] = pod;
    } else if (GetOrdinal(*pod) >= 0) {
      condemned.push_back(pod);
    }
  }
  for (int i = 0; i < count; ++i) {
    if (replicas[i] != nullptr) continue;
    replicas[i] = std::make_shared<Pod>(NewVersionedStatefulSetPod(
        current_set, update_set, status.current_revision(), status.update_revision(), start + i));
  }
  std::sort(condemned.begin(), condemned.end(),
            [](const PodPtr& a, const PodPtr& b) { return GetOrdinal(*a) > GetOrdinal(*b); });
  PodPtr first_unhealthy;
  for (const PodPtr& pod : replicas) {
    if (first_unhealthy == nullptr && IsUnavailable(*pod, min_ready, now)) first_unhealthy = pod;
  }
  for (auto it = condemned.rbegin(); it != condemned.rend(); ++it) {
    if (first_unhealthy == nullptr && IsUnavailable(**it, min_ready, now)) first_unhealthy = *it;
  }
  // A set being deleted only has its status written.
  if (set.metadata().has_deletion_timestamp()) return {status, {}};

  Pass pass{set, update_set, pods_, !AllowsBurst(set), now, min_ready};
  auto recount = [&] { CountReplicas(&status, min_ready, now, {replicas, condemned}); };
  auto [exit, s] = RunForAll(
      count, [&](int i) { return pass.ProcessReplica(*replicas[i]); }, pass.monotonic);
  if (exit || !s.ok()) {
    recount();
    return {status, s};
  }
  std::tie(exit, s) = RunForAll(
      static_cast<int>(condemned.size()),
      [&](int i) { return pass.ProcessCondemned(condemned[i], first_unhealthy); }, pass.monotonic);
  recount();
  if (exit || !s.ok()) return {status, s};
  if (set.spec().update_strategy().type() == "OnDelete") return {status, {}};

  // RollingUpdate: the highest ordinal at or above the partition not at the update revision
  // goes, once every pod above it is available.
  int update_min = set.spec().update_strategy().rolling_update().partition();
  for (int target = count - 1; target >= update_min; --target) {
    const Pod& pod = *replicas[target];
    if (GetPodRevision(pod) != status.update_revision() && !IsTerminating(pod)) {
      Status d = pods_.DeleteStatefulPod(set, pod);
      if (!d.ok() && !client::IsNotFound(d)) return {status, d};
      status.set_current_replicas(status.current_replicas() - 1);
      return {status, {}};
    }
    if (IsUnavailable(pod, min_ready, now)) return {status, {}};
  }
  return {status, {}};
}

Status StatefulSetControl::UpdateStatus(const StatefulSet& set, StatefulSetStatus status) const {
  CompleteRollingUpdate(set, &status);
  if (!InconsistentStatus(set, status)) return {};
  auto sets = clientset_.Resource<StatefulSet>(set.metadata().namespace_());
  StatefulSet next = set;
  for (int attempt = 0;; ++attempt) {
    *next.mutable_status() = status;
    auto updated = sets.UpdateStatus(next);
    if (updated.ok()) return {};
    if (!client::IsConflict(updated.status()) || attempt >= 4) return updated.take_status();
    auto fresh = sets.Get(set.metadata().name());
    if (!fresh.ok()) return fresh.take_status();
    next = **fresh;
  }
}

Status StatefulSetControl::TruncateHistory(const StatefulSet& set, const std::vector<PodPtr>& pods,
                                           const std::vector<RevisionPtr>& revisions,
                                           const Revisions* live_revs) const {
  std::set<std::string> live;
  if (live_revs != nullptr) {
    live.insert(live_revs->current->metadata().name());
    live.insert(live_revs->update->metadata().name());
  }
  for (const PodPtr& pod : pods) live.insert(GetPodRevision(*pod));
  std::vector<RevisionPtr> history;
  for (const RevisionPtr& r : revisions) {
    if (!live.count(r->metadata().name())) history.push_back(r);
  }
  int limit = set.spec().has_revision_history_limit() ? set.spec().revision_history_limit() : 10;
  if (limit < 0 || static_cast<int>(history.size()) <= limit) return {};
  for (size_t i = 0; i < history.size() - limit; ++i) {
    Status s = history_.Delete(*history[i]);
    if (!s.ok() && !client::IsNotFound(s)) return s;
  }
  return {};
}

Result<StatefulSetStatus> StatefulSetControl::UpdateStatefulSet(
    const StatefulSet& set, const std::vector<PodPtr>& pods) const {
  auto listed = ListRevisions(set);
  if (!listed.ok()) return listed.take_status();
  std::vector<RevisionPtr> revisions = std::move(listed).value();
  SortControllerRevisions(&revisions);
  auto revs = GetStatefulSetRevisions(set, revisions);
  if (!revs.ok()) {
    (void)TruncateHistory(set, pods, revisions, nullptr);  // the first error is reported
    return revs.take_status();
  }
  // Without both revisions' sets nothing is done and no status written.
  auto current_set = ApplyRevision(set, *revs->current);
  auto update_set = ApplyRevision(set, *revs->update);
  Status applied = !current_set.ok() ? current_set.take_status() : update_set.take_status();
  if (!applied.ok()) {
    (void)TruncateHistory(set, pods, revisions, &*revs);
    return applied;
  }
  auto [status, error] = Reconcile(set, *revs, *current_set, *update_set, pods);
  // The status is written even when acting failed.
  Status written = UpdateStatus(set, status);
  Status truncated = TruncateHistory(set, pods, revisions, &*revs);
  if (!error.ok()) return error;
  if (!written.ok()) return written;
  if (!truncated.ok()) return truncated;
  CompleteRollingUpdate(set, &status);
  return status;
}

}  // namespace pk::controllers::statefulset
