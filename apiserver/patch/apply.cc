// Server-side apply and update tracking: structured-merge-diff's Updater.Apply / Updater.Update
// with Kubernetes' field-manager layers (strip metadata, before-first-apply, timestamps).
#include <algorithm>
#include <string>

#include "apiserver/patch/ssa.h"

namespace pk::patch {
namespace {

constexpr std::string_view kBeforeFirstApply = "before-first-apply";

Json WithoutManagedFields(const Json& object) {
  if (!object.is_object()) return Json::object();
  Json out = object;
  if (out.contains("metadata") && out["metadata"].is_object()) {
    out["metadata"].erase("managedFields");
  }
  return out;
}

// WithoutManagedFields of `object`, made in place.
void EraseManagedFields(Json* object) {
  if (!object->is_object()) {
    *object = Json::object();
    return;
  }
  auto meta = object->find("metadata");
  if (meta != object->end() && meta->is_object()) meta->erase("managedFields");
}

// Status of errors.NewApplyConflict built by internal.NewConflictError.
Status ConflictStatus(const std::vector<std::pair<const ManagerEntry*, FieldSet>>& conflicts) {
  std::vector<std::pair<std::string, std::vector<Path>>> by_manager;
  std::vector<StatusCause> causes;
  size_t count = 0;
  for (const auto& conflict : conflicts) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string manager = conflict.first->Printed();
    std::vector<Path> paths;
    conflict.second.ForEachMember([&](const Path& p) {
      paths.push_back(p);
      causes.push_back({"FieldManagerConflict", "conflict with " + manager, PathString(p)});
    });
    count += paths.size();
    by_manager.emplace_back(manager, std::move(paths));
  }
  std::string message;
  if (count == 1) {
    message = "Apply failed with 1 conflict: conflict with " + by_manager[0].first + ": " +
              PathString(by_manager[0].second[0]);
  } else {
    std::sort(by_manager.begin(), by_manager.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    message = "Apply failed with " + std::to_string(count) + " conflicts: ";
    bool first = true;
    for (const auto& [manager, paths] : by_manager) {
      if (paths.empty()) continue;
      if (!first) message += '\n';
      message.append("conflicts with ").append(manager).append(":");
      for (const auto& p : paths) message.append("\n- ").append(PathString(p));
      first = false;
    }
  }
  Status status(Reason::kConflict, message, 409);
  status.mutable_details().causes = std::move(causes);
  return status;
}

// Updater.update: other managers lose the fields this write changed (after a conflict check
// when `force` is false) and the fields it removed.
Status SettleOthers(std::vector<ManagerEntry>& entries, size_t self, const Comparison& cmp,
                    bool force) {
  const FieldSet changed = cmp.modified.Union(cmp.added);
  if (!force) {  // forced, nothing can conflict: no need to look
    std::vector<std::pair<const ManagerEntry*, FieldSet>> conflicts;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i == self) continue;
      FieldSet c = entries[i].fields.Intersection(changed);
      if (!c.empty()) conflicts.emplace_back(&entries[i], std::move(c));
    }
    if (!conflicts.empty()) return ConflictStatus(conflicts);
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i == self) continue;
    entries[i].fields = entries[i].fields.Difference(changed).Difference(cmp.removed);
  }
  return Status::OK();
}

// Updater.prune: fields the applier owned before, no longer applies and nobody else owns
// leave the object.
void Prune(Json* merged, const FieldSet& last, const std::vector<ManagerEntry>& entries,
           const SchemaNode& type) {
  FieldSet owned;
  for (const auto& e : entries) owned = owned.Union(e.fields);
  std::vector<Path> remove;
  last.ForEachMember([&](const Path& p) {
    if (!owned.Touches(p)) remove.push_back(p);
  });
  for (const auto& p : remove) RemovePath(merged, p, type);
}

