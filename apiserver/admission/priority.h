// Priority, as Kubernetes' plugin of that name (plugin/pkg/admission/priority, v1.32).
//
// Mutating, on pod CREATE: spec.priority and spec.preemptionPolicy come from the PriorityClass
// named in spec.priorityClassName; without a name, from the globalDefault class (whose name the
// pod then gets), else priority 0 and PreemptLowerPriority. An unknown class, or a pod that
// already carries a different priority or preemptionPolicy, is Forbidden. On pod UPDATE the
// stored values are carried over when the new object omits them (validation keeps them
// immutable). Subresources are left alone.
//
// Validating, on PriorityClass CREATE and UPDATE: at most one globalDefault class. (The
// "system-" prefix and the value limit are validation's, as in Kubernetes: strategies/.)
//
// Reads the store directly, where Kubernetes reads an informer's cache: the same answers,
// without the cache's lag.
#pragma once

#include <memory>

#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewPriority(storage::Store* store);

}  // namespace pk::admission
