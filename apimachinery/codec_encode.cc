// Encoding: protobuf message -> Kubernetes JSON, compact, fields in declaration order.
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "apimachinery/codec.h"
#include "apimachinery/codec_fields.h"
#include "apimachinery/time.h"

namespace pk::json {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void internal::AppendBase64(std::string* out, std::string_view in) {
  out->push_back('"');
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out->push_back(kBase64[n >> 18]);
    out->push_back(kBase64[(n >> 12) & 63]);
    out->push_back(kBase64[(n >> 6) & 63]);
    out->push_back(kBase64[n & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out->push_back(kBase64[n >> 18]);
    out->push_back(kBase64[(n >> 12) & 63]);
    out->append("==");
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out->push_back(kBase64[n >> 18]);
    out->push_back(kBase64[(n >> 12) & 63]);
    out->push_back(kBase64[(n >> 6) & 63]);
    out->push_back('=');
  }
  out->push_back('"');
}

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using internal::FieldInfo;
using internal::Present;
using internal::Special;

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendUint(std::string* out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Go writes float64 in the shortest form that round-trips; non-finite values are not JSON.
void AppendDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendMessage(std::string* out, const Message& msg, const GroupVersionKind* type);

// A special message in its own JSON form.
void AppendSpecial(std::string* out, const Message& msg, Special special) {
  const auto* d = msg.GetDescriptor();
  const Reflection* r = msg.GetReflection();
  switch (special) {
    case Special::kTime:
    case Special::kMicroTime: {
      int64_t secs = r->GetInt64(msg, d->field(0));
      int32_t nanos = r->GetInt32(msg, d->field(1));
      out->push_back('"');
      out->append(special == Special::kTime ? FormatRfc3339(secs)
                                            : FormatRfc3339Micro({secs, nanos}));
      out->push_back('"');
      return;
    }
    case Special::kDuration:
      AppendString(out, FormatGoDuration(r->GetInt64(msg, d->field(0))));
      return;
    case Special::kQuantity: {
      std::string s = r->GetString(msg, d->field(0));
      AppendString(out, s.empty() ? "0" : s);
      return;
    }
    case Special::kIntOrString:
      if (r->GetInt64(msg, d->field(0)) == 1) {
        AppendString(out, r->GetString(msg, d->field(2)));
      } else {
        AppendInt(out, r->GetInt32(msg, d->field(1)));
      }
      return;
    case Special::kRaw: {
      std::string raw = r->GetString(msg, d->field(0));
      out->append(raw.empty() ? "null" : raw);
      return;
    }
    case Special::kStringList: {
      out->push_back('[');
      for (int i = 0; i < r->FieldSize(msg, d->field(0)); ++i) {
        if (i > 0) out->push_back(',');
        AppendString(out, r->GetRepeatedString(msg, d->field(0), i));
      }
      out->push_back(']');
      return;
    }
    case Special::kNone:
      AppendMessage(out, msg, nullptr);
      return;
  }
}

// One value of a field: the element `index` of a repeated field, or the singular value (-1).
void AppendFieldValue(std::string* out, const Message& msg, const FieldInfo& f, int index) {
  const Reflection* r = msg.GetReflection();
  const FieldDescriptor* fd = f.field;
  const bool rep = index >= 0;
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      AppendInt(out, rep ? r->GetRepeatedInt32(msg, fd, index) : r->GetInt32(msg, fd));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      AppendInt(out, rep ? r->GetRepeatedInt64(msg, fd, index) : r->GetInt64(msg, fd));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      AppendUint(out, rep ? r->GetRepeatedUInt32(msg, fd, index) : r->GetUInt32(msg, fd));
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      AppendUint(out, rep ? r->GetRepeatedUInt64(msg, fd, index) : r->GetUInt64(msg, fd));
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendDouble(out, rep ? r->GetRepeatedDouble(msg, fd, index) : r->GetDouble(msg, fd));
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendDouble(out, rep ? r->GetRepeatedFloat(msg, fd, index) : r->GetFloat(msg, fd));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((rep ? r->GetRepeatedBool(msg, fd, index) : r->GetBool(msg, fd)) ? "true"
                                                                                   : "false");
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      AppendString(out,
                   rep ? r->GetRepeatedEnum(msg, fd, index)->name() : r->GetEnum(msg, fd)->name());
      return;
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = rep ? r->GetRepeatedStringReference(msg, fd, index, &scratch)
                                 : r->GetStringReference(msg, fd, &scratch);
      if (fd->type() == FieldDescriptor::TYPE_BYTES) {
        internal::AppendBase64(out, s);
      } else {
        AppendString(out, s);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendSpecial(out, rep ? r->GetRepeatedMessage(msg, fd, index) : r->GetMessage(msg, fd),
                    f.special);
      return;
  }
}

// Maps are written with keys sorted, as Go does.
void AppendMap(std::string* out, const Message& msg, const FieldInfo& f) {
  const Reflection* r = msg.GetReflection();
  int n = r->FieldSize(msg, f.field);
  const auto* entry_type = f.field->message_type();
  const FieldInfo value_info{entry_type->map_value(), "", "", false, false, f.special};
  std::vector<std::pair<std::string, const Message*>> entries;
  entries.reserve(n);
  for (int i = 0; i < n; ++i) {
    const Message& entry = r->GetRepeatedMessage(msg, f.field, i);
    const auto* key_field = entry_type->map_key();
    const Reflection* er = entry.GetReflection();
    std::string key = key_field->cpp_type() == FieldDescriptor::CPPTYPE_STRING
                          ? er->GetString(entry, key_field)
                          : std::to_string(er->GetInt64(entry, key_field));
    entries.emplace_back(std::move(key), &entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out->push_back('{');
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendString(out, entries[i].first);
    out->push_back(':');
    AppendFieldValue(out, *entries[i].second, value_info, -1);
  }
  out->push_back('}');
}

// What Go writes for a field that is always written but holds nothing: a nil slice, map or
// pointer is null, a zero Time is null, and other zero struct values have their zero form
// (a plain struct is written as its default instance, its own always-fields included).
void AppendZero(std::string* out, const Message& msg, const FieldInfo& f) {
  if (f.field->is_repeated() || f.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      f.nullable) {
    out->append("null");
    return;
  }
  switch (f.special) {
    case Special::kQuantity:
      out->append("\"0\"");
      return;
    case Special::kIntOrString:
      out->append("0");
      return;
    case Special::kDuration:
      out->append("\"0s\"");
      return;
    case Special::kNone:
      AppendFieldValue(out, msg, f, -1);
      return;  // the default instance
    default:
      out->append("null");
      return;  // Time, MicroTime, raw documents, named lists
  }
}

void AppendField(std::string* out, const Message& msg, const FieldInfo& f) {
  const Reflection* r = msg.GetReflection();
  out->append(f.key);
  if (f.field->is_repeated() ? r->FieldSize(msg, f.field) == 0
                             : f.field->has_presence() && !r->HasField(msg, f.field)) {
    AppendZero(out, msg, f);
  } else if (f.field->is_map()) {
    AppendMap(out, msg, f);
  } else if (f.field->is_repeated()) {
    int n = r->FieldSize(msg, f.field);
    out->push_back('[');
    for (int i = 0; i < n; ++i) {
      if (i > 0) out->push_back(',');
      AppendFieldValue(out, msg, f, i);
    }
    out->push_back(']');
  } else {
    AppendFieldValue(out, msg, f, -1);
  }
}

void AppendMessage(std::string* out, const Message& msg, const GroupVersionKind* type) {
  const auto& info = internal::InfoOf(msg.GetDescriptor());
  out->push_back('{');
  bool first = true;
  if (type != nullptr) {
    out->append("\"kind\":");
    AppendString(out, type->kind);
    out->append(",\"apiVersion\":");
    AppendString(out, type->api_version());
    first = false;
  }
  for (const FieldInfo& f : info.fields) {
    if (!Present(msg, f)) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendField(out, msg, f);
  }
  out->push_back('}');
}

}  // namespace

void AppendEncoded(std::string* out, const Message& msg, const GroupVersionKind* type) {
  Special special = internal::SpecialOf(msg.GetDescriptor());
  if (special != Special::kNone) {
    AppendSpecial(out, msg, special);
  } else {
    AppendMessage(out, msg, type);
  }
}

std::string Encode(const Message& msg, const GroupVersionKind* type) {
  std::string out;
  out.reserve(512);
  AppendEncoded(&out, msg, type);
  return out;
}

}  // namespace pk::json
