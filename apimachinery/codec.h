// The Kubernetes-JSON codec: protobuf API messages (proto/) <-> the exact JSON the Kubernetes
// apiserver reads and writes. Driven by descriptors, so every type in proto/ works without
// per-type code; the rules per field come from proto/README.md (declaration order, JSON
// names, `optional` presence, the (k8s.always) option, special types).
//
// Thread-safe: all functions may be called concurrently.
#pragma once

#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/gvk.h"
#include "apimachinery/status.h"

namespace pk::json {

// Appends the compact JSON of `msg` to `out`. When `type` is given, `"kind"` and
// `"apiVersion"` are written first, as on every top-level Kubernetes object.
void AppendEncoded(std::string* out, const google::protobuf::Message& msg,
                   const GroupVersionKind* type = nullptr);
std::string Encode(const google::protobuf::Message& msg, const GroupVersionKind* type = nullptr);

// What decoding noticed without failing.
struct DecodeReport {
  // Paths of fields the type does not have ("spec.containers[0].imagePullPolicyy"), in
  // document order. Callers warn about them or, under fieldValidation=Strict, reject them.
  std::vector<std::string> unknown_fields;
  // The top-level "kind" and "apiVersion", when present (they are not unknown fields).
  std::string kind;
  std::string api_version;
};

// Decodes a JSON document into `msg` (cleared first). Type mismatches and malformed JSON are
// BadRequest errors naming the field ("json: cannot unmarshal string into Go struct field
// PodSpec.spec.containers of type []v1.Container"); `null` leaves a field unset.
Status Decode(std::string_view json, google::protobuf::Message* msg, DecodeReport* report);
Status DecodeValue(const nlohmann::ordered_json& doc, google::protobuf::Message* msg,
                   DecodeReport* report);

// Parses JSON text keeping key order (as every codec path does); BadRequest on bad syntax.
Result<nlohmann::ordered_json> Parse(std::string_view json);
// BadRequest when `json` nests deeper than Kubernetes' 10000 levels. Whatever handles JSON
// recursively (nlohmann's parser and dump, patches) must check this first: deeper input
// would overflow the stack, which no error handling can catch.
Status CheckDepth(std::string_view json);

// Writes a JSON value compactly with Go's escaping (<, >, & and U+2028/9 as \uXXXX), the way
// the apiserver writes embedded documents.
void AppendValue(std::string* out, const nlohmann::ordered_json& value);
// Appends `s` as a JSON string literal with Go's escaping.
void AppendString(std::string* out, std::string_view s);

// Re-indents compact JSON text the way Go's json.Indent does with a two-space indent (the
// apiserver's pretty output for curl and ?pretty=true); no trailing newline.
std::string Indent(std::string_view compact);

}  // namespace pk::json
