// Encoding to a document: mirrors codec_encode.cc rule for rule, producing what the parser
// would make of that file's text. Where the text form matters (non-ASCII strings, doubles,
// raw documents) the value is taken through the text itself, so the two cannot disagree.
#include "apimachinery/codec_value.h"

#include <google/protobuf/reflection.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "apimachinery/codec.h"
#include "apimachinery/codec_fields.h"
#include "apimachinery/time.h"

namespace pk::json {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using internal::FieldInfo;
using internal::Present;
using internal::Special;
using Json = nlohmann::ordered_json;

// Integers as the parser reads them: unsigned unless negative.
Json Int(int64_t v) { return v >= 0 ? Json(static_cast<uint64_t>(v)) : Json(v); }

class Builder {
 public:
  bool ok() const { return ok_; }

  Json Message(const google::protobuf::Message& msg) {
    const auto& info = internal::InfoOf(msg.GetDescriptor());
    Json out = Json::object();
    auto& fields = out.get_ref<Json::object_t&>();
    for (const FieldInfo& f : info.fields) {
      if (!Present(msg, f)) continue;
      fields.emplace_back(std::string(f.name), Field(msg, f));  // names are unique
    }
    return out;
  }

  // A scalar field's value (element `index`, or -1 for a singular field).
  Json Scalar(const google::protobuf::Message& msg, const FieldDescriptor* field, int index) {
    return Value(msg, FieldInfo{field, "", "", false, false, Special::kNone}, index);
  }

  Json Encoded(const google::protobuf::Message& msg) {
    Special special = internal::SpecialOf(msg.GetDescriptor());
    return special != Special::kNone ? SpecialValue(msg, special) : Message(msg);
  }

