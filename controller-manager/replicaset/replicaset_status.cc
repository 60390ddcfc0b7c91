#include "controller-manager/replicaset/replicaset_status.h"

#include <google/protobuf/util/message_differencer.h>

namespace pk::controllers::replicaset {
namespace {

constexpr char kReplicaFailure[] = "ReplicaFailure";

bool HasAllLabels(const Pod& pod, const google::protobuf::Map<std::string, std::string>& want) {
  const auto& labels = pod.metadata().labels();
  for (const auto& [key, value] : want) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

int FindCondition(const ReplicaSetStatus& status, const std::string& type) {
  for (int i = 0; i < status.conditions_size(); ++i) {
    if (status.conditions(i).type() == type) return i;
  }
  return -1;
}

void RemoveCondition(ReplicaSetStatus* status, const std::string& type) {
  int i = FindCondition(*status, type);
  if (i >= 0) status->mutable_conditions()->DeleteSubrange(i, 1);
}

bool Unchanged(const ReplicaSet& rs, const ReplicaSetStatus& next) {
  const ReplicaSetStatus& now = rs.status();
  if (now.replicas() != next.replicas() ||
      now.fully_labeled_replicas() != next.fully_labeled_replicas() ||
      now.ready_replicas() != next.ready_replicas() ||
      now.available_replicas() != next.available_replicas() ||
      rs.metadata().generation() != now.observed_generation() ||
      now.conditions_size() != next.conditions_size()) {
    return false;
  }
  for (int i = 0; i < now.conditions_size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(now.conditions(i),
                                                            next.conditions(i))) {
      return false;
    }
  }
  return true;
}

}  // namespace

ReplicaSetStatus CalculateStatus(const ReplicaSet& rs, const std::vector<PodPtr>& pods,
                                 const Status& manage_error, Timestamp now) {
  ReplicaSetStatus status = rs.status();
  int32_t fully_labeled = 0, ready = 0, available = 0;
  const int32_t min_ready = rs.spec().min_ready_seconds();
  for (const PodPtr& pod : pods) {
    if (HasAllLabels(*pod, rs.spec().template_().metadata().labels())) ++fully_labeled;
    if (IsPodReady(*pod)) {
      ++ready;
      // A ready pod with no minReadySeconds is available: its conditions are not read again.
      if (min_ready == 0 || IsPodAvailable(*pod, min_ready, now)) ++available;
    }
  }
  bool has_failure = FindCondition(status, kReplicaFailure) >= 0;
  if (!manage_error.ok() && !has_failure) {
    int diff = static_cast<int>(pods.size()) - rs.spec().replicas();
    auto* c = status.add_conditions();
    c->set_type(kReplicaFailure);
    c->set_status("True");
    c->mutable_last_transition_time()->set_seconds(now.seconds);
    c->set_reason(diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "");
    c->set_message(manage_error.message());
  } else if (manage_error.ok() && has_failure) {
    RemoveCondition(&status, kReplicaFailure);
  }
  status.set_replicas(static_cast<int32_t>(pods.size()));
  status.set_fully_labeled_replicas(fully_labeled);
  status.set_ready_replicas(ready);
  status.set_available_replicas(available);
  return status;
}

Result<client::Ptr<ReplicaSet>> UpdateReplicaSetStatus(const client::TypedClient<ReplicaSet>& rss,
                                                       const client::Ptr<ReplicaSet>& rs,
                                                       ReplicaSetStatus status) {
  if (Unchanged(*rs, status)) return rs;
  status.set_observed_generation(rs->metadata().generation());
  client::Ptr<ReplicaSet> current = rs;
  for (int attempt = 0;; ++attempt) {
    ReplicaSet next = *current;
    *next.mutable_status() = status;
    auto updated = rss.UpdateStatus(next);
    if (updated.ok() || attempt >= 1) return updated;  // statusUpdateRetries = 1
    auto fresh = rss.Get(rs->metadata().name());
    if (!fresh.ok()) return fresh.take_status();
    current = *fresh;
  }
}

}  // namespace pk::controllers::replicaset
