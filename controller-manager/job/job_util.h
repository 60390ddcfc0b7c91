// The Job controller's pure helpers (pkg/controller/job/job_controller.go, utils.go): job
// conditions, how a job's pods are counted, the pod a job makes, the delay before a failed
// pod is replaced. No I/O.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "client/clientset.h"
#include "proto/batch/v1/batch.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::job {

using k8s::batch::v1::Job;
using k8s::batch::v1::JobCondition;
using k8s::core::v1::Pod;

// Condition types and reasons, as batch/v1 names them.
inline constexpr char kComplete[] = "Complete";
inline constexpr char kFailed[] = "Failed";
inline constexpr char kSuspended[] = "Suspended";
inline constexpr char kFailureTarget[] = "FailureTarget";
inline constexpr char kSuccessCriteriaMet[] = "SuccessCriteriaMet";

// The condition of `type`, or null.
const JobCondition* FindCondition(const Job& job, const std::string& type);
// True when the job has `type` with status True.
bool HasTrueCondition(const Job& job, const std::string& type);
// IsJobFinished: a Complete or Failed condition is True.
bool IsFinished(const Job& job);
// newCondition: status True, both times `now`.
JobCondition NewCondition(const std::string& type, const std::string& reason,
                          const std::string& message, const k8s::meta::v1::Time& now);
// ensureJobConditionStatus: sets `type` to `status` (reason and message too), appending it
// when absent; the transition time changes only with the status. Returns whether anything
// changed.
bool EnsureCondition(Job* job, const std::string& type, const std::string& status,
                     const std::string& reason, const std::string& message,
                     const k8s::meta::v1::Time& now);

bool IsSuspended(const Job& job);
// The job's controller reference on `pod` names `uid`.
bool IsControlledBy(const Pod& pod, const std::string& uid);
// The uid of the Job controlling `pod`, or "".
std::string ControllingJobUid(const Pod& pod);

// isPodFailed: phase Failed or, unless podReplacementPolicy is Failed, deleted before it
// finished (an orphan may never reach Failed).
bool IsPodFailed(const Job& job, const Pod& pod);

// pastBackoffLimitOnFailure: with restartPolicy OnFailure, the container restarts of the
// pending and running pods reach backoffLimit (exceed it when it is 0).
bool PastBackoffLimitOnFailure(const Job& job, const std::vector<client::Ptr<Pod>>& pods);

// The job's pods, sorted the way the controller counts them.
struct PodCounts {
  std::vector<client::Ptr<Pod>> active;  // neither finished nor being deleted
  int succeeded = 0;                     // phase Succeeded
  int failed = 0;                        // isPodFailed: phase Failed, or deleted unfinished
  int terminating = 0;                   // being deleted, not finished
  std::vector<client::Ptr<Pod>> terminating_pods;
  int ready = 0;  // active with the Ready condition True
};
PodCounts CountPods(const Job& job, const std::vector<client::Ptr<Pod>>& pods);

// The pod `job` creates (GetPodFromTemplate): the template's labels, annotations, finalizers
// and spec; generateName "<job>-"; a controller reference to the job.
Pod NewPodFromTemplate(const Job& job);

// The pods to make for `job` now (manageJob's wantActive less `active`; negative: too many).
int WantActive(const Job& job, int active, int succeeded);

// The pod failure back-off (getRemainingTime): 10s doubled per failure since the last
// success, at most 10 minutes, each multiplied by `time_scale`, counted from the last
// failure; zero when there were no failures or the back-off has passed.
std::chrono::nanoseconds RemainingBackoff(int failures_since_success,
                                          std::chrono::steady_clock::duration since_last_failure,
                                          double time_scale);

}  // namespace pk::controllers::job
