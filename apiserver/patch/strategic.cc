// Strategic merge patch: mergeMap and mergeSlice, following patch.go step by step so that
// kubectl's patches (built by the same package's CreateThreeWayMergePatch) land the same way.
#include "apiserver/patch/strategic.h"

#include <string>
#include <vector>

#include "apimachinery/codec.h"
#include "apiserver/patch/errors.h"

namespace pk::patch::strategic {
namespace {

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Go's reflect.TypeOf for a decoded JSON value.
std::string GoType(const Json& v) {
  if (v.is_object()) return "map[string]interface {}";
  if (v.is_array()) return "[]interface {}";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "bool";
  if (v.is_number()) return "float64";
  return "<nil>";
}

// Values of different Go types replace each other instead of merging (all numbers are one type).
bool SameGoType(const Json& a, const Json& b) { return GoType(a) == GoType(b); }

// discardNullValuesFromPatch: a patch value copied as-is must not carry delete markers.
void DiscardNulls(Json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      if (it->is_null()) {
        it = v.erase(it);
      } else {
        DiscardNulls(*it);
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& item : v) DiscardNulls(item);
  }
}

// handleDirectiveInMergeMap.
Result<Json> HandleMapDirective(Json patch) {
  const Json& directive = patch[std::string(kDirectiveMarker)];
  if (directive == "replace") {
    patch.erase(std::string(kDirectiveMarker));
    return patch;
  }
  if (directive == "delete") return Json::object();
  return GoError("unknown patch type: " + GoValueString(directive) +
                 " in map: " + GoValueString(patch));
}

// applyRetainKeysDirective: drop the keys of original that the directive does not list.
Status ApplyRetainKeys(Json& original, Json& patch) {
  auto found = patch.find(std::string(kRetainKeysDirective));
  if (found == patch.end()) return Status::OK();
  Json retain = *found;
  patch.erase(std::string(kRetainKeysDirective));
  const Status bad = Status::BadRequest("invalid patch format of retainKeys");
  if (!retain.is_array()) return bad;
  auto listed = [&](const std::string& key) {
    for (const auto& k : retain) {
      if (k.is_string() && k.get<std::string>() == key) return true;
    }
    return false;
  };
  for (auto& [key, value] : patch.items()) {
    if (value.is_null() || HasPrefix(key, kDeleteFromPrimitiveListPrefix) ||
        HasPrefix(key, kSetElementOrderPrefix)) {
      continue;
    }
    if (!listed(key)) return bad;
  }
  for (auto it = original.begin(); it != original.end();) {
    it = listed(it.key()) ? std::next(it) : original.erase(it);
  }
  return Status::OK();
}

// Merges one patch entry into original (the loop body of mergeMap).
Status MergeEntry(Json& original, std::string key, Json patch_value, const SchemaNode& node) {
  bool is_delete_list = false;
  if (HasPrefix(key, kDeleteFromPrimitiveListPrefix)) {
    if (key.size() <= kDeleteFromPrimitiveListPrefix.size() + 1 ||
        key[kDeleteFromPrimitiveListPrefix.size()] != '/') {
      return Status::BadRequest("invalid patch format of primitive list");
    }
    key = key.substr(kDeleteFromPrimitiveListPrefix.size() + 1);
    is_delete_list = true;
  }
  if (patch_value.is_null()) {  // null deletes; IgnoreUnmatchedNulls drops the rest
    original.erase(key);
    return Status::OK();
  }
  auto existing = original.find(key);
  if (existing == original.end() || !SameGoType(*existing, patch_value)) {
    if (!is_delete_list) {
      DiscardNulls(patch_value);
      original[key] = std::move(patch_value);
    }
    return Status::OK();
  }
  const FieldInfo field = LookupField(node, key);
  Result<Json> merged = Json();
  if (patch_value.is_object()) {
    merged = MergeMap(std::move(*existing), std::move(patch_value), field.child);
  } else if (patch_value.is_array()) {
    merged = MergeSliceField(std::move(*existing), std::move(patch_value), field, is_delete_list);
  } else {
    merged = std::move(patch_value);
  }
  if (!merged.ok()) return merged.take_status();
  original[key] = std::move(merged).value();
  return Status::OK();
}

// sliceElementType: every element of both lists has one Go type, and none is a list.
Result<std::string> SliceElementType(const Json& a, const Json& b) {
  std::string type;
  for (const Json* list : {&a, &b}) {
    for (const auto& v : *list) {
      if (type.empty()) {
        type = GoType(v);
        if (v.is_array()) {
          return UnprocessableGeneric();  // ErrNoListOfLists, 422 in the handler
        }
      } else if (type != GoType(v)) {
        return GoError("list element types are not identical: [" + GoValueString(a) + " " +
                       GoValueString(b) + "]");
      }
    }
  }
  if (type.empty()) return GoError("no elements in any of the given slices");
  return type;
}

// findMapInSliceBasedOnKeyValue: index of the first map whose merge key equals value, or -1.
Result<int> FindByKey(const Json& list, const std::string& key, const Json& value) {
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) {
      return GoError("value for key " + std::to_string(i) + " is not a map.");
    }
    auto it = list[i].find(key);
    if (it != list[i].end() && *it == value) return static_cast<int>(i);
  }
  return -1;
}

