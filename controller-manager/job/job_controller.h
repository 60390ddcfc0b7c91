// The Job controller (pkg/controller/job), --controllers name "job", events as
// "job-controller": runs a Job's pods to completion, in both completion modes (Indexed:
// indexed.h). Up to min(parallelism, completions - succeeded) pods at a time; a failed pod
// is replaced after an exponential back-off (scaled by time_scale) until more than
// backoffLimit failed (or, with restartPolicy OnFailure, the containers restarted that
// often); the job fails (BackoffLimitExceeded, DeadlineExceeded) or completes with the
// v1.32 conditions (FailureTarget then Failed, SuccessCriteriaMet then Complete), and
// suspends and resumes.
//
// Counting differs from Kubernetes: no batch.kubernetes.io/job-tracking finalizer and no
// uncountedTerminatedPods; succeeded and failed are counted from the pods present and never
// go down (a finished pod deleted before it was counted is missed; the running pods deleted
// because the job failed are remembered in memory until counted).
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewJobController(const ControllerContext& context);

}  // namespace pk::controllers
