// Internal: what Kubernetes' Go struct tags say about each field, found by walking the
// protobuf descriptor of the object alongside its JSON. Shared by the strategic merge patch
// (patchStrategy / patchMergeKey) and server-side apply (listType / listMapKey / mapType).
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>
#include <vector>

namespace pk::patch {

// The tags of one field, copied from k8s.io/api (see merge_keys.cc for the table).
struct FieldTags {
  bool merge = false;        // patchStrategy contains "merge"
  bool retain_keys = false;  // patchStrategy contains "retainKeys"
  std::string merge_key;     // patchMergeKey ("" for a merging list of primitives)
  // Server-side apply: +listType=map keys (defaults to {merge_key}), +listType=set when a
  // primitive list merges, +listType=atomic overrides a patch strategy.
  std::vector<std::string> list_map_keys;
  bool ssa_atomic = false;  // +listType=atomic, +mapType=atomic or +structType=atomic
};

// A position in the type tree: a message, or the values of a map field (labels, limits).
// Both null means "no type information" (unknown field, RawExtension content).
struct SchemaNode {
  const google::protobuf::Descriptor* message = nullptr;
  const google::protobuf::FieldDescriptor* map_field = nullptr;
};

// What a JSON key of `node` is: the node of its value (or of its list elements) and its tags
// (null when the field has none). `known` is false for keys the type does not declare.
struct FieldInfo {
  SchemaNode child;
  const FieldTags* tags = nullptr;
  bool known = false;
  bool repeated = false;
  bool always = false;  // (k8s.always): the codec writes it even when empty
};
FieldInfo LookupField(const SchemaNode& node, std::string_view json_key);

// How server-side apply treats a list (x-kubernetes-list-type).
enum class ListType { kAtomic, kSet, kMap };
ListType ListTypeOf(const FieldInfo& field);
// The key fields of an associative list's items (x-kubernetes-list-map-keys).
std::vector<std::string> ListMapKeys(const FieldInfo& field);
// True when a struct or map field is replaced as a whole by apply (+structType/mapType=atomic).
bool IsAtomicObject(const FieldInfo& field);

}  // namespace pk::patch
