#include "controller-manager/job/job_util.h"

#include <algorithm>
#include <cmath>

namespace pk::controllers::job {

const JobCondition* FindCondition(const Job& job, const std::string& type) {
  for (const JobCondition& c : job.status().conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

bool HasTrueCondition(const Job& job, const std::string& type) {
  const JobCondition* c = FindCondition(job, type);
  return c != nullptr && c->status() == "True";
}

bool IsFinished(const Job& job) {
  return HasTrueCondition(job, kComplete) || HasTrueCondition(job, kFailed);
}

JobCondition NewCondition(const std::string& type, const std::string& reason,
                          const std::string& message, const k8s::meta::v1::Time& now) {
  JobCondition c;
  c.set_type(type);
  c.set_status("True");
  *c.mutable_last_probe_time() = now;
  *c.mutable_last_transition_time() = now;
  c.set_reason(reason);
  c.set_message(message);
  return c;
}

bool EnsureCondition(Job* job, const std::string& type, const std::string& status,
                     const std::string& reason, const std::string& message,
                     const k8s::meta::v1::Time& now) {
  for (JobCondition& c : *job->mutable_status()->mutable_conditions()) {
    if (c.type() != type) continue;
    if (c.status() == status && c.reason() == reason && c.message() == message) return false;
    if (c.status() != status) *c.mutable_last_transition_time() = now;
    c.set_status(status);
    c.set_reason(reason);
    c.set_message(message);
    *c.mutable_last_probe_time() = now;
    return true;
  }
  // A False condition that never was True is not added (Kubernetes does the same).
  if (status == "False") return false;
  *job->mutable_status()->add_conditions() = NewCondition(type, reason, message, now);
  return true;
}

bool IsSuspended(const Job& job) { return job.spec().has_suspend() && job.spec().suspend(); }

std::string ControllingJobUid(const Pod& pod) {
  for (const auto& ref : pod.metadata().owner_references()) {
    if (ref.has_controller() && ref.controller() && ref.kind() == "Job" &&
        ref.api_version() == "batch/v1") {
      return ref.uid();
    }
  }
  return "";
}

bool IsControlledBy(const Pod& pod, const std::string& uid) {
  return !uid.empty() && ControllingJobUid(pod) == uid;
}

namespace {

bool IsReady(const Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

}  // namespace

bool IsPodFailed(const Job& job, const Pod& pod) {
  if (pod.status().phase() == "Failed") return true;
  if (job.spec().pod_replacement_policy() == "Failed") return false;
  return pod.metadata().has_deletion_timestamp() && pod.status().phase() != "Succeeded";
}

bool PastBackoffLimitOnFailure(const Job& job, const std::vector<client::Ptr<Pod>>& pods) {
  if (job.spec().template_().spec().restart_policy() != "OnFailure") return false;
  int64_t restarts = 0;
  for (const auto& pod : pods) {
    const std::string& phase = pod->status().phase();
    if (phase != "Running" && phase != "Pending") continue;
    for (const auto& c : pod->status().init_container_statuses()) restarts += c.restart_count();
    for (const auto& c : pod->status().container_statuses()) restarts += c.restart_count();
  }
  int limit = job.spec().backoff_limit();
  return limit == 0 ? restarts > 0 : restarts >= limit;
}

PodCounts CountPods(const Job& job, const std::vector<client::Ptr<Pod>>& pods) {
  PodCounts counts;
  for (const auto& pod : pods) {
    const std::string& phase = pod->status().phase();
    bool finished = phase == "Succeeded" || phase == "Failed";
    bool deleting = pod->metadata().has_deletion_timestamp();
    if (phase == "Succeeded") ++counts.succeeded;
    if (IsPodFailed(job, *pod)) ++counts.failed;
    if (deleting && !finished) {
      ++counts.terminating;
      counts.terminating_pods.push_back(pod);
    }
    if (!deleting && !finished) {
      counts.active.push_back(pod);
      if (IsReady(*pod)) ++counts.ready;
    }
  }
  return counts;
}

Pod NewPodFromTemplate(const Job& job) {
  const auto& tmpl = job.spec().template_();
  Pod pod;
  auto* meta = pod.mutable_metadata();
  *meta->mutable_labels() = tmpl.metadata().labels();
  *meta->mutable_annotations() = tmpl.metadata().annotations();
  *meta->mutable_finalizers() = tmpl.metadata().finalizers();
  meta->set_generate_name(job.metadata().name() + "-");
  meta->set_namespace_(job.metadata().namespace_());
  auto* ref = meta->add_owner_references();
  ref->set_api_version("batch/v1");
  ref->set_kind("Job");
  ref->set_name(job.metadata().name());
  ref->set_uid(job.metadata().uid());
  ref->set_controller(true);
  ref->set_block_owner_deletion(true);
  *pod.mutable_spec() = tmpl.spec();
  return pod;
}

int WantActive(const Job& job, int active, int succeeded) {
  int parallelism = job.spec().parallelism();
  int want;
  if (!job.spec().has_completions()) {
    // Once a pod succeeded, the job only waits for the rest to finish.
    want = succeeded > 0 ? active : parallelism;
  } else {
    want = std::min(job.spec().completions() - succeeded, parallelism);
  }
  return std::max(want, 0) - active;
}

std::chrono::nanoseconds RemainingBackoff(int failures_since_success,
                                          std::chrono::steady_clock::duration since_last_failure,
                                          double time_scale) {
  using std::chrono::nanoseconds;
  if (failures_since_success <= 0) return nanoseconds(0);
  constexpr double kBase = 10e9, kMax = 600e9;  // DefaultJobPodFailureBackOff, Max...
  double backoff = std::min(kBase * std::pow(2.0, failures_since_success - 1), kMax);
  auto wait = nanoseconds(static_cast<int64_t>(backoff * time_scale));
  auto left = wait - std::chrono::duration_cast<nanoseconds>(since_last_failure);
  return left > nanoseconds(0) ? left : nanoseconds(0);
}

}  // namespace pk::controllers::job
