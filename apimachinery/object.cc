#include "apimachinery/object.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "apimachinery/codec_fields.h"

namespace pk {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every object message declares metadata first: that field is checked before a lookup by
// name (a hash lookup, which listers would otherwise pay for each object they scan).
const FieldDescriptor* MetadataField(const Message& object) {
  const google::protobuf::Descriptor* d = object.GetDescriptor();
  const FieldDescriptor* f = d->field_count() > 0 ? d->field(0) : nullptr;
  if (f == nullptr || f->name() != "metadata") f = d->FindFieldByName("metadata");
  if (f == nullptr || f->message_type() != k8s::meta::v1::ObjectMeta::descriptor()) return nullptr;
  return f;
}

std::optional<std::string> ScalarString(const Message& m, const FieldDescriptor* f) {
  const auto* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: return r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(m, f) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(m, f));
    default: return std::nullopt;
  }
}

}  // namespace

const k8s::meta::v1::ObjectMeta* GetObjectMeta(const Message& object) {
  const FieldDescriptor* f = MetadataField(object);
  if (f == nullptr) return nullptr;
  return static_cast<const k8s::meta::v1::ObjectMeta*>(
      &object.GetReflection()->GetMessage(object, f));
}

k8s::meta::v1::ObjectMeta* MutableObjectMeta(Message* object) {
  const FieldDescriptor* f = MetadataField(*object);
  if (f == nullptr) return nullptr;
  return static_cast<k8s::meta::v1::ObjectMeta*>(
      object->GetReflection()->MutableMessage(object, f));
}

std::optional<std::string> FieldValue(const Message& object, std::string_view path) {
  const Message* m = &object;
  while (true) {
    size_t dot = path.find('.');
    std::string_view name = path.substr(0, dot);
    const auto& info = json::internal::InfoOf(m->GetDescriptor());
    auto it = info.by_name.find(name);
    if (it == info.by_name.end()) return std::nullopt;
    const FieldDescriptor* f = it->second->field;
    if (f->is_repeated()) return std::nullopt;
    if (dot == std::string_view::npos) return ScalarString(*m, f);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return std::nullopt;
    m = &m->GetReflection()->GetMessage(*m, f);
    path.remove_prefix(dot + 1);
  }
}

}  // namespace pk
