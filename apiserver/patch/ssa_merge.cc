#include <string>

#include "apiserver/patch/ssa.h"

namespace pk::patch {
namespace {

bool Granular(const Json& value, const FieldInfo& field) {
  return value.is_object() && field.known && !IsAtomicObject(field);
}

Json MergeValue(Json live, const Json& config, const FieldInfo& field);

// Associative lists: an item with the same key merges, a new one is appended.
Json MergeList(Json live, const Json& config, const FieldInfo& field) {
  const bool maps = ListTypeOf(field) == ListType::kMap;
  for (const auto& item : config) {
    const PathElement element = ListItemElement(item, field);
    bool merged = false;
    for (auto& existing : live) {
      if (element.empty() || ListItemElement(existing, field) != element) continue;
      if (maps) existing = MergeApplied(std::move(existing), item, field.child);
      merged = true;
      break;
    }
    if (!merged) live.push_back(item);
  }
  return live;
}

Json MergeValue(Json live, const Json& config, const FieldInfo& field) {
  if (Granular(config, field) && live.is_object()) {
    return MergeApplied(std::move(live), config, field.child);
  }
  if (config.is_array() && live.is_array() && ListTypeOf(field) != ListType::kAtomic) {
    return MergeList(std::move(live), config, field);
  }
  return config;
}

}  // namespace

Json MergeApplied(Json live, const Json& config, const SchemaNode& type) {
  if (!live.is_object()) live = Json::object();
  for (auto it = config.begin(); it != config.end(); ++it) {
    if (it->is_null()) {  // an explicit null leaves the field unset
      live.erase(it.key());
      continue;
    }
    auto existing = live.find(it.key());
    if (existing == live.end()) {
      live[it.key()] = *it;
    } else {
      *existing = MergeValue(std::move(*existing), *it, LookupField(type, it.key()));
    }
  }
  return live;
}

void RemovePath(Json* object, const Path& path, const SchemaNode& type) {
  Json* at = object;
  FieldInfo field;
  field.child = type;
  for (size_t i = 0; i < path.size(); ++i) {
    const bool last = i + 1 == path.size();
    const PathElement& e = path[i];
    if (e.rfind("f:", 0) == 0) {
      if (!at->is_object()) return;
      const std::string key = e.substr(2);
      auto it = at->find(key);
      if (it == at->end()) return;
      if (last) {
        at->erase(key);
        return;
      }
      field = LookupField(field.child, key);
      at = &*it;
      continue;
    }
    if (!at->is_array()) return;
    size_t index = at->size();
    for (size_t j = 0; j < at->size(); ++j) {
      const bool match = e.rfind("i:", 0) == 0 ? std::to_string(j) == e.substr(2)
                                               : ListItemElement((*at)[j], field) == e;
      if (match) {
        index = j;
        break;
      }
    }
    if (index == at->size()) return;
    if (last) {
      at->erase(index);
      return;
    }
    at = &(*at)[index];
  }
}

}  // namespace pk::patch
