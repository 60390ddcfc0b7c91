// Update tracking compares the old and new object field by field (patch::Compare), and equal
// subtrees contribute nothing to the comparison. So instead of taking both whole objects
// through JSON, only the fields that differ (plus metadata.managedFields, which TrackUpdate
// reads) are: a status write leaves the spec out, a binding the status. The JSON each side
// then has is its whole object's JSON minus fields that are equal on both sides, and the
// resulting managedFields are the same.
#include "apiserver/endpoints/managed_fields.h"

#include <string>

#include "apimachinery/codec.h"
#include "apimachinery/codec_value.h"
#include "apimachinery/object.h"
#include "apiserver/patch/patch.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk::apiserver::handlers {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

bool IsSingularMessage(const FieldDescriptor* f) {
  return !f->is_repeated() && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
}

// True only if field `f` is provably equal in `a` and `b` (same presence, same bytes).
// Only singular message fields are checked; anything else counts as different, which costs
// only the JSON of a (small) field.
bool Equal(const Message& a, const Message& b, const FieldDescriptor* f) {
  if (!IsSingularMessage(f)) return false;
  const auto* ra = a.GetReflection();
  const auto* rb = b.GetReflection();
  bool has_a = ra->HasField(a, f), has_b = rb->HasField(b, f);
  if (has_a != has_b) return false;
  if (!has_a) return true;
  const Message& ma = ra->GetMessage(a, f);
  const Message& mb = rb->GetMessage(b, f);
  if (ma.ByteSizeLong() != mb.ByteSizeLong()) return false;
  return ma.SerializeAsString() == mb.SerializeAsString();
}

// Copies field `f` (with its presence) from `from` into `to`, where it is unset.
void CopyField(const Message& from, Message* to, const FieldDescriptor* f) {
  const auto* r = from.GetReflection();
  const auto* w = to->GetReflection();
  if (f->is_repeated()) {
    int n = r->FieldSize(from, f);
    for (int i = 0; i < n; ++i) {
      switch (f->cpp_type()) {
#define PK_COPY_REPEATED(CPP, NAME)                        \
  case FieldDescriptor::CPPTYPE_##CPP:                     \
    w->Add##NAME(to, f, r->GetRepeated##NAME(from, f, i)); \
    break;
        PK_COPY_REPEATED(INT32, Int32)
        PK_COPY_REPEATED(INT64, Int64)
        PK_COPY_REPEATED(UINT32, UInt32)
        PK_COPY_REPEATED(UINT64, UInt64)
        PK_COPY_REPEATED(DOUBLE, Double)
        PK_COPY_REPEATED(FLOAT, Float)
        PK_COPY_REPEATED(BOOL, Bool)
        PK_COPY_REPEATED(ENUM, EnumValue)
        PK_COPY_REPEATED(STRING, String)
#undef PK_COPY_REPEATED
        case FieldDescriptor::CPPTYPE_MESSAGE:
          w->AddMessage(to, f)->CopyFrom(r->GetRepeatedMessage(from, f, i));
          break;
      }
    }
    return;
  }
  if (!r->HasField(from, f)) return;
  switch (f->cpp_type()) {
#define PK_COPY_SINGULAR(CPP, NAME)             \
  case FieldDescriptor::CPPTYPE_##CPP:          \
    w->Set##NAME(to, f, r->Get##NAME(from, f)); \
    break;
    PK_COPY_SINGULAR(INT32, Int32)
    PK_COPY_SINGULAR(INT64, Int64)
    PK_COPY_SINGULAR(UINT32, UInt32)
    PK_COPY_SINGULAR(UINT64, UInt64)
    PK_COPY_SINGULAR(DOUBLE, Double)
    PK_COPY_SINGULAR(FLOAT, Float)
    PK_COPY_SINGULAR(BOOL, Bool)
    PK_COPY_SINGULAR(ENUM, EnumValue)
    PK_COPY_SINGULAR(STRING, String)
#undef PK_COPY_SINGULAR
    case FieldDescriptor::CPPTYPE_MESSAGE:
      w->MutableMessage(to, f)->CopyFrom(r->GetMessage(from, f));
      break;
  }
}

