// The merge-key table: Kubernetes' Go struct tags (k8s.io/api core/v1, apps/v1, batch/v1,
// meta/v1 types.go) for every list or map field whose patch or apply behaviour is not the
// default. Default: a list without tags is replaced by a strategic patch and atomic for apply;
// a map merges key by key in both.
#include <google/protobuf/descriptor.h>

#include <map>
#include <string>
#include <utility>

#include "apiserver/patch/schema.h"
#include "proto/options.pb.h"

namespace pk::patch {
namespace {

using Key = std::pair<std::string, std::string>;  // (message full name, JSON field name)

FieldTags Merge(std::string key, std::vector<std::string> map_keys = {}) {
  FieldTags tags;
  tags.merge = true;
  tags.merge_key = key;
  tags.list_map_keys = map_keys.empty() ? std::vector<std::string>{key} : map_keys;
  return tags;
}
FieldTags MergeRetainKeys(std::string key) {
  FieldTags tags = Merge(std::move(key));
  tags.retain_keys = true;
  return tags;
}
FieldTags PrimitiveSet() {  // patchStrategy:"merge" on []string, +listType=set
  FieldTags tags;
  tags.merge = true;
  return tags;
}
FieldTags MergeButAtomicForApply(std::string key) {  // +listType=atomic despite the tags
  FieldTags tags = Merge(std::move(key));
  tags.ssa_atomic = true;
  return tags;
}
FieldTags ApplyMapOnly(std::vector<std::string> map_keys) {  // +listType=map, no patchStrategy
  FieldTags tags;
  tags.list_map_keys = std::move(map_keys);
  return tags;
}
FieldTags Atomic() {  // +mapType=atomic / +structType=atomic
  FieldTags tags;
  tags.ssa_atomic = true;
  return tags;
}

// Container and EphemeralContainer share EphemeralContainerCommon's tags.
void AddContainerTags(std::map<Key, FieldTags>& t, const std::string& message) {
  t[{message, "ports"}] = Merge("containerPort", {"containerPort", "protocol"});
  t[{message, "env"}] = Merge("name");
  t[{message, "volumeMounts"}] = Merge("mountPath");
  t[{message, "volumeDevices"}] = Merge("devicePath");
  // resizePolicy, envFrom, command, args: +listType=atomic, no patch strategy.
}

std::map<Key, FieldTags> BuildTable() {
  std::map<Key, FieldTags> t;
  t[{"k8s.meta.v1.ObjectMeta", "ownerReferences"}] = Merge("uid");
  t[{"k8s.meta.v1.ObjectMeta", "finalizers"}] = PrimitiveSet();
  const std::string pod_spec = "k8s.core.v1.PodSpec";
  t[{pod_spec, "volumes"}] = MergeRetainKeys("name");
  t[{pod_spec, "initContainers"}] = Merge("name");
  t[{pod_spec, "containers"}] = Merge("name");
  t[{pod_spec, "ephemeralContainers"}] = Merge("name");
  t[{pod_spec, "imagePullSecrets"}] = Merge("name");
  t[{pod_spec, "hostAliases"}] = Merge("ip");
  t[{pod_spec, "topologySpreadConstraints"}] =
      Merge("topologyKey", {"topologyKey", "whenUnsatisfiable"});
  t[{pod_spec, "schedulingGates"}] = Merge("name");
  t[{pod_spec, "resourceClaims"}] = MergeRetainKeys("name");
  t[{pod_spec, "nodeSelector"}] = Atomic();
  // tolerations, readinessGates: +listType=atomic, no patch strategy.
  AddContainerTags(t, "k8s.core.v1.Container");
  AddContainerTags(t, "k8s.core.v1.EphemeralContainer");
  t[{"k8s.core.v1.ResourceRequirements", "claims"}] = ApplyMapOnly({"name"});
  const std::string pod_status = "k8s.core.v1.PodStatus";
  t[{pod_status, "conditions"}] = Merge("type");
  t[{pod_status, "podIPs"}] = Merge("ip");
  t[{pod_status, "hostIPs"}] = Merge("ip");
  t[{pod_status, "resourceClaimStatuses"}] = Merge("name");
  t[{"k8s.core.v1.ContainerStatus", "volumeMounts"}] = Merge("mountPath");
  t[{"k8s.core.v1.ContainerStatus", "allocatedResourcesStatus"}] = Merge("name");
  t[{"k8s.core.v1.ResourceStatus", "resources"}] = ApplyMapOnly({"resourceID"});
  t[{"k8s.core.v1.NodeSpec", "podCIDRs"}] = PrimitiveSet();
  t[{"k8s.core.v1.NodeStatus", "conditions"}] = Merge("type");
  t[{"k8s.core.v1.NodeStatus", "addresses"}] = Merge("type");
  t[{"k8s.core.v1.ServiceSpec", "ports"}] = Merge("port", {"port", "protocol"});
  t[{"k8s.core.v1.ServiceSpec", "selector"}] = Atomic();
  t[{"k8s.core.v1.ServiceStatus", "conditions"}] = Merge("type");
  t[{"k8s.core.v1.ServiceAccount", "secrets"}] = MergeButAtomicForApply("name");
  t[{"k8s.core.v1.NamespaceStatus", "conditions"}] = Merge("type");
  t[{"k8s.core.v1.PersistentVolumeClaimStatus", "conditions"}] = Merge("type");
  t[{"k8s.apps.v1.DeploymentStatus", "conditions"}] = Merge("type");
  t[{"k8s.apps.v1.ReplicaSetStatus", "conditions"}] = Merge("type");
  t[{"k8s.apps.v1.StatefulSetStatus", "conditions"}] = Merge("type");
  t[{"k8s.apps.v1.DaemonSetStatus", "conditions"}] = Merge("type");
  t[{"k8s.batch.v1.JobStatus", "conditions"}] = MergeButAtomicForApply("type");
  // admissionregistration/v1: webhooks merge by name, and so do their matchConditions.
  for (const char* kind : {"Mutating", "Validating"}) {
    const std::string ar = "k8s.admissionregistration.v1.";
    t[{ar + kind + "WebhookConfiguration", "webhooks"}] = Merge("name");
    t[{ar + kind + "Webhook", "matchConditions"}] = Merge("name");
  }
  return t;
}

// Types tagged +structType=atomic: apply owns them as one value wherever they appear.
bool IsAtomicStruct(const google::protobuf::Descriptor* message) {
  if (message == nullptr) return false;
  const std::string& name = message->full_name();
  return name == "k8s.meta.v1.LabelSelector" || name == "k8s.core.v1.NodeSelector" ||
         name == "k8s.core.v1.NodeSelectorTerm" || name == "k8s.core.v1.ObjectReference" ||
         name == "k8s.core.v1.LocalObjectReference";
}

const FieldTags* FindTags(const google::protobuf::Descriptor* message, std::string_view field) {
  static const std::map<Key, FieldTags>* table = new std::map<Key, FieldTags>(BuildTable());
  auto it = table->find(Key(message->full_name(), std::string(field)));
  return it == table->end() ? nullptr : &it->second;
}

const google::protobuf::FieldDescriptor* FindByJsonName(const google::protobuf::Descriptor* m,
                                                        std::string_view json_key) {
  for (int i = 0; i < m->field_count(); ++i) {
    if (m->field(i)->json_name() == json_key) return m->field(i);
  }
  return nullptr;
}

}  // namespace

FieldInfo LookupField(const SchemaNode& node, std::string_view json_key) {
  FieldInfo info;
  if (node.map_field != nullptr) {  // any key of a map: the value type
    const auto* value = node.map_field->message_type()->map_value();
    info.known = true;
    info.child.message = value->message_type();
    return info;
  }
  if (node.message == nullptr) return info;
  const auto* field = FindByJsonName(node.message, json_key);
  if (field == nullptr) return info;
  info.known = true;
  info.always = field->options().GetExtension(k8s::always);
  info.tags = FindTags(node.message, json_key);
  if (field->is_map()) {
    info.child.map_field = field;
  } else {
    info.repeated = field->is_repeated();
    info.child.message = field->message_type();
  }
  return info;
}

ListType ListTypeOf(const FieldInfo& field) {
  if (field.tags == nullptr || field.tags->ssa_atomic) return ListType::kAtomic;
  if (!field.tags->list_map_keys.empty()) return ListType::kMap;
  return field.tags->merge ? ListType::kSet : ListType::kAtomic;
}

std::vector<std::string> ListMapKeys(const FieldInfo& field) {
  return field.tags == nullptr ? std::vector<std::string>{} : field.tags->list_map_keys;
}

bool IsAtomicObject(const FieldInfo& field) {
  if (field.tags != nullptr && field.tags->ssa_atomic) return true;
  return IsAtomicStruct(field.child.message);
}

}  // namespace pk::patch
