// The resource quota controller (pkg/controller/resourcequota, v1.32), --controllers name
// "resourcequota": keeps each ResourceQuota's status.hard equal to spec.hard and recounts
// status.used from what the namespace holds (quota/quota.h: the same evaluators admission
// charges with; terminal pods and pods past their deletion grace period use no compute).
// A quota is recounted when it is created or its spec.hard changes, when an object it may
// count is deleted or changes what it uses (a pod turning Succeeded or Failed), and every
// --resource-quota-sync-period (Kubernetes' default 5m, times time_scale). Objects are listed
// from the apiserver at each recount; the status is written with the quota's
// resourceVersion, and a conflict (admission charged meanwhile) retries the recount.
#pragma once

#include <memory>

#include "controller-manager/controller.h"

namespace pk::controllers {

Result<std::unique_ptr<Controller>> NewResourceQuotaController(const ControllerContext& context);

}  // namespace pk::controllers
