// PodControl (pkg/controller/controller_utils.go RealPodControl): creates pods from a
// controller's template and deletes them, recording on the controller the Events users see
// ("SuccessfulCreate", "Created pod: NAME"; "FailedCreate", "Error creating: ERR";
// "SuccessfulDelete", "Deleted pod: NAME"; "FailedDelete", "Error deleting: ERR"), and
// patches pods (adoption and release).
//
// Thread-safe (the clientset and recorder are).
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "client/clientset.h"
#include "client/event_recorder.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::replicaset {

// A controllerRef (metav1.NewControllerRef): controller and blockOwnerDeletion true.
k8s::meta::v1::OwnerReference NewControllerRef(const k8s::meta::v1::ObjectMeta& owner,
                                               const std::string& api_version,
                                               const std::string& kind);

// The controller reference of an object (metav1.GetControllerOf), or nullptr.
const k8s::meta::v1::OwnerReference* GetControllerOf(const k8s::meta::v1::ObjectMeta& meta);

// Kubernetes' PodControllerUIDIndex (controller.AddPodControllerUIDIndexer): a pod is found
// under its controller's UID, or, without a controller, under OrphanPodIndexKey(namespace).
inline constexpr char kPodControllerUIDIndex[] = "podControllerUID";
std::string OrphanPodIndexKey(const std::string& ns);
std::vector<std::string> PodControllerUIDIndexValues(const k8s::core::v1::Pod& pod);

// GetPodFromTemplate: the template's labels, annotations, finalizers and spec, the
// controllerRef, and generateName "<controller name>-" (the apiserver adds the suffix).
k8s::core::v1::Pod PodFromTemplate(const k8s::core::v1::PodTemplateSpec& pod_template,
                                   const std::string& controller_name,
                                   const k8s::meta::v1::OwnerReference& controller_ref);

// Whether a create failed because the namespace is being deleted (NamespaceTerminating
// cause): nothing to do then, and no Event.
bool IsNamespaceTerminating(const Status& status);

class PodControl {
 public:
  PodControl(const client::Clientset& clientset, client::EventRecorder& recorder)
      : clientset_(clientset), recorder_(recorder) {}

  // Creates a pod of `pod_template` owned by `controller` (an API object, for the Events).
  Status CreatePod(const std::string& ns, const k8s::core::v1::PodTemplateSpec& pod_template,
                   const google::protobuf::Message& controller,
                   const k8s::meta::v1::OwnerReference& controller_ref) const;
  // Deletes pod ns/name on behalf of `controller`. NotFound is returned without an Event.
  Status DeletePod(const std::string& ns, const std::string& name,
                   const google::protobuf::Message& controller) const;
  // A strategic merge patch of pod ns/name.
  Status PatchPod(const std::string& ns, const std::string& name, const std::string& patch) const;

 private:
  const client::Clientset& clientset_;
  client::EventRecorder& recorder_;
};

}  // namespace pk::controllers::replicaset