Status ValidateConfig(const Json& config, const google::protobuf::Descriptor* type,
                      const ApplyOptions& options) {
  if (options.manager.empty()) {
    return Status::BadRequest("fieldManager is required for apply requests");
  }
  if (!config.is_object()) return Status::BadRequest("error decoding YAML: not an object");
  auto version = config.find("apiVersion");
  if (version != config.end() && !options.api_version.empty() && *version != options.api_version) {
    return Status::BadRequest(
        "Incorrect version specified in apply patch. Specified patch version: " +
        (version->is_string() ? version->get<std::string>() : version->dump()) +
        ", expected: " + options.api_version);
  }
  auto meta = config.find("metadata");
  if (meta != config.end() && !meta->is_null() && !meta->is_object()) {
    // structured-merge-diff's ObjectToTyped refuses it; managedFields could not be written.
    const std::string& v = options.api_version;
    return Status::BadRequest(
        "failed to create typed patch object (" + (v.find('/') == std::string::npos ? "/" + v : v) +
        ", Kind=" + std::string(type->name()) + "): .metadata: expected map, got " +
        meta->dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  if (meta != config.end() && meta->is_object() && meta->contains("managedFields") &&
      !(*meta)["managedFields"].is_null()) {
    return Status::BadRequest("metadata.managedFields must be nil");
  }
  return Status::OK();
}

ManagerEntry NewEntry(std::string manager, std::string operation, std::string api_version) {
  ManagerEntry e;
  e.manager = std::move(manager);
  e.operation = std::move(operation);
  e.api_version = std::move(api_version);
  return e;
}

size_t FindOrAdd(std::vector<ManagerEntry>& entries, ManagerEntry wanted) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].SameManager(wanted)) return i;
  }
  entries.push_back(std::move(wanted));
  return entries.size() - 1;
}

}  // namespace

Result<Json> Apply(const Json& live, const Json& config, const google::protobuf::Descriptor* type,
                   const ApplyOptions& options) {
  PK_RETURN_IF_ERROR(ValidateConfig(config, type, options));
  const SchemaNode root{type, nullptr};
  std::vector<ManagerEntry> entries = DecodeManagedFields(live);
  const Json base = live.is_null() ? Json() : WithoutManagedFields(live);
  if (!live.is_null() && entries.empty()) {
    // skipNonAppliedManager: what existed before the first apply belongs to someone.
    ManagerEntry before = NewEntry(std::string(kBeforeFirstApply), "Update", options.api_version);
    before.time = options.now;
    Comparison cmp = Compare(Json(), base, root);
    before.fields = cmp.added.Union(cmp.modified);
    entries.push_back(std::move(before));
  }
  Json merged = MergeApplied(base, config, root);
  const size_t self_count = entries.size();
  const size_t self = FindOrAdd(entries, NewEntry(options.manager, "Apply", options.api_version));
  const bool is_new = self == self_count;
  const FieldSet last = entries[self].fields;
  entries[self].fields = ToFieldSet(config, root);
  Prune(&merged, last, entries, root);
  const Comparison cmp = Compare(base, merged, root);
  PK_RETURN_IF_ERROR(SettleOthers(entries, self, cmp, options.force));
  if (is_new || merged != base) {  // the entry's time moves only when the object changed
    entries[self].time = options.now;
    entries[self].api_version = options.api_version;
  }
  EncodeManagedFields(std::move(entries), &merged);
  return merged;
}

void TrackUpdate(const Json& old, Json* updated, const google::protobuf::Descriptor* type,
                 std::string_view manager, std::string_view now, std::string_view api_version) {
  const SchemaNode root{type, nullptr};
  // Managed fields sent with the update win; a client that drops them keeps the stored ones.
  std::vector<ManagerEntry> entries = DecodeManagedFields(*updated);
  if (entries.empty()) entries = DecodeManagedFields(old);
  EraseManagedFields(updated);  // what WithoutManagedFields would copy, in place
  // `old` keeps its managedFields: the comparison's paths below them are never tracked
  // (StripUntracked), so leaving them costs one atomic list compare instead of a copy.
  static const Json kNull;
  const Comparison cmp = Compare(old.is_null() ? kNull : old, *updated, root);
  const FieldSet mine = cmp.added.Union(cmp.modified);
  // The write is its own manager first ("current-operation"), merged into the named one after.
  (void)SettleOthers(entries, entries.size(), cmp, /*force=*/true);
  if (!mine.empty()) {
    const size_t i =
        FindOrAdd(entries, NewEntry(std::string(manager), "Update", std::string(api_version)));
    entries[i].fields = entries[i].fields.Union(mine);
    entries[i].time = std::string(now);
  }
  EncodeManagedFields(std::move(entries), updated);
}

}  // namespace pk::patch
