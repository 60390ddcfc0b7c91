// Helpers every workload controller shares (parts of Kubernetes' pkg/controller and metav1):
// an object's selector, and the comparisons pod event handlers make between two versions.
// Pure functions; thread-safe.
#pragma once

#include <google/protobuf/map.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/selectors.h"
#include "apimachinery/status.h"
#include "apimachinery/time.h"
#include "client/clock.h"
#include "client/lister.h"
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

// The clock's wall time as an API timestamp.
Timestamp WallTimestamp(const client::Clock& clock);

// resolveControllerRef: the object of `lister` a controllerRef names in `ns`, if it has the
// `kind` and the UID the reference says (else a namesake replaced the owner); nullptr if not.
template <class T>
std::shared_ptr<const T> ResolveControllerRef(const client::Lister<T>& lister,
                                              std::string_view kind, const std::string& ns,
                                              const k8s::meta::v1::OwnerReference& ref) {
  if (ref.kind() != kind) return nullptr;
  auto object = lister.Get(ns, ref.name());
  if (!object.ok() || (*object)->metadata().uid() != ref.uid()) return nullptr;
  return *object;
}

// The objects of `lister` in the pod's namespace whose non-empty selector matches its labels
// (getPodReplicaSets, getStatefulSetsForPod).
template <class T>
std::vector<std::shared_ptr<const T>> ObjectsSelecting(const client::Lister<T>& lister,
                                                       const k8s::core::v1::Pod& pod) {
  std::vector<std::shared_ptr<const T>> out;
  for (const auto& object : lister.ByNamespace(pod.metadata().namespace_()).List()) {
    auto selector = SelectorOf(*object);
    if (!selector.ok() || selector->Empty()) continue;
    if (selector->MatchesMap(pod.metadata().labels())) out.push_back(object);
  }
  return out;
}

}  // namespace pk::controllers