 private:
  // Strings as the text carries them: ASCII as is; anything else through Go's escaping
  // (invalid UTF-8 becomes U+FFFD) and back.
  static Json String(const std::string& s) {
    if (std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; })) return Json(s);
    std::string text;
    AppendString(&text, s);
    return Json::parse(text);
  }

  static Json Double(double v) {
    if (!std::isfinite(v)) return Json();
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return Json::parse(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
  }

  Json Raw(const std::string& raw) {
    if (raw.empty()) return Json();
    auto doc = Parse(raw);
    if (!doc.ok()) {
      ok_ = false;
      return Json();
    }
    return std::move(doc).value();
  }

  Json SpecialValue(const google::protobuf::Message& msg, Special special) {
    const auto* d = msg.GetDescriptor();
    const Reflection* r = msg.GetReflection();
    switch (special) {
      case Special::kTime:
      case Special::kMicroTime: {
        int64_t secs = r->GetInt64(msg, d->field(0));
        int32_t nanos = r->GetInt32(msg, d->field(1));
        return special == Special::kTime ? FormatRfc3339(secs) : FormatRfc3339Micro({secs, nanos});
      }
      case Special::kDuration:
        return String(FormatGoDuration(r->GetInt64(msg, d->field(0))));
      case Special::kQuantity: {
        std::string s = r->GetString(msg, d->field(0));
        return String(s.empty() ? "0" : s);
      }
      case Special::kIntOrString:
        if (r->GetInt64(msg, d->field(0)) == 1) return String(r->GetString(msg, d->field(2)));
        return Int(r->GetInt32(msg, d->field(1)));
      case Special::kRaw:
        return Raw(r->GetString(msg, d->field(0)));
      case Special::kStringList: {
        Json out = Json::array();
        for (int i = 0; i < r->FieldSize(msg, d->field(0)); ++i) {
          out.push_back(String(r->GetRepeatedString(msg, d->field(0), i)));
        }
        return out;
      }
      case Special::kNone:
        return Message(msg);
    }
    return Json();
  }

  Json Value(const google::protobuf::Message& msg, const FieldInfo& f, int index) {
    const Reflection* r = msg.GetReflection();
    const FieldDescriptor* fd = f.field;
    const bool rep = index >= 0;
    switch (fd->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return Int(rep ? r->GetRepeatedInt32(msg, fd, index) : r->GetInt32(msg, fd));
      case FieldDescriptor::CPPTYPE_INT64:
        return Int(rep ? r->GetRepeatedInt64(msg, fd, index) : r->GetInt64(msg, fd));
      case FieldDescriptor::CPPTYPE_UINT32:
        return Json(uint64_t{rep ? r->GetRepeatedUInt32(msg, fd, index) : r->GetUInt32(msg, fd)});
      case FieldDescriptor::CPPTYPE_UINT64:
        return Json(uint64_t{rep ? r->GetRepeatedUInt64(msg, fd, index) : r->GetUInt64(msg, fd)});
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Double(rep ? r->GetRepeatedDouble(msg, fd, index) : r->GetDouble(msg, fd));
      case FieldDescriptor::CPPTYPE_FLOAT:
        return Double(rep ? r->GetRepeatedFloat(msg, fd, index) : r->GetFloat(msg, fd));
      case FieldDescriptor::CPPTYPE_BOOL:
        return Json(rep ? r->GetRepeatedBool(msg, fd, index) : r->GetBool(msg, fd));
      case FieldDescriptor::CPPTYPE_ENUM:
        return String(rep ? r->GetRepeatedEnum(msg, fd, index)->name()
                          : r->GetEnum(msg, fd)->name());
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = rep ? r->GetRepeatedStringReference(msg, fd, index, &scratch)
                                   : r->GetStringReference(msg, fd, &scratch);
        if (fd->type() != FieldDescriptor::TYPE_BYTES) return String(s);
        std::string text;  // base64, quoted: nothing in it is escaped
        internal::AppendBase64(&text, s);
        return Json(text.substr(1, text.size() - 2));
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return SpecialValue(rep ? r->GetRepeatedMessage(msg, fd, index) : r->GetMessage(msg, fd),
                            f.special);
    }
    return Json();
  }

  Json Map(const google::protobuf::Message& msg, const FieldInfo& f) {
    const Reflection* r = msg.GetReflection();
    int n = r->FieldSize(msg, f.field);
    const auto* entry_type = f.field->message_type();
    const FieldInfo value_info{entry_type->map_value(), "", "", false, false, f.special};
    std::vector<std::pair<std::string, const google::protobuf::Message*>> entries;
    entries.reserve(n);
    for (int i = 0; i < n; ++i) {
      const google::protobuf::Message& entry = r->GetRepeatedMessage(msg, f.field, i);
      const auto* key_field = entry_type->map_key();
      const Reflection* er = entry.GetReflection();
      std::string key = key_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                            ? er->GetString(entry, key_field)
                            : std::to_string(er->GetInt64(entry, key_field));
      entries.emplace_back(std::move(key), &entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    Json out = Json::object();
    for (const auto& [key, entry] : entries) {
      // The parser keeps the last of equal keys; sorted, equal keys are adjacent.
      Json name = String(key);
      out[name.get<std::string>()] = Value(*entry, value_info, -1);
    }
    return out;
  }

  Json Zero(const google::protobuf::Message& msg, const FieldInfo& f) {
    if (f.field->is_repeated() || f.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        f.nullable) {
      return Json();
    }
    switch (f.special) {
      case Special::kQuantity:
        return Json("0");
      case Special::kIntOrString:
        return Int(0);
      case Special::kDuration:
        return Json("0s");
      case Special::kNone:
        return Value(msg, f, -1);
      default:
        return Json();
    }
  }

  Json Field(const google::protobuf::Message& msg, const FieldInfo& f) {
    const Reflection* r = msg.GetReflection();
    if (f.field->is_repeated() ? r->FieldSize(msg, f.field) == 0
                               : f.field->has_presence() && !r->HasField(msg, f.field)) {
      return Zero(msg, f);
    }
    if (f.field->is_map()) return Map(msg, f);
    if (!f.field->is_repeated()) return Value(msg, f, -1);
    Json out = Json::array();
    int n = r->FieldSize(msg, f.field);
    for (int i = 0; i < n; ++i) out.push_back(Value(msg, f, i));
    return out;
  }

  bool ok_ = true;
};

}  // namespace

Result<nlohmann::ordered_json> ToJsonValue(const google::protobuf::Message& msg) {
  Builder builder;
  Json out = builder.Encoded(msg);
  if (!builder.ok()) return Status::BadRequest("an embedded document is not valid JSON");
  return out;
}

Json ScalarToJsonValue(const google::protobuf::Message& msg, const FieldDescriptor* field,
                       int index) {
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) return Json();
  Builder builder;
  return builder.Scalar(msg, field, index);
}

}  // namespace pk::json
