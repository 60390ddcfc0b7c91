// Kubernetes' protobuf wire encoding (Content-Type application/vnd.kubernetes.protobuf), as
// kubectl's typed commands send it (`kubectl create namespace|configmap|secret|deployment...`).
//
// The body is the magic "k8s\0" followed by a runtime.Unknown {1: TypeMeta {1: apiVersion,
// 2: kind}, 2: raw, 3: contentEncoding, 4: contentType}, where `raw` is the object in
// Kubernetes' own generated.proto field numbers. Our messages (proto/) have the same field
// names but other numbers, so the object is transcoded field by field through the tables of
// k8s_protobuf_tables.h and then parsed into our message.
//
// Thread-safe: may be called concurrently.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/gvk.h"
#include "apimachinery/status.h"

namespace pk {

inline constexpr std::string_view kKubernetesProtobufContentType =
    "application/vnd.kubernetes.protobuf";

// Decodes a body of Content-Type application/vnd.kubernetes.protobuf into the scheme's
// message for the kind it names; `kind_out` (optional) receives that kind as soon as the
// envelope is read, also when decoding fails later.
// Errors: BadRequest for malformed input (the body is untrusted: it is never read out of
// bounds, whatever the bytes), or for a kind the scheme does not have; UnsupportedMediaType
// (415) for a contentEncoding, a nested content type, or a message whose Kubernetes field
// numbers we do not know (the message names it; the client can send JSON instead).
// Kubernetes field numbers unknown to our tables (fields of newer versions, types we do not
// model such as most volume sources) are skipped, as the JSON path drops unknown fields; each
// is appended to `unknown_fields` (optional) as "<our message>: field <number>".
Result<std::unique_ptr<google::protobuf::Message>> DecodeKubernetesProtobuf(
    std::string_view body, GroupVersionKind* kind_out,
    std::vector<std::string>* unknown_fields = nullptr);

}  // namespace pk
