// Strategic merge patch: list order ($setElementOrder and the order rules of mergeSlice),
// from patch.go mergePatchIntoOriginal / normalizeElementOrder / mergeSortedSlice.
#include <string>
#include <vector>

#include "apiserver/patch/errors.h"
#include "apiserver/patch/strategic.h"

namespace pk::patch::strategic {
namespace {

// Go's index(): position of `value` in `list`, comparing merge-key values for maps (a missing
// key compares as nil, as Go's map lookup does).
int IndexOf(const Json& list, const Json& value, const std::string& key, bool maps) {
  auto val = [&](const Json& item) -> Json {
    if (!maps) return item;
    if (!item.is_object()) return nullptr;
    auto it = item.find(key);
    return it == item.end() ? Json(nullptr) : *it;
  };
  const Json wanted = val(value);
  for (size_t i = 0; i < list.size(); ++i) {
    if (val(list[i]) == wanted) return static_cast<int>(i);
  }
  return -1;
}

bool IsDeleteItem(const Json& item) {
  auto it = item.find(std::string(kDirectiveMarker));
  return it != item.end() && *it == "delete";
}

// normalizeSliceOrder: sort by position in `order`; `$patch: delete` items go last. Go sorts
// with sort.SliceStable and a comparator that says "less" whenever an item is missing from
// `order`; an insertion sort with that comparator gives Go's result for lists up to 20 items
// (Go's insertion-sort block size), which covers real objects.
Result<Json> NormalizeSliceOrder(Json to_sort, const Json& order, const std::string& key,
                                 bool maps) {
  std::vector<Json> items(to_sort.begin(), to_sort.end()), deletes;
  if (maps) {
    for (const Json* list : std::initializer_list<const Json*>{&to_sort, &order}) {
      for (const auto& item : *list) {
        if (!item.is_object()) return ErrBadArgType("map[string]interface {}", item);
        if (!item.contains(key)) return ErrNoMergeKey(item, key);
      }
    }
    std::vector<Json> keep;
    for (auto& item : items) (IsDeleteItem(item) ? deletes : keep).push_back(std::move(item));
    items = std::move(keep);
  }
  auto less = [&](const Json& a, const Json& b) {
    int ia = IndexOf(order, a, key, maps), ib = IndexOf(order, b, key, maps);
    return (ia >= 0 && ib >= 0) ? ia < ib : true;
  };
  for (size_t i = 1; i < items.size(); ++i) {
    for (size_t j = i; j > 0 && less(items[j], items[j - 1]); --j)
      std::swap(items[j], items[j - 1]);
  }
  Json out = Json::array();
  for (auto& item : items) out.push_back(std::move(item));
  for (auto& item : deletes) out.push_back(std::move(item));
  return out;
}

// mergeSortedSlice: inserts the server-only items (left) among the patch items (right),
// before the first patch item that comes after them in the live list.
Json MergeSorted(const Json& left, const Json& right, const Json& server_order,
                 const std::string& key, bool maps) {
  Json out = Json::array();
  size_t i = 0, j = 0;
  while (i < left.size() || j < right.size()) {
    if (i >= left.size()) {
      out.push_back(right[j++]);
    } else if (j >= right.size()) {
      out.push_back(left[i++]);
    } else {
      int li = IndexOf(server_order, left[i], key, maps);
      int ri = IndexOf(server_order, right[j], key, maps);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(left[i++]);
      } else {
        out.push_back(right[j++]);
      }
    }
  }
  return out;
}

// mergeKeyValueEqual.
Result<bool> KeyValueEqual(const Json& a, const Json& b, const std::string& key) {
  if (key.empty()) return a == b;
  if (!a.is_object()) return ErrBadArgType("map[string]interface {}", a);
  if (!b.is_object()) return ErrBadArgType("map[string]interface {}", b);
  if (!a.contains(key)) return ErrNoMergeKey(a, key);
  if (!b.contains(key)) return ErrNoMergeKey(b, key);
  return a[key] == b[key];
}

// validatePatchWithSetOrderList: the patch list's items appear in the order list, in order.
Status ValidateOrder(const Json& patch_list, const Json& order, const std::string& key) {
  if (order.empty() || patch_list.empty()) return Status::OK();
  std::vector<Json> items;
  for (const auto& item : patch_list) {
    if (!key.empty() && !item.is_object()) return ErrBadArgType("map[string]interface {}", item);
    if (key.empty() || !IsDeleteItem(item)) items.push_back(item);
  }
  size_t p = 0, o = 0;
  while (p < items.size() && o < order.size()) {
    if (items[p].is_object() && items[p].contains(std::string(kDirectiveMarker))) {
      ++p;
      continue;
    }
    Result<bool> equal = KeyValueEqual(items[p], order[o], key);
    if (!equal.ok()) return equal.take_status();
    if (*equal) ++p;
    ++o;
  }
  if (p < items.size() && o >= order.size()) {
    return GoError("The order in patch list:\n" + GoValueString(patch_list) +
                   "\n doesn't match $setElementOrder list:\n" + GoValueString(order) + "\n");
  }
  return Status::OK();
}

// One `$setElementOrder/<field>` directive: merges the field's list and orders it.
Status MergeOneOrderedList(Json& original, Json& patch, const std::string& directive_key,
                           const Json& order, const SchemaNode& node) {
  if (!order.is_array()) return ErrBadArgType("[]interface {}", order);
  const std::string field_name = directive_key.substr(kSetElementOrderPrefix.size() + 1);
  auto in_original = original.find(field_name);
  auto in_patch = patch.find(field_name);
  const bool found_original = in_original != original.end();
  const bool found_patch = in_patch != patch.end();
  if (!found_original && !found_patch) return Status::OK();
  Json original_list = found_original ? *in_original : Json::array();
  Json patch_list = found_patch ? *in_patch : Json::array();
  if (!original_list.is_array()) return ErrBadArgType("[]interface {}", original_list);
  if (!patch_list.is_array()) return ErrBadArgType("[]interface {}", patch_list);
  const FieldInfo field = LookupField(node, field_name);
  const std::string key = field.tags != nullptr ? field.tags->merge_key : "";
  PK_RETURN_IF_ERROR(ValidateOrder(patch_list, order, key));
  Json merged = found_patch ? patch_list : original_list;
  if (found_original && found_patch) {
    Result<Json> r = MergeSliceField(original_list, patch_list, field, false);
    if (!r.ok()) return r.take_status();
    merged = std::move(r).value();
  }
  // sliceElementType(original, patch) decides maps vs primitives.
  bool maps = false, any = false;
  for (const Json* list : {&original_list, &patch_list}) {
    for (const auto& v : *list) {
      maps = v.is_object();
      any = true;
    }
  }
  if (!any) return GoError("no elements in any of the given slices");
  Json present, absent;
  PK_RETURN_IF_ERROR(Partition(merged, order, key, !key.empty(), &present, &absent));
  Result<Json> ordered =
      NormalizeElementOrder(std::move(present), std::move(absent), order, original_list, key, maps);
  if (!ordered.ok()) return ordered.take_status();
  original[field_name] = std::move(ordered).value();
  patch.erase(field_name);
  return Status::OK();
}

}  // namespace

