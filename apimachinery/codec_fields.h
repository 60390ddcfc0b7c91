// Internal to the codec: per-message tables built once from descriptors, so encoding and
// decoding never re-derive names, options or special types.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pk::json::internal {

// Messages with their own JSON form (see proto/README.md).
enum class Special {
  kNone,
  kTime,         // k8s.meta.v1.Time
  kMicroTime,    // k8s.meta.v1.MicroTime
  kDuration,     // k8s.meta.v1.Duration
  kQuantity,     // k8s.resource.Quantity
  kIntOrString,  // k8s.util.IntOrString
  kRaw,          // k8s.runtime.RawExtension and k8s.meta.v1.FieldsV1
  kStringList,   // a Go named []string (authorization's ExtraValue): a bare JSON array
};

Special SpecialOf(const google::protobuf::Descriptor* type);

struct FieldInfo {
  const google::protobuf::FieldDescriptor* field;
  std::string key;        // `"jsonName":`, ready to append
  std::string_view name;  // the JSON name (points into `key`)
  bool always;            // the (k8s.always) option
  bool nullable;          // the (k8s.nullable) option: null when unset
  Special special;        // of the message type (or map value type), kNone for scalars
};

struct MessageInfo {
  std::vector<FieldInfo> fields;  // declaration order
  std::unordered_map<std::string_view, const FieldInfo*> by_name;
};

// The table of `type`, built on first use and kept for the life of the process.
const MessageInfo& InfoOf(const google::protobuf::Descriptor* type);

// Whether Go would write the field (see proto/README.md, "Presence"): the one rule of the
// encoder, the document builder and the create walk of managedFields.
bool Present(const google::protobuf::Message& msg, const FieldInfo& f);

// Appends `in` as a quoted base64 JSON string (a bytes field).
void AppendBase64(std::string* out, std::string_view in);

}  // namespace pk::json::internal
