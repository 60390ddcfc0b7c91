// Internal: the object side of server-side apply (structured-merge-diff merge and prune) and
// the managedFields entries.
#pragma once

#include <string>
#include <vector>

#include "apiserver/patch/fieldset.h"

namespace pk::patch {

// TypedValue.Merge: the config laid over the live object. Structs and maps merge by key,
// associative lists by their keys, sets by value; everything else is replaced.
Json MergeApplied(Json live, const Json& config, const SchemaNode& type);
// Removes the value at `path` from `object` (no-op when it is not there).
void RemovePath(Json* object, const Path& path, const SchemaNode& type);

// One metadata.managedFields entry.
struct ManagerEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldSet fields;
  // The manager identity of BuildManagerIdentifier: appliers are one manager across versions.
  bool SameManager(const ManagerEntry& other) const;
  // printManager: `"kubectl"`, `"kubelet" using v1`, `"x" with subresource "status" using v1`.
  std::string Printed() const;
};
std::vector<ManagerEntry> DecodeManagedFields(const Json& object);
// Writes the entries (empty ones dropped) in Kubernetes' order: Apply before Update, then by
// time, manager, apiVersion, subresource. Removes the field when none is left.
void EncodeManagedFields(std::vector<ManagerEntry> entries, Json* object);

}  // namespace pk::patch
