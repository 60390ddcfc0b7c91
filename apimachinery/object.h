// Generic access to API objects: their ObjectMeta and their fields by JSON path, for code
// that handles every resource alike (store, registry, selectors).
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "proto/meta/v1/meta.pb.h"

namespace pk {

// The `metadata` of a top-level object, or nullptr when the type has none.
const k8s::meta::v1::ObjectMeta* GetObjectMeta(const google::protobuf::Message& object);
k8s::meta::v1::ObjectMeta* MutableObjectMeta(google::protobuf::Message* object);

// The value at a dotted JSON path ("spec.nodeName", "metadata.name", "status.phase",
// "involvedObject.kind") as a field selector sees it: strings as they are, booleans as
// "true"/"false", integers in decimal, an unset scalar as its zero value. nullopt when the
// path does not name a scalar field of the type.
std::optional<std::string> FieldValue(const google::protobuf::Message& object,
                                      std::string_view path);

}  // namespace pk