// Copies into `a` and `b` (empty messages of their type) the fields of `old` and `updated`
// that are not provably equal. Within metadata (when both have it) the same is done field by
// field, and managedFields are always copied.
void CopyDifferences(const Message& old, const Message& updated, Message* a, Message* b) {
  const auto* descriptor = old.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* f = descriptor->field(i);
    if (IsSingularMessage(f) && f->message_type() == k8s::meta::v1::ObjectMeta::descriptor() &&
        old.GetReflection()->HasField(old, f) && updated.GetReflection()->HasField(updated, f)) {
      const Message& om = old.GetReflection()->GetMessage(old, f);
      const Message& um = updated.GetReflection()->GetMessage(updated, f);
      Message* am = a->GetReflection()->MutableMessage(a, f);
      Message* bm = b->GetReflection()->MutableMessage(b, f);
      const auto* meta = f->message_type();
      for (int j = 0; j < meta->field_count(); ++j) {
        const FieldDescriptor* g = meta->field(j);
        if (g->number() != k8s::meta::v1::ObjectMeta::kManagedFieldsFieldNumber &&
            Equal(om, um, g)) {
          continue;
        }
        CopyField(om, am, g);
        CopyField(um, bm, g);
      }
      continue;
    }
    if (Equal(old, updated, f)) continue;
    CopyField(old, a, f);
    CopyField(updated, b, f);
  }
}

using ToJson = Result<nlohmann::ordered_json> (*)(const Message&);

// The JSON document of a message through its text: the definition ToJsonValue must match
// (the reference path uses it, so the tests compare the two).
Result<nlohmann::ordered_json> ThroughText(const Message& message) {
  return json::Parse(json::Encode(message));
}

// TrackUpdate on the JSON of `old` and `updated` (which may be reduced copies); the
// resulting managedFields go into `out`.
void Track(const Message* old, const Message& updated, Message* out, std::string_view manager,
           std::string_view now, std::string_view api_version, ToJson to_json) {
  auto old_json = old ? to_json(*old) : Result<nlohmann::ordered_json>(nullptr);
  auto new_json = to_json(updated);
  if (!old_json.ok() || !new_json.ok()) return;
  patch::TrackUpdate(*old_json, &*new_json, updated.GetDescriptor(), manager, now, api_version);
  // Only managedFields are taken from the result: decode nothing else.
  nlohmann::ordered_json managed = nlohmann::ordered_json::object();
  if (auto& m = (*new_json)["metadata"]; m.is_object() && m.contains("managedFields")) {
    managed["managedFields"] = std::move(m["managedFields"]);
  }
  k8s::meta::v1::ObjectMeta meta;
  json::DecodeReport report;
  if (!json::DecodeValue(managed, &meta, &report).ok()) return;
  *MutableObjectMeta(out)->mutable_managed_fields() = std::move(*meta.mutable_managed_fields());
}

// The managedFields TrackUpdate gives a create, through patch::TrackCreate (no JSON of the
// object). False when that cannot be had; nothing is changed then.
bool TrackCreate(Message* created, std::string_view manager, std::string_view now,
                 std::string_view api_version) {
  const auto* meta = GetObjectMeta(*created);
  if (meta == nullptr || !meta->managed_fields().empty()) return false;
  auto list = patch::TrackCreate(*created, manager, now, api_version);
  if (!list) return false;
  k8s::meta::v1::ObjectMeta decoded;
  if (!list->is_null()) {
    nlohmann::ordered_json managed = {{"managedFields", std::move(*list)}};
    json::DecodeReport report;
    if (!json::DecodeValue(managed, &decoded, &report).ok()) return false;
  }
  *MutableObjectMeta(created)->mutable_managed_fields() =
      std::move(*decoded.mutable_managed_fields());
  return true;
}

}  // namespace

void TrackUpdatedFields(const Message* old, Message* updated, std::string_view manager,
                        std::string_view now, std::string_view api_version) {
  if (old == nullptr && TrackCreate(updated, manager, now, api_version)) return;
  if (old == nullptr || old->GetDescriptor() != updated->GetDescriptor()) {
    Track(old, *updated, updated, manager, now, api_version, json::ToJsonValue);
    return;
  }
  std::unique_ptr<Message> a(old->New()), b(old->New());
  CopyDifferences(*old, *updated, a.get(), b.get());
  Track(a.get(), *b, updated, manager, now, api_version, json::ToJsonValue);
}

void TrackUpdatedFieldsOnWholeObjects(const Message* old, Message* updated,
                                      std::string_view manager, std::string_view now,
                                      std::string_view api_version) {
  Track(old, *updated, updated, manager, now, api_version, ThroughText);
}

}  // namespace pk::apiserver::handlers
