// Kubernetes' namespaced_resources_deleter (pkg/controller/namespace/deletion): empties a
// Terminating namespace of every namespaced resource of the Scheme, reports progress in the
// namespace's status conditions, and once nothing remains removes the "kubernetes" finalizer
// through namespaces/NAME/finalize (the apiserver then removes the namespace).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "client/clientset.h"
#include "proto/core/v1/namespace.pb.h"

namespace pk::controllers {

// What one pass over a namespace's content left behind.
struct ContentTotals {
  std::map<std::string, int> remaining_by_resource;   // "pods." -> 3 (resource.group)
  std::map<std::string, int> remaining_by_finalizer;  // "example.com/x" -> 1
  std::vector<std::string> errors;                    // per resource that failed
  bool empty() const { return remaining_by_resource.empty() && errors.empty(); }
};

// The namespace's deleter conditions (NamespaceDeletionDiscoveryFailure,
// NamespaceDeletionGVParsingFailure, NamespaceDeletionContentFailure,
// NamespaceContentRemaining, NamespaceFinalizersRemaining) as `totals` says; whether any
// changed (Kubernetes' namespaceConditionUpdater.Update).
bool UpdateNamespaceConditions(const ContentTotals& totals, k8s::core::v1::NamespaceStatus* status);

class NamespacedResourcesDeleter {
 public:
  explicit NamespacedResourcesDeleter(const client::Clientset& clientset) : clientset_(clientset) {}

  // One pass: true when the namespace is gone or finalized, false when content remains
  // (check again later); an error when a request failed.
  Result<bool> Delete(const std::string& name) const;

 private:
  ContentTotals DeleteAllContent(const std::string& ns) const;
  Status UpdateConditions(const k8s::core::v1::Namespace& ns, const ContentTotals& totals) const;
  Status Finalize(const k8s::core::v1::Namespace& ns) const;

  const client::Clientset& clientset_;
};

}  // namespace pk::controllers
