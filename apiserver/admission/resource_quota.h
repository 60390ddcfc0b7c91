// ResourceQuota, as Kubernetes' plugin of that name (plugin/pkg/admission/resourcequota and
// its quota evaluator, v1.32): the last validating plugin.
//
// On CREATE of any namespaced object (and UPDATE of services and persistent volume claims),
// each ResourceQuota of the namespace that covers the object (one of the evaluator's
// resources in status.hard, every scope matching; quota/quota.h) is checked:
//   - a pod must declare what such a quota limits of cpu and memory
//     (`failed quota: q: must specify limits.cpu for: c1; requests.cpu for: c1,c2`);
//   - the quota must have a used figure for each such resource
//     (`status unknown for quota: q, resources: pods`), i.e. the controller has counted;
//   - used + what the object adds (on update: what it adds beyond its old self) must stay
//     within hard: `exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2`.
// All are 403 Forbidden naming the object. When every quota admits, each one's status.used
// is raised by the object's usage, with the check repeated inside a compare-and-swap on the
// quota, so concurrent creates cannot both take the last unit. A dry run checks but charges
// nothing. Deletions free nothing here: the resource quota controller recounts.
//
// A quota status without status.hard (the controller has not synced it yet) constrains
// nothing, as in Kubernetes.
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewResourceQuota(storage::Store* store);

}  // namespace pk::admission
