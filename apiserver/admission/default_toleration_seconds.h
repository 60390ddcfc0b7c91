// DefaultTolerationSeconds, as Kubernetes' plugin of that name
// (plugin/pkg/admission/defaulttolerationseconds, v1.32).
//
// Mutating, on pod CREATE and UPDATE (not subresources): a pod that does not tolerate the
// NoExecute taint node.kubernetes.io/not-ready gets {key: not-ready, operator: Exists,
// effect: NoExecute, tolerationSeconds: N}, and likewise for node.kubernetes.io/unreachable,
// N from --default-not-ready-toleration-seconds and --default-unreachable-toleration-seconds
// (300). A toleration with an empty key or an empty effect counts as tolerating.
//
// The taint eviction controller applies the same 300 s defaults to pods without them (pods
// stored before this plugin existed, or written with it disabled): see
// controller-manager/tainteviction.
#pragma once

#include <cstdint>
#include <memory>

#include "apiserver/admission/admission.h"

namespace pk::admission {

std::unique_ptr<Plugin> NewDefaultTolerationSeconds(int64_t not_ready_seconds,
                                                    int64_t unreachable_seconds);

}  // namespace pk::admission
