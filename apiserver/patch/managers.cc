// metadata.managedFields entries: decoding, identity, printing and Kubernetes' ordering.
#include <algorithm>
#include <string>

#include "apiserver/patch/ssa.h"

namespace pk::patch {
namespace {

std::string StringField(const Json& entry, const char* key) {
  auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

// sortEncodedManagedFields. RFC 3339 times of one format sort as text.
bool EntryLess(const ManagerEntry& p, const ManagerEntry& q) {
  if (p.operation != q.operation) return p.operation < q.operation;
  if (p.time != q.time) return p.time < q.time;
  if (p.manager != q.manager) return p.manager < q.manager;
  if (p.api_version != q.api_version) return p.api_version < q.api_version;
  return p.subresource < q.subresource;
}

}  // namespace

bool ManagerEntry::SameManager(const ManagerEntry& other) const {
  if (manager != other.manager || operation != other.operation ||
      subresource != other.subresource) {
    return false;
  }
  return operation == "Apply" || api_version == other.api_version;
}

std::string ManagerEntry::Printed() const {
  std::string out = Json(manager).dump();
  if (!subresource.empty()) out += " with subresource " + Json(subresource).dump();
  if (operation == "Update") out += " using " + api_version;
  return out;
}

std::vector<ManagerEntry> DecodeManagedFields(const Json& object) {
  std::vector<ManagerEntry> out;
  if (!object.is_object() || !object.contains("metadata")) return out;
  const Json& meta = object["metadata"];
  if (!meta.is_object() || !meta.contains("managedFields") || !meta["managedFields"].is_array()) {
    return out;
  }
  for (const auto& entry : meta["managedFields"]) {
    if (!entry.is_object()) continue;
    ManagerEntry e;
    e.manager = StringField(entry, "manager");
    e.operation = StringField(entry, "operation");
    e.api_version = StringField(entry, "apiVersion");
    e.time = StringField(entry, "time");
    e.subresource = StringField(entry, "subresource");
    if (entry.contains("fieldsV1")) e.fields = FieldSet::FromFieldsV1(entry["fieldsV1"]);
    out.push_back(std::move(e));
  }
  return out;
}

void EncodeManagedFields(std::vector<ManagerEntry> entries, Json* object) {
  std::erase_if(entries, [](const ManagerEntry& e) { return e.fields.empty(); });
  std::stable_sort(entries.begin(), entries.end(), EntryLess);
  Json& meta = (*object)["metadata"];
  if (entries.empty()) {
    if (meta.is_object()) meta.erase("managedFields");
    return;
  }
  Json list = Json::array();
  for (const auto& e : entries) {
    Json entry = Json::object();
    entry["manager"] = e.manager;
    entry["operation"] = e.operation;
    entry["apiVersion"] = e.api_version;
    if (!e.time.empty()) entry["time"] = e.time;
    entry["fieldsType"] = "FieldsV1";
    entry["fieldsV1"] = e.fields.ToFieldsV1();
    if (!e.subresource.empty()) entry["subresource"] = e.subresource;
    list.push_back(std::move(entry));
  }
  meta["managedFields"] = std::move(list);
}

}  // namespace pk::patch
