// The Job controller (pkg/controller/job), --controllers name "job", events as
// "job-controller": runs a Job's pods to completion. Both completion modes (Indexed:
// indexed.h); up to
// min(parallelism, completions - succeeded) pods at a time, a failed pod replaced after an
// exponential back-off (scaled by time_scale) until more than backoffLimit failed; the
// job fails (BackoffLimitExceeded, DeadlineExceeded) or completes with the v1.32 conditions
// (FailureTarget then Failed, SuccessCriteriaMet then Complete), suspends and resumes.
//
// Counting differs from Kubernetes: no batch.kubernetes.io/job-tracking finalizer and no
// uncountedTerminatedPods; succeeded and failed are counted from the pods present and never
// go down (a finished pod deleted before it was counted is missed).
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewJobController(const ControllerContext& context);

}  // namespace pk::controllers
