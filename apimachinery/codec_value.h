// The Kubernetes JSON of a message as a parsed document, built straight from the message:
// the same value as json::Parse(json::Encode(msg)) without writing and re-reading the text
// (update tracking compares objects as JSON documents on every write).
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>

#include "apimachinery/status.h"

namespace pk::json {

// Equal to Parse(Encode(msg)) and of the same number types (integers unsigned when not
// negative, as the parser reads them), so dumps of its parts match too. Fails as Parse would
// when an embedded raw document (RawExtension, FieldsV1) is not valid JSON.
Result<nlohmann::ordered_json> ToJsonValue(const google::protobuf::Message& msg);

// The value ToJsonValue gives a scalar field (not a message) of `msg`: element `index` of a
// repeated field, or the singular value when `index` is -1.
nlohmann::ordered_json ScalarToJsonValue(const google::protobuf::Message& msg,
                                         const google::protobuf::FieldDescriptor* field, int index);

}  // namespace pk::json
