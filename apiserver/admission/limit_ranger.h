// LimitRanger, as Kubernetes' plugin of that name (plugin/pkg/admission/limitranger, v1.32),
// with the LimitRanges of the request's namespace.
//
// Mutating, on pod CREATE: every container and init container gets the requests and limits
// its pod does not set from each LimitRange's Container item (defaultRequest, default), and
// the pod the annotation kubernetes.io/limit-ranger ("LimitRanger plugin set: cpu request for
// container c1; ...").
//
// Validating, on pod CREATE and PersistentVolumeClaim CREATE and UPDATE: min, max and
// maxLimitRequestRatio of Container items per container, of Pod items for the pod as a whole,
// and min and max of PersistentVolumeClaim items on the claim's storage request. Refusals are
// Forbidden with Kubernetes' wording, several at once as Go's aggregate prints them:
// `pods "x" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, ...]`.
// Resource names are visited in sorted order (Go visits its maps at random). Pod updates,
// subresources and objects being deleted are left alone.
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewLimitRanger(storage::Store* store);

}  // namespace pk::admission
