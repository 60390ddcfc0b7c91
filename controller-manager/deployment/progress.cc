// pkg/controller/deployment/progress.go: the Progressing condition (and ReplicaFailure) of
// a rollout, and the requeue that notices a progress deadline passing.
#include <fmt/format.h>

#include <chrono>

#include "apimachinery/time.h"
#include "controller-manager/deployment/deployment_internal.h"

namespace pk::controllers::deployment {
namespace {

std::string Subject(const Deployment& d, const RSPtr& new_rs) {
  return new_rs ? fmt::format("ReplicaSet \"{}\"", new_rs->metadata().name())
                : fmt::format("Deployment \"{}\"", d.metadata().name());
}

// getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else the old ones'.
std::vector<DeploymentCondition> ReplicaFailures(const RSList& all, const RSPtr& new_rs) {
  std::vector<DeploymentCondition> out;
  auto collect = [&out](const RSPtr& rs) {
    for (const auto& c : rs->status().conditions()) {
      if (c.type() != kReplicaFailure) continue;
      DeploymentCondition dc;
      dc.set_type(c.type());
      dc.set_status(c.status());
      *dc.mutable_last_transition_time() = c.last_transition_time();
      *dc.mutable_last_update_time() = c.last_transition_time();
      dc.set_reason(c.reason());
      dc.set_message(c.message());
      out.push_back(std::move(dc));
    }
  };
  if (new_rs) collect(new_rs);
  if (!out.empty()) return out;
  for (const RSPtr& rs : all) {
    if (rs) collect(rs);
  }
  return out;
}

}  // namespace

Status DeploymentController::SyncRolloutStatus(const RSList& all, const RSPtr& new_rs,
                                               Deployment* d) {
  DeploymentStatus status = CalculateStatus(all, new_rs, *d);
  if (!HasProgressDeadline(*d)) RemoveCondition(&status, kProgressing);
  const DeploymentCondition* current = GetCondition(d->status(), kProgressing);
  bool complete_before = status.replicas() == status.updated_replicas() && current &&
                         current->reason() == kNewRSAvailableReason;
  if (HasProgressDeadline(*d) && !complete_before) {
    if (DeploymentComplete(*d, status)) {
      SetCondition(&status, NewCondition(kProgressing, "True", kNewRSAvailableReason,
                                         Subject(*d, new_rs) + " has successfully progressed."));
    } else if (DeploymentProgressing(*d, status)) {
      // Progress moves lastUpdateTime even with the same reason (SetCondition would not).
      DeploymentCondition c = NewCondition(kProgressing, "True", kReplicaSetUpdatedReason,
                                           Subject(*d, new_rs) + " is progressing.");
      if (current) {
        if (current->status() == "True") {
          *c.mutable_last_transition_time() = current->last_transition_time();
        }
        RemoveCondition(&status, kProgressing);
      }
      SetCondition(&status, std::move(c));
    } else if (DeploymentTimedOut(*d, status, NowTimestamp().seconds)) {
      SetCondition(&status, NewCondition(kProgressing, "False", kTimedOutReason,
                                         Subject(*d, new_rs) + " has timed out progressing."));
    }
  }
  if (auto failures = ReplicaFailures(all, new_rs); !failures.empty()) {
    SetCondition(&status, failures[0]);
  } else {
    RemoveCondition(&status, kReplicaFailure);
  }
  if (d->status().SerializeAsString() == status.SerializeAsString()) {
    RequeueStuckDeployment(*d, status);
    return {};
  }
  *d->mutable_status() = std::move(status);
  return WriteStatus(d);
}

// requeueStuckDeployment: a rollout without progress is looked at again when its deadline
// passes (lastUpdateTime + progressDeadlineSeconds), to be marked ProgressDeadlineExceeded.
void DeploymentController::RequeueStuckDeployment(const Deployment& d,
                                                  const DeploymentStatus& status) {
  const DeploymentCondition* current = GetCondition(d.status(), kProgressing);
  if (!HasProgressDeadline(d) || current == nullptr) return;
  if (DeploymentComplete(d, status) || current->reason() == kTimedOutReason) return;
  Timestamp now = NowTimestamp();
  auto after = std::chrono::seconds(current->last_update_time().seconds() +
                                    d.spec().progress_deadline_seconds() - now.seconds) -
               std::chrono::nanoseconds(now.nanos);
  std::string key = d.metadata().namespace_() + "/" + d.metadata().name();
  if (after < std::chrono::seconds(1)) {
    worker_.queue().AddRateLimited(key);
    return;
  }
  worker_.EnqueueAfter(
      key, std::chrono::duration_cast<client::Clock::Duration>(after + std::chrono::seconds(1)));
}

}  // namespace pk::controllers::deployment
