// Kubernetes' own protobuf field numbers, as data: for each message of proto/ that has a
// Kubernetes counterpart, which Kubernetes field number carries which field. Used only by
// k8s_protobuf.cc to transcode `application/vnd.kubernetes.protobuf` bodies into our messages.
//
// The numbers are those of Kubernetes v1.32's generated.proto files (k8s.io/api/<group>/v1,
// k8s.io/apimachinery/pkg/apis/meta/v1, .../api/resource, .../util/intstr, .../runtime), taken
// from the file descriptors that kubectl v1.32 itself carries. Field numbers in Kubernetes are
// never reused, so newer clients only add numbers, which the transcoder skips.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>

namespace pk::k8s_protobuf {

// One Kubernetes field. `name` is the Kubernetes (= JSON) name, which is the json_name or the
// name of our field; the special types whose field names differ (Duration, FieldsV1) name our
// field. A Go embedded struct (`json:",inline"`) has no field of ours: `inline_table` names the
// table of the embedded Kubernetes message, whose fields are fields of the enclosing message.
struct Field {
  uint32_t number;
  const char* name;
  const char* inline_table = nullptr;
};

// The fields of one message, keyed by our message's full name ("k8s.core.v1.PodSpec"). Tables
// used only inline (ProbeHandler, VolumeSource, EphemeralContainerCommon) have no message of
// ours; their names follow the same pattern.
struct Table {
  const char* message;
  std::initializer_list<Field> fields;
};

// The tables by group; each message appears in exactly one of them.
std::span<const Table> MetaTables();   // meta/v1, resource, intstr, runtime
std::span<const Table> CoreTables();   // core/v1 except the pod types
std::span<const Table> PodTables();    // core/v1 Pod, containers, volumes, affinity, status
std::span<const Table> GroupTables();  // apps, batch, rbac, scheduling, coordination, ...

}  // namespace pk::k8s_protobuf