// mergeSliceWithSpecialElements: applies `$patch: delete` items to original and reports
// `$patch: replace`; returns the patch items that are left to merge.
Result<Json> ApplyListDirectives(Json& original, const Json& patch, const std::string& key,
                                 bool* replace) {
  Json rest = Json::array();
  for (const auto& item : patch) {
    auto directive = item.find(std::string(kDirectiveMarker));
    if (directive == item.end()) {
      rest.push_back(item);
    } else if (*directive == "delete") {
      auto value = item.find(key);
      if (value == item.end()) return ErrNoMergeKey(item, key);
      for (Result<int> at = FindByKey(original, key, *value);;
           at = FindByKey(original, key, *value)) {
        if (!at.ok()) return at.take_status();
        if (*at < 0) break;
        original.erase(static_cast<size_t>(*at));
      }
    } else if (*directive == "replace") {
      *replace = true;
    } else if (*directive == "merge") {
      return GoError("merging lists cannot yet be specified in the patch");
    } else {
      return GoError("unknown patch type: " + GoValueString(*directive) +
                     " in map: " + GoValueString(item));
    }
  }
  return rest;
}

// mergeSliceWithoutSpecialElements: same key merges into place, new keys append.
Status MergeItemsByKey(Json& original, const Json& patch, const std::string& key,
                       const SchemaNode& element) {
  for (const auto& item : patch) {
    auto value = item.find(key);
    if (value == item.end()) return ErrNoMergeKey(item, key);
    Result<int> at = FindByKey(original, key, *value);
    if (!at.ok()) return at.take_status();
    if (*at < 0) {
      original.push_back(item);
      continue;
    }
    Result<Json> merged = MergeMap(std::move(original[*at]), item, element);
    if (!merged.ok()) return merged.take_status();
    original[*at] = std::move(merged).value();
  }
  return Status::OK();
}

// mergeSlice for lists of primitives: union (or removal for the parallel delete list).
Json MergePrimitives(const Json& original, const Json& patch, bool is_delete_list) {
  Json out = Json::array();
  auto contains = [](const Json& list, const Json& v) {
    for (const auto& x : list) {
      if (x == v) return true;
    }
    return false;
  };
  for (const auto& v : original) {
    if (is_delete_list ? !contains(patch, v) : !contains(out, v)) out.push_back(v);
  }
  if (!is_delete_list) {
    for (const auto& v : patch) {
      if (!contains(out, v)) out.push_back(v);
    }
  }
  return out;
}

}  // namespace

Status ErrNoMergeKey(const Json& m, const std::string& key) {
  return GoError("map: " + GoValueString(m) + " does not contain declared merge key: " + key);
}

Status ErrBadArgType(std::string_view expected, const Json& actual) {
  return GoError("expected a " + std::string(expected) + ", but received a " + GoType(actual));
}

Result<Json> MergeMap(Json original, Json patch, const SchemaNode& node) {
  if (patch.contains(std::string(kDirectiveMarker))) return HandleMapDirective(std::move(patch));
  if (original.is_null()) original = Json::object();
  PK_RETURN_IF_ERROR(ApplyRetainKeys(original, patch));
  PK_RETURN_IF_ERROR(MergeOrderedLists(original, patch, node));
  for (auto& [key, value] : patch.items()) {
    PK_RETURN_IF_ERROR(MergeEntry(original, key, std::move(value), node));
  }
  return original;
}

Result<Json> MergeSliceField(Json original, Json patch, const FieldInfo& field,
                             bool is_delete_list) {
  if (field.tags == nullptr || !field.tags->merge) return patch;  // no strategy: replace
  if (original.empty() && patch.empty()) return original;
  Result<std::string> type = SliceElementType(original, patch);
  if (!type.ok()) return type.take_status();
  const bool maps = *type == "map[string]interface {}";
  const std::string& key = field.tags->merge_key;
  Json merged;
  if (!maps) {
    if (is_delete_list) return MergePrimitives(original, patch, true);
    merged = MergePrimitives(original, patch, false);
  } else {
    if (key.empty()) return GoError("cannot merge lists without merge key for type struct");
    bool replace = false;
    Result<Json> rest = ApplyListDirectives(original, patch, key, &replace);
    if (!rest.ok()) return rest.take_status();
    if (replace) return std::move(rest).value();
    patch = std::move(rest).value();
    merged = original;
    PK_RETURN_IF_ERROR(MergeItemsByKey(merged, patch, key, field.child));
  }
  Json present, absent;
  PK_RETURN_IF_ERROR(Partition(merged, patch, maps ? key : "", maps, &present, &absent));
  return NormalizeElementOrder(std::move(present), std::move(absent), patch, original,
                               maps ? key : "", maps);
}

}  // namespace pk::patch::strategic

namespace pk::patch {

Result<Json> StrategicMergePatch(const Json& original, std::string_view patch,
                                 const google::protobuf::Descriptor* type) {
  PK_RETURN_IF_ERROR(json::CheckDepth(patch));
  Json parsed = Json::parse(patch, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::BadRequest(GoJsonSyntaxError(patch));
  if (!parsed.is_object()) {
    return Status::BadRequest("json: cannot unmarshal " + GoJsonTypeName(parsed) +
                              " into Go value of type map[string]interface {}");
  }
  return strategic::MergeMap(original, std::move(parsed), SchemaNode{type, nullptr});
}

}  // namespace pk::patch
