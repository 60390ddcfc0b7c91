// Patches as the apiserver applies them, on JSON documents (the object's Kubernetes JSON):
// JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch (merge keys and
// directives per resource type) and server-side apply with managedFields.
//
// Every function is pure and thread-safe. Errors are Status values in Kubernetes' wording
// (BadRequest for a malformed patch, UnprocessableEntity/Invalid where Kubernetes says so,
// Conflict for apply conflicts).
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "apimachinery/status.h"

namespace pk::patch {

using Json = nlohmann::ordered_json;

// application/merge-patch+json.
Result<Json> MergePatch(const Json& original, std::string_view patch);
// application/json-patch+json.
Result<Json> JsonPatch(const Json& original, std::string_view patch);
// application/strategic-merge-patch+json. `type` is the message of the object (k8s.core.v1.Pod)
// and tells which lists merge by which key (containers by name, ports by containerPort...).
Result<Json> StrategicMergePatch(const Json& original, std::string_view patch,
                                 const google::protobuf::Descriptor* type);

// Server-side apply (application/apply-patch+yaml, body already converted to JSON).
struct ApplyOptions {
  std::string manager;      // fieldManager, required
  bool force = false;       // take over conflicting fields instead of 409
  std::string now;          // RFC 3339 time for the managedFields entry
  std::string api_version;  // of the object, for the managedFields entry
};
// `live` is the current object (null when it does not exist yet). Returns the new object,
// metadata.managedFields updated. Conflicts (a field owned by another manager with a
// different value) are 409 Conflict naming the fields and their managers, unless force.
Result<Json> Apply(const Json& live, const Json& config, const google::protobuf::Descriptor* type,
                   const ApplyOptions& options);

// Records a non-apply write (create, update, patch) in metadata.managedFields of `updated`:
// the fields that changed from `old` (null on create) become owned by `manager` under an
// operation "Update" entry, and are removed from other managers' sets.
void TrackUpdate(const Json& old, Json* updated, const google::protobuf::Descriptor* type,
                 std::string_view manager, std::string_view now, std::string_view api_version);

// TrackUpdate for a create (`old` null) of an object that carries no managedFields, read off
// the message instead of its JSON: the metadata.managedFields list TrackUpdate would write
// (null when the object sets no tracked field). nullopt when the object holds what the
// message walk does not mirror (embedded documents, non-ASCII map keys, sets of objects): then
// take the JSON path.
std::optional<Json> TrackCreate(const google::protobuf::Message& object, std::string_view manager,
                                std::string_view now, std::string_view api_version);

}  // namespace pk::patch
