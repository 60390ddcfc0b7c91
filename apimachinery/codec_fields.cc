#include "apimachinery/codec_fields.h"

#include <memory>
#include <mutex>
#include <shared_mutex>

#include "proto/options.pb.h"

namespace pk::json::internal {

Special SpecialOf(const google::protobuf::Descriptor* type) {
  if (type == nullptr) return Special::kNone;
  const std::string& name = type->full_name();
  if (name == "k8s.meta.v1.Time") return Special::kTime;
  if (name == "k8s.meta.v1.MicroTime") return Special::kMicroTime;
  if (name == "k8s.meta.v1.Duration") return Special::kDuration;
  if (name == "k8s.resource.Quantity") return Special::kQuantity;
  if (name == "k8s.util.IntOrString") return Special::kIntOrString;
  if (name == "k8s.runtime.RawExtension" || name == "k8s.meta.v1.FieldsV1") return Special::kRaw;
  if (type->name() == "ExtraValue") return Special::kStringList;
  return Special::kNone;
}

namespace {

std::unique_ptr<MessageInfo> Build(const google::protobuf::Descriptor* type) {
  auto info = std::make_unique<MessageInfo>();
  info->fields.reserve(type->field_count());
  for (int i = 0; i < type->field_count(); ++i) {
    const auto* field = type->field(i);
    FieldInfo f;
    f.field = field;
    f.key = "\"" + field->json_name() + "\":";
    f.always = field->options().GetExtension(k8s::always);
    f.nullable = field->options().GetExtension(k8s::nullable);
    const google::protobuf::Descriptor* value_type = field->message_type();
    if (field->is_map()) value_type = field->message_type()->map_value()->message_type();
    f.special = SpecialOf(value_type);
    info->fields.push_back(std::move(f));
  }
  // Names point into the strings now owned by the vector, which no longer moves.
  for (auto& f : info->fields) {
    f.name = std::string_view(f.key).substr(1, f.key.size() - 3);
    info->by_name.emplace(f.name, &f);
  }
  return info;
}

}  // namespace

const MessageInfo& InfoOf(const google::protobuf::Descriptor* type) {
  static std::shared_mutex mu;
  static auto* tables =
      new std::unordered_map<const google::protobuf::Descriptor*, std::unique_ptr<MessageInfo>>();
  {
    std::shared_lock lock(mu);
    auto it = tables->find(type);
    if (it != tables->end()) return *it->second;
  }
  auto built = Build(type);
  std::unique_lock lock(mu);
  auto [it, inserted] = tables->emplace(type, std::move(built));
  return *it->second;
}

bool Present(const google::protobuf::Message& msg, const FieldInfo& f) {
  const auto* r = msg.GetReflection();
  if (f.field->is_repeated()) return f.always || r->FieldSize(msg, f.field) > 0;
  if (f.always || f.nullable) return true;
  return r->HasField(msg, f.field);  // proto3: non-zero for plain scalars, set for optional
}

}  // namespace pk::json::internal
