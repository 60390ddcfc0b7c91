// The field set of a create, read off the message itself: TrackUpdate(null, ToJsonValue(x))
// without building x's JSON. A create compares the object with nothing, so the comparison
// needs only which fields the JSON codec writes, what kind of value each is (null, scalar,
// object, list) and the keys of associative-list items; values themselves never matter.
//
// The walk mirrors two pieces of code rule for rule and must change with them:
// - the codec's presence and value rules (apimachinery/codec_value.cc: Present, Zero, Field,
//   Map), and
// - the Comparer of fieldset_build.cc on a create: the old side is an empty object at the top,
//   where fields marked (k8s.always) count as present-but-empty, and absent below.
// What it does not mirror (embedded raw documents, non-ASCII map keys, sets of objects)
// makes it give up, and the caller takes the JSON path. managed_fields_test compares both.
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include "apimachinery/codec_fields.h"
#include "apimachinery/codec_value.h"
#include "apiserver/patch/fieldset.h"
#include "apiserver/patch/ssa.h"

namespace pk::patch {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using Codec = json::internal::FieldInfo;
using json::internal::Present;
using json::internal::Special;

bool Ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

// The JSON kind of a value as the codec writes it.
enum class Kind { kNull, kScalar, kObject, kArray };

// What LookupField says of a codec field, and its path element: kept per field for the life
// of the process, as the codec's own tables are (one per thread, so no lock).
struct Known {
  FieldInfo field;
  PathElement element;
};
const Known& KnownOf(const SchemaNode& node, const Codec& f) {
  thread_local std::unordered_map<const Codec*, Known> known;
  auto it = known.find(&f);
  if (it == known.end()) {
    it = known.emplace(&f, Known{LookupField(node, f.name), "f:" + std::string(f.name)}).first;
  }
  return it->second;
}

// Drops the nodes that hold no member (the walk makes a node before it knows).
void Prune(FieldSet* set) {
  for (auto it = set->children.begin(); it != set->children.end();) {
    Prune(&it->second);
    it = it->second.empty() ? set->children.erase(it) : std::next(it);
  }
}

// Every path the Comparer would find added or modified goes into one set (the caller wants
// their union): `at` is the node of the path being compared.
class CreateWalk {
 public:
  bool ok = true;

  // Comparer::Object(l, r): `l_exists` says the old side is an (empty) object, not absent.
  // `node` is the object's schema; it is always the message's own type here.
  void Object(const Message& msg, const SchemaNode& node, bool l_exists, FieldSet& at) {
    for (const Codec& f : json::internal::InfoOf(msg.GetDescriptor()).fields) {
      if (!ok) return;
      if (!Present(msg, f)) continue;
      const Known& known = KnownOf(node, f);
      FieldSet& child = at.children[known.element];
      if (!known.field.known) {
        child.member = true;
      } else {
        Field(msg, f, known.field, l_exists && known.field.always, child);
      }
    }
  }

 private:
  // The kind of a message value of special type `special` (SpecialValue).
  Kind MessageKind(Special special) {
    switch (special) {
      case Special::kNone:
        return Kind::kObject;
      case Special::kRaw:
      case Special::kStringList:
        ok = false;  // an embedded document or a bare list: left to the JSON path
        return Kind::kNull;
      default:
        return Kind::kScalar;
    }
  }

  // Builder::Zero: what an unset field with presence writes.
  Kind ZeroKind(const Codec& f) {
    if (f.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f.nullable) return Kind::kNull;
    switch (f.special) {
      case Special::kQuantity:
      case Special::kIntOrString:
      case Special::kDuration:
        return Kind::kScalar;
      case Special::kNone:
        return Kind::kObject;
      default:
        return Kind::kNull;
    }
  }

  // Comparer::Value(nullptr, r, field, l_present) for the value of `f` in `msg`.
  void Field(const Message& msg, const Codec& f, const FieldInfo& field, bool l_present,
             FieldSet& at) {
    const Reflection* r = msg.GetReflection();
    const FieldDescriptor* fd = f.field;
    if (fd->is_repeated()) {
      if (r->FieldSize(msg, fd) == 0) return Leaf(Kind::kNull, l_present, at);
      if (fd->is_map()) return Map(msg, f, field, l_present, at);
      if (ListTypeOf(field) == ListType::kAtomic) return Leaf(Kind::kArray, l_present, at);
      List(msg, f, field, at);
      if (!l_present) at.member = true;
      return;
    }
    if (fd->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      const bool unset = fd->has_presence() && !r->HasField(msg, fd);
      return Leaf(unset ? Kind::kNull : Kind::kScalar, l_present, at);
    }
    const bool unset = !r->HasField(msg, fd);
    const Kind kind = unset ? ZeroKind(f) : MessageKind(f.special);
    if (kind == Kind::kObject && !IsAtomicObject(field)) {
      Object(r->GetMessage(msg, fd), field.child, l_present, at);
      if (!l_present) at.member = true;
      return;
    }
    Leaf(kind, l_present, at);
  }

