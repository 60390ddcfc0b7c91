// What the files of strategies/ share: the pieces of pod validation and defaulting that
// workloads reuse for their templates, and the per-resource strategy singletons StrategyFor
// hands out. Internal to strategies/.
#pragma once

#include <google/protobuf/map.h>

#include <string>
#include <string_view>

#include "apiserver/registry/strategies/field_errors.h"
#include "apiserver/registry/strategy.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::registry {

using StringMap = google::protobuf::Map<std::string, std::string>;

// The checked downcast of a message the registry passes in: aborts on a wrong type, which is a
// programming error of the registry (StrategyFor's table names the message of each resource).
template <class T>
const T& As(const Message& m) {
  const T* t = google::protobuf::DynamicCastToGenerated<T>(&m);
  if (t == nullptr) abort();
  return *t;
}
template <class T>
T& As(Message* m) {
  T* t = google::protobuf::DynamicCastToGenerated<T>(m);
  if (t == nullptr) abort();
  return *t;
}

// --- metadata (object_meta.cc) ---
Causes ValidateLabels(const StringMap& labels, std::string_view path);
Causes ValidateAnnotations(const StringMap& annotations, std::string_view path);

// --- pods (pod_defaults.cc, pod_validation.cc, pod_update.cc) ---
// SetDefaults_PodSpec and SetDefaults_Container for every PodSpec, templates included.
void DefaultPodSpec(k8s::core::v1::PodSpec* spec);
// SetDefaults_Pod on top: requests from limits, enableServiceLinks (pods only, not templates).
void DefaultPod(k8s::core::v1::Pod* pod);
Causes ValidatePodSpec(const k8s::core::v1::PodSpec& spec, std::string_view path);
// ValidatePodTemplateSpec: template labels/annotations and the spec.
Causes ValidatePodTemplateSpec(const k8s::core::v1::PodTemplateSpec& tpl, std::string_view path);
// The spec rules of ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations
// and a negative terminationGracePeriodSeconds may change.
Causes ValidatePodSpecUpdate(const k8s::core::v1::PodSpec& spec, const k8s::core::v1::PodSpec& old);
// qos.GetPodQOS: BestEffort, Burstable or Guaranteed.
std::string PodQOSClass(const k8s::core::v1::PodSpec& spec);

// --- strategies (one per resource with rules of its own) ---
const Strategy& PodStrategy();
const Strategy& DeploymentStrategy();
const Strategy& ReplicaSetStrategy();
const Strategy& StatefulSetStrategy();
const Strategy& DaemonSetStrategy();
const Strategy& JobStrategy();
const Strategy& NamespaceStrategy();
const Strategy& NodeStrategy();
const Strategy& ServiceStrategy();
const Strategy& EventStrategy();
const Strategy& SecretStrategy();
const Strategy& ConfigMapStrategy();
const Strategy& PriorityClassStrategy();
const Strategy& LeaseStrategy();
const Strategy& RoleStrategy();
const Strategy& ClusterRoleStrategy();
const Strategy& RoleBindingStrategy();
const Strategy& ClusterRoleBindingStrategy();
const Strategy& ResourceQuotaStrategy();
const Strategy& LimitRangeStrategy();
const Strategy& MutatingWebhookConfigurationStrategy();
const Strategy& ValidatingWebhookConfigurationStrategy();

}  // namespace pk::registry

namespace pk::registry {

// --- containers (container_validation.cc) ---
// validateContainers / validateInitContainers of ValidatePodSpec; `volumes` are the pod's
// volume names, `names` the container names seen so far (unique across both lists).
Causes ValidateContainers(const k8s::core::v1::PodSpec& spec, std::string_view path);

}  // namespace pk::registry

namespace k8s::util {
class IntOrString;
}

namespace pk::registry {

// --- workloads (workload_validation.cc) ---
// Go's %#v of a label selector and an IntOrString, as field errors print them.
std::string GoLabelSelector(const k8s::meta::v1::LabelSelector& selector);
std::string GoIntOrString(const k8s::util::IntOrString& value);
// unversionedvalidation.ValidateLabelSelector.
Causes ValidateLabelSelector(const k8s::meta::v1::LabelSelector& selector, std::string_view path);
// The selector and template rules every controller shares (ValidateDeploymentSpec,
// ValidatePodTemplateSpecForReplicaSet...): `selector` may be null; `kind` names the
// controller in "empty selector is invalid for <kind>" and "activeDeadlineSeconds in <Kind> is
// not Supported"; `restart_always` requires restartPolicy Always.
struct TemplateRules {
  std::string empty_selector_kind;  // "deployment"
  std::string deadline_kind;        // "ReplicaSet"
  bool restart_always = true;
};
Causes ValidateSelectorAndTemplate(const k8s::meta::v1::LabelSelector* selector,
                                   const k8s::core::v1::PodTemplateSpec& tpl,
                                   const TemplateRules& rules);
// spec.<field>: Invalid value: <selector>: field is immutable, when it changed.
void ValidateSelectorUnchanged(const k8s::meta::v1::LabelSelector* now,
                               const k8s::meta::v1::LabelSelector* old, Causes* causes);
// ValidatePositiveIntOrPercent and IsNotMoreThan100Percent.
void ValidateIntOrPercent(const k8s::util::IntOrString& value, std::string_view path,
                          bool at_most_100, Causes* causes);
// getIntOrPercentValue: the integer or the percentage number.
int IntOrPercentValue(const k8s::util::IntOrString& value);

}  // namespace pk::registry

namespace pk::registry {

// --- the strategy of resources with a spec and a status (workloads.cc) ---
// Create clears status and sets generation 1; update keeps the old status and generation,
// bumping it when the spec changed (or, when `annotations_bump` is set, the annotations, as
// deployments do because they copy them to their replica sets).
class SpecStatusStrategy : public Strategy {
 public:
  explicit SpecStatusStrategy(bool annotations_bump = false)
      : annotations_bump_(annotations_bump) {}
  void PrepareForCreate(Message* object) const override;
  void PrepareForUpdate(Message* object, const Message& old) const override;
  bool TracksGeneration() const override { return true; }

 private:
  const bool annotations_bump_;
};

}  // namespace pk::registry
