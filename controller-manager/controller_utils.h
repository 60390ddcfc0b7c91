// Helpers every workload controller shares (parts of Kubernetes' pkg/controller and metav1):
// an object's selector, and the comparisons pod event handlers make between two versions.
// Pure functions; thread-safe.
#pragma once

#include <google/protobuf/map.h>

#include <string>

#include "apimachinery/selectors.h"
#include "apimachinery/status.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers {

// metav1.LabelSelectorAsSelector of `object.spec.selector`: a missing selector selects nothing.
template <class T>
Result<LabelSelector> SelectorOf(const T& object) {
  if (!object.spec().has_selector()) return LabelSelector::Nothing();
  return LabelSelector::FromProto(object.spec().selector());
}

using StringMap = google::protobuf::Map<std::string, std::string>;

// The same keys with the same values (labels, annotations, nodeSelectors).
bool SameStringMap(const StringMap& a, const StringMap& b);

// The same labels.
bool SameLabels(const k8s::core::v1::Pod& a, const k8s::core::v1::Pod& b);

// The same controllerRef (or none on both).
bool SameControllerRef(const k8s::core::v1::Pod& a, const k8s::core::v1::Pod& b);

}  // namespace pk::controllers
