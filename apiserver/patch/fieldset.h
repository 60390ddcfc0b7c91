// Internal: sets of field paths as structured-merge-diff keeps them (fieldpath.Set), their
// FieldsV1 serialisation, and how a JSON object maps onto them for server-side apply.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "apiserver/patch/patch.h"
#include "apiserver/patch/schema.h"

namespace pk::patch {

// One step of a path, spelled as in FieldsV1: `f:name` (a field or map key), `k:{"name":"c"}`
// (an associative list item), `v:"x"` (a set item), `i:3` (an index).
using PathElement = std::string;
using Path = std::vector<PathElement>;

// FieldsV1 order: fields, then keys, then values, then indexes; each group by its text.
struct ElementLess {
  bool operator()(const PathElement& a, const PathElement& b) const;
};

// A tree of path elements; `member` says the path ending at a node is in the set (FieldsV1
// writes it as "." when the node also has children).
struct FieldSet {
  bool member = false;
  std::map<PathElement, FieldSet, ElementLess> children;

  bool empty() const { return !member && children.empty(); }
  void Insert(const Path& path);
  // True when the path, or anything below it, is in the set.
  bool Touches(const Path& path) const;
  FieldSet Union(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;
  FieldSet Difference(const FieldSet& other) const;
  // Every member path, in FieldsV1 order (parents before children).
  void ForEachMember(const std::function<void(const Path&)>& fn) const;

  Json ToFieldsV1() const;
  static FieldSet FromFieldsV1(const Json& fields);
};

// Kubernetes' spelling of a path in conflict messages: `.spec.containers[name="c"].image`.
std::string PathString(const Path& path);

// The element naming one item of a list (k: for associative lists, v: for sets), or "" when
// the list is atomic or the item lacks its keys.
PathElement ListItemElement(const Json& item, const FieldInfo& field);

// TypedValue.ToFieldSet: the fields an applied configuration sets.
FieldSet ToFieldSet(const Json& object, const SchemaNode& type);

// typed.Comparison between two versions of an object.
struct Comparison {
  FieldSet added, modified, removed;
};
// `lhs` null means "no object" (a create): the fields Go writes for an empty object (those
// marked (k8s.always)) do not count as added.
Comparison Compare(const Json& lhs, const Json& rhs, const SchemaNode& type);

// The fields the field manager never tracks (stripMetaManager): apiVersion, kind, metadata
// itself and its name, namespace, uid, resourceVersion, generation, creationTimestamp,
// selfLink, clusterName, managedFields.
void StripUntracked(FieldSet* set);

}  // namespace pk::patch
