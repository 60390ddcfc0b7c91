// Internal: the strategic merge patch (a port of k8s.io/apimachinery/pkg/util/strategicpatch
// patch.go, the apply half: mergeMap / mergeSlice with MergeParallelList and
// IgnoreUnmatchedNulls, as StrategicMergeMapPatch runs it). Values are taken and returned
// by value; errors are already in the Status the apiserver would send.
#pragma once

#include <string>

#include "apiserver/patch/patch.h"
#include "apiserver/patch/schema.h"

namespace pk::patch::strategic {

inline constexpr std::string_view kDirectiveMarker = "$patch";
inline constexpr std::string_view kRetainKeysDirective = "$retainKeys";
inline constexpr std::string_view kDeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList";
inline constexpr std::string_view kSetElementOrderPrefix = "$setElementOrder";

Result<Json> MergeMap(Json original, Json patch, const SchemaNode& node);
// mergeSliceHandler: a list field's patch, merged by key when the field's strategy is merge.
Result<Json> MergeSliceField(Json original, Json patch, const FieldInfo& field,
                             bool is_delete_list);

// $setElementOrder handling (mergePatchIntoOriginal): merges every list that has an order
// directive and removes both from `patch`.
Status MergeOrderedLists(Json& original, Json& patch, const SchemaNode& node);
// normalizeElementOrder: patch items in patchOrder, server-only items in serverOrder, then
// interleaved by their place in serverOrder.
Result<Json> NormalizeElementOrder(Json patch_items, Json server_only, const Json& patch_order,
                                   const Json& server_order, const std::string& merge_key,
                                   bool maps);
// partition*ByPresentInList: items of `merged` present in `by`, and the others.
Status Partition(const Json& merged, const Json& by, const std::string& merge_key, bool maps,
                 Json* present, Json* absent);
// Go's errors that the handler does not translate become 500s with their text.
Status ErrNoMergeKey(const Json& m, const std::string& key);
Status ErrBadArgType(std::string_view expected, const Json& actual);

}  // namespace pk::patch::strategic