Status Partition(const Json& merged, const Json& by, const std::string& merge_key, bool maps,
                 Json* present, Json* absent) {
  *present = Json::array();
  *absent = Json::array();
  for (const auto& item : merged) {
    if (maps) {
      if (!item.is_object()) return ErrBadArgType("map[string]interface {}", item);
      auto value = item.find(merge_key);
      if (value == item.end()) return ErrNoMergeKey(item, merge_key);
      bool found = false;
      for (const auto& b : by) {
        if (!b.is_object()) return GoError("value for key 0 is not a map.");
        auto bv = b.find(merge_key);
        if (bv != b.end() && *bv == *value) found = true;
      }
      (found ? present : absent)->push_back(item);
    } else {
      bool found = false;
      for (const auto& b : by) found = found || b == item;
      (found ? present : absent)->push_back(item);
    }
  }
  return Status::OK();
}

Result<Json> NormalizeElementOrder(Json patch_items, Json server_only, const Json& patch_order,
                                   const Json& server_order, const std::string& merge_key,
                                   bool maps) {
  Result<Json> patch_sorted =
      NormalizeSliceOrder(std::move(patch_items), patch_order, merge_key, maps);
  if (!patch_sorted.ok()) return patch_sorted.take_status();
  Result<Json> server_sorted =
      NormalizeSliceOrder(std::move(server_only), server_order, merge_key, maps);
  if (!server_sorted.ok()) return server_sorted.take_status();
  return MergeSorted(*server_sorted, *patch_sorted, server_order, merge_key, maps);
}

Status MergeOrderedLists(Json& original, Json& patch, const SchemaNode& node) {
  std::vector<std::string> directives;
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it.key().rfind(std::string(kSetElementOrderPrefix) + "/", 0) == 0) {
      directives.push_back(it.key());
    } else if (it.key().rfind(std::string(kSetElementOrderPrefix), 0) == 0) {
      return Status::BadRequest("invalid patch format of setElementOrder list");
    }
  }
  for (const auto& key : directives) {
    Json order = patch[key];
    patch.erase(key);
    PK_RETURN_IF_ERROR(MergeOneOrderedList(original, patch, key, order, node));
  }
  return Status::OK();
}

}  // namespace pk::patch::strategic
