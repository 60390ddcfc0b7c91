// Building field sets from objects: TypedValue.ToFieldSet and TypedValue.Compare of
// structured-merge-diff, driven by the descriptor and the tags of schema.h.
#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "apiserver/patch/fieldset.h"

namespace pk::patch {
namespace {

// OpenAPI defaults that complete a list-map key when the item omits it (ports' protocol).
Json KeyDefault(const std::string& key) { return key == "protocol" ? Json("TCP") : Json(); }

bool Granular(const Json& value, const FieldInfo& field) {
  return value.is_object() && field.known && !IsAtomicObject(field);
}

void WalkObject(const Json& object, const SchemaNode& node, Path& path, FieldSet& out);

// One value of `field` at `path` (already pushed).
void WalkValue(const Json& value, const FieldInfo& field, bool map_key, Path& path, FieldSet& out) {
  if (Granular(value, field)) {
    // Empty objects and map entries are members; struct fields only through their leaves.
    if (value.empty() || map_key) out.Insert(path);
    WalkObject(value, field.child, path, out);
    return;
  }
  const ListType list_type = ListTypeOf(field);
  if (!value.is_array() || list_type == ListType::kAtomic) {
    out.Insert(path);
    return;
  }
  for (const auto& item : value) {
    PathElement element = ListItemElement(item, field);
    if (element.empty()) continue;
    path.push_back(element);
    out.Insert(path);
    if (list_type == ListType::kMap && item.is_object()) WalkObject(item, field.child, path, out);
    path.pop_back();
  }
}

void WalkObject(const Json& object, const SchemaNode& node, Path& path, FieldSet& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const FieldInfo field = LookupField(node, it.key());
    path.push_back("f:" + it.key());
    if (!field.known) {
      out.Insert(path);  // undeclared: owned whole
    } else {
      WalkValue(*it, field, node.map_field != nullptr, path, out);
    }
    path.pop_back();
  }
}

// Items of a list by their path element, in order; items without one are skipped.
std::vector<std::pair<PathElement, const Json*>> Items(const Json* list, const FieldInfo& field) {
  std::vector<std::pair<PathElement, const Json*>> out;
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& item : *list) {
    PathElement e = ListItemElement(item, field);
    if (!e.empty()) out.emplace_back(std::move(e), &item);
  }
  return out;
}

class Comparer {
 public:
  explicit Comparer(Comparison* out) : out_(out) {}

  // l or r null: absent. `l_present` says an absent l counts as present-but-empty (a field
  // Go always writes), so the path itself is not "added".
  void Value(const Json* l, const Json* r, const FieldInfo& field, bool l_present, Path& path) {
    if (l == nullptr && r == nullptr && !l_present) return;
    const Json* shape = r != nullptr ? r : l;
    if (shape == nullptr) return;
    if (Granular(*shape, field)) {
      // A field Go always writes is an empty value in the old object, whose own always-written
      // fields are then present too (an empty PodSpec has `containers: null`).
      static const Json kEmptyObject = Json::object();
      const Json* lo = l != nullptr && l->is_object() ? l : (l_present ? &kEmptyObject : nullptr);
      Object(lo, r != nullptr && r->is_object() ? r : nullptr, field.child, path);
    } else if (shape->is_array() && ListTypeOf(field) != ListType::kAtomic) {
      List(l, r, field, path);
    } else if (l != nullptr && r != nullptr && *l != *r) {
      out_->modified.Insert(path);
    } else if (l == nullptr && l_present && r != nullptr && !r->is_null()) {
      out_->modified.Insert(path);
      return;
    }
    if (l == nullptr && !l_present) out_->added.Insert(path);
    if (r == nullptr) out_->removed.Insert(path);
  }

  void Object(const Json* l, const Json* r, const SchemaNode& node, Path& path) {
    std::vector<std::string> keys;
    for (const Json* side : {l, r}) {
      if (side == nullptr) continue;
      for (auto it = side->begin(); it != side->end(); ++it) {
        if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) keys.push_back(it.key());
      }
    }
    for (const auto& key : keys) {
      const FieldInfo field = LookupField(node, key);
      const Json* lv = Find(l, key);
      const Json* rv = Find(r, key);
      path.push_back("f:" + key);
      if (!field.known) {
        Leaf(lv, rv, path);
      } else {
        Value(lv != nullptr && lv->is_null() ? nullptr : lv, rv, field,
              (lv != nullptr) || (l != nullptr && field.always), path);
      }
      path.pop_back();
    }
  }

 private:
  static const Json* Find(const Json* object, const std::string& key) {
    if (object == nullptr) return nullptr;
    auto it = object->find(key);
    return it == object->end() ? nullptr : &*it;
  }

  void Leaf(const Json* l, const Json* r, const Path& path) {
    if (l == nullptr)
      out_->added.Insert(path);
    else if (r == nullptr)
      out_->removed.Insert(path);
    else if (*l != *r)
      out_->modified.Insert(path);
  }

  void List(const Json* l, const Json* r, const FieldInfo& field, Path& path) {
    auto left = Items(l, field), right = Items(r, field);
    std::map<PathElement, const Json*> lmap(left.begin(), left.end());
    std::map<PathElement, const Json*> rmap(right.begin(), right.end());
    const bool maps = ListTypeOf(field) == ListType::kMap;
    for (const auto* side : {&left, &right}) {
      for (const auto& [element, unused] : *side) {
        if (side == &right && lmap.count(element)) continue;  // already compared
        const Json* li = lmap.count(element) ? lmap[element] : nullptr;
        const Json* ri = rmap.count(element) ? rmap[element] : nullptr;
        path.push_back(element);
        if (maps && (li == nullptr || li->is_object()) && (ri == nullptr || ri->is_object())) {
          Object(li, ri, field.child, path);
        }
        if (li == nullptr) out_->added.Insert(path);
        if (ri == nullptr) out_->removed.Insert(path);
        path.pop_back();
      }
    }
  }

  Comparison* out_;
};

}  // namespace

PathElement ListItemElement(const Json& item, const FieldInfo& field) {
  switch (ListTypeOf(field)) {
    case ListType::kSet:
      return "v:" + item.dump();
    case ListType::kMap: {
      if (!item.is_object()) return "";
      std::vector<std::string> keys = ListMapKeys(field);
      std::sort(keys.begin(), keys.end());
      Json key = Json::object();
      for (const auto& k : keys) {
        auto it = item.find(k);
        Json value = it != item.end() ? *it : KeyDefault(k);
        if (!value.is_null()) key[k] = value;
      }
      return key.empty() ? "" : "k:" + key.dump();
    }
    case ListType::kAtomic:
      break;
  }
  return "";
}

FieldSet ToFieldSet(const Json& object, const SchemaNode& type) {
  FieldSet out;
  Path path;
  if (object.is_object()) WalkObject(object, type, path, out);
  StripUntracked(&out);
  return out;
}

Comparison Compare(const Json& lhs, const Json& rhs, const SchemaNode& type) {
  Comparison out;
  Comparer comparer(&out);
  Path path;
  static const Json kEmpty = Json::object();
  comparer.Object(lhs.is_object() ? &lhs : &kEmpty, rhs.is_object() ? &rhs : nullptr, type, path);
  for (FieldSet* set : {&out.added, &out.modified, &out.removed}) StripUntracked(set);
  return out;
}

}  // namespace pk::patch