  // A value compared whole: a scalar, null, an atomic list or object. Absent before, it is
  // added; present-but-empty before (always written), it is modified unless null.
  static void Leaf(Kind kind, bool l_present, FieldSet& at) {
    if (!l_present || kind != Kind::kNull) at.member = true;
  }

  // A map field (labels, resource limits): an object keyed by the map's keys.
  void Map(const Message& msg, const Codec& f, const FieldInfo& field, bool l_present,
           FieldSet& at) {
    if (IsAtomicObject(field)) return Leaf(Kind::kObject, l_present, at);
    const Reflection* r = msg.GetReflection();
    const auto* entry_type = f.field->message_type();
    const FieldDescriptor* key_field = entry_type->map_key();
    const FieldDescriptor* value_field = entry_type->map_value();
    for (int i = 0; ok && i < r->FieldSize(msg, f.field); ++i) {
      const Message& entry = r->GetRepeatedMessage(msg, f.field, i);
      const Reflection* er = entry.GetReflection();
      std::string key = key_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                            ? er->GetString(entry, key_field)
                            : std::to_string(er->GetInt64(entry, key_field));
      if (!Ascii(key)) {
        ok = false;
        return;
      }
      FieldSet& child = at.children["f:" + key];
      child.member = true;  // a new entry is added, whatever its value
      if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          MessageKind(f.special) == Kind::kObject) {
        const FieldInfo value = LookupField(field.child, key);
        if (!IsAtomicObject(value)) {
          Object(er->GetMessage(entry, value_field), value.child, false, child);
        }
      }
    }
    if (!l_present) at.member = true;
  }

  // Comparer::List(nullptr, r): every item with a path element is added; an associative
  // list's items are compared with nothing below them. Items with equal elements all stand
  // for the first of them, as the Comparer's map by element has it.
  void List(const Message& msg, const Codec& f, const FieldInfo& field, FieldSet& at) {
    const Reflection* r = msg.GetReflection();
    const bool maps = ListTypeOf(field) == ListType::kMap;
    std::map<PathElement, int> first;
    for (int i = 0; ok && i < r->FieldSize(msg, f.field); ++i) {
      PathElement element =
          maps ? MapItemElement(msg, f, field, i) : SetItemElement(msg, f, field, i);
      if (!ok || element.empty()) continue;
      const int item = first.emplace(element, i).first->second;
      FieldSet& child = at.children[element];
      if (maps) Object(r->GetRepeatedMessage(msg, f.field, item), field.child, false, child);
      child.member = true;
    }
  }

  // The `v:` element of a set item.
  PathElement SetItemElement(const Message& msg, const Codec& f, const FieldInfo& field, int i) {
    if (f.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      ok = false;
      return "";
    }
    return ListItemElement(json::ScalarToJsonValue(msg, f.field, i), field);
  }

  // The `k:` element of an associative-list item: its key fields as the codec writes them.
  PathElement MapItemElement(const Message& msg, const Codec& f, const FieldInfo& field, int i) {
    if (f.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return "";  // not an object
    if (f.special != Special::kNone) {
      ok = false;  // an embedded document may be an object: left to the JSON path
      return "";
    }
    const Message& item = msg.GetReflection()->GetRepeatedMessage(msg, f.field, i);
    const auto& info = json::internal::InfoOf(item.GetDescriptor());
    Json keys = Json::object();
    for (const std::string& name : ListMapKeys(field)) {
      auto it = info.by_name.find(name);
      if (it == info.by_name.end() || !Present(item, *it->second)) continue;
      const FieldDescriptor* fd = it->second->field;
      if (fd->is_repeated() || fd->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        ok = false;
        return "";
      }
      const bool unset = fd->has_presence() && !item.GetReflection()->HasField(item, fd);
      keys[name] = unset ? Json() : json::ScalarToJsonValue(item, fd, -1);
    }
    return ListItemElement(keys, field);
  }
};

}  // namespace

std::optional<Json> TrackCreate(const google::protobuf::Message& object, std::string_view manager,
                                std::string_view now, std::string_view api_version) {
  if (json::internal::SpecialOf(object.GetDescriptor()) != Special::kNone) return std::nullopt;
  CreateWalk walk;
  FieldSet fields;
  walk.Object(object, SchemaNode{object.GetDescriptor(), nullptr}, /*l_exists=*/true, fields);
  if (!walk.ok) return std::nullopt;
  Prune(&fields);
  StripUntracked(&fields);  // of the union, as of each set: it removes fixed paths
  ManagerEntry entry;
  entry.manager = manager;
  entry.operation = "Update";
  entry.api_version = api_version;
  entry.time = now;
  entry.fields = std::move(fields);
  Json object_json = Json::object();
  EncodeManagedFields({std::move(entry)}, &object_json);
  const Json& meta = object_json["metadata"];
  return meta.is_object() && meta.contains("managedFields") ? meta["managedFields"] : Json();
}

}  // namespace pk::patch
