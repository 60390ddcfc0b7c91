#include "controller-manager/replicaset/pod_control.h"

#include <fmt/format.h>

#include "trace/trace.h"

namespace pk::controllers::replicaset {

k8s::meta::v1::OwnerReference NewControllerRef(const k8s::meta::v1::ObjectMeta& owner,
                                               const std::string& api_version,
                                               const std::string& kind) {
  k8s::meta::v1::OwnerReference ref;
  ref.set_api_version(api_version);
  ref.set_kind(kind);
  ref.set_name(owner.name());
  ref.set_uid(owner.uid());
  ref.set_controller(true);
  ref.set_block_owner_deletion(true);
  return ref;
}

const k8s::meta::v1::OwnerReference* GetControllerOf(const k8s::meta::v1::ObjectMeta& meta) {
  for (const auto& ref : meta.owner_references()) {
    if (ref.has_controller() && ref.controller()) return &ref;
  }
  return nullptr;
}

std::string OrphanPodIndexKey(const std::string& ns) { return "_ORPHAN_POD/" + ns; }

std::vector<std::string> PodControllerUIDIndexValues(const k8s::core::v1::Pod& pod) {
  const auto* ref = GetControllerOf(pod.metadata());
  return {ref != nullptr ? ref->uid() : OrphanPodIndexKey(pod.metadata().namespace_())};
}

k8s::core::v1::Pod PodFromTemplate(const k8s::core::v1::PodTemplateSpec& pod_template,
                                   const std::string& controller_name,
                                   const k8s::meta::v1::OwnerReference& controller_ref) {
  k8s::core::v1::Pod pod;
  auto* meta = pod.mutable_metadata();
  *meta->mutable_labels() = pod_template.metadata().labels();
  *meta->mutable_annotations() = pod_template.metadata().annotations();
  *meta->mutable_finalizers() = pod_template.metadata().finalizers();
  // getPodsPrefix: Kubernetes falls back to the bare name when "<name>-" is not a valid
  // prefix; a ReplicaSet's name is a valid DNS subdomain, so "<name>-" always is here.
  meta->set_generate_name(controller_name + "-");
  *meta->add_owner_references() = controller_ref;
  *pod.mutable_spec() = pod_template.spec();
  return pod;
}

bool IsNamespaceTerminating(const Status& status) {
  if (status.ok()) return false;
  for (const auto& cause : status.details().causes) {
    if (cause.reason == "NamespaceTerminating") return true;
  }
  return false;
}

Status PodControl::CreatePod(const std::string& ns,
                             const k8s::core::v1::PodTemplateSpec& pod_template,
                             const google::protobuf::Message& controller,
                             const k8s::meta::v1::OwnerReference& controller_ref) const {
  k8s::core::v1::Pod pod = PodFromTemplate(pod_template, controller_ref.name(), controller_ref);
  pod.mutable_metadata()->set_namespace_(ns);
  if (pod.metadata().labels().empty())
    return Status::BadRequest("unable to create pods, no labels");
  const int64_t start = trace::NowUnixNano();
  auto created = clientset_.Pods(ns).Create(pod);
  if (created.ok()) {
    trace::Global().Record(
        trace::PodRef::Of(**created), "create pod", start, trace::NowUnixNano() - start,
        fmt::format("{} {}/{} has fewer pods than it wants: created {}", controller_ref.kind(), ns,
                    controller_ref.name(), (*created)->metadata().name()));
  }
  if (!created.ok()) {
    if (!IsNamespaceTerminating(created.status())) {
      recorder_.Eventf(controller, "Warning", "FailedCreate", "Error creating: {}",
                       created.status().message());
    }
    return created.take_status();
  }
  recorder_.Eventf(controller, "Normal", "SuccessfulCreate", "Created pod: {}",
                   (*created)->metadata().name());
  return {};
}

Status PodControl::DeletePod(const std::string& ns, const std::string& name,
                             const google::protobuf::Message& controller) const {
  const int64_t start = trace::NowUnixNano();
  auto deleted = clientset_.Pods(ns).Delete(name);
  if (deleted.ok() && *deleted) {
    trace::Global().Record(trace::PodRef::Of(**deleted), "delete pod", start,
                           trace::NowUnixNano() - start,
                           fmt::format("{} has more pods than it wants: deleted {}",
                                       controller.GetDescriptor()->name(), name));
  }
  if (!deleted.ok()) {
    if (client::IsNotFound(deleted.status())) return deleted.take_status();
    recorder_.Eventf(controller, "Warning", "FailedDelete", "Error deleting: {}",
                     deleted.status().message());
    return deleted.take_status();
  }
  recorder_.Eventf(controller, "Normal", "SuccessfulDelete", "Deleted pod: {}", name);
  return {};
}

Status PodControl::PatchPod(const std::string& ns, const std::string& name,
                            const std::string& patch) const {
  auto patched = clientset_.Pods(ns).Patch(name, "application/strategic-merge-patch+json", patch);
  return patched.ok() ? Status() : patched.take_status();
}

}  // namespace pk::controllers::replicaset
