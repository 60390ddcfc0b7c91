// Decoding: Kubernetes JSON -> protobuf message, with Go's error wording and unknown-field paths.
#include <fmt/format.h>
#include <google/protobuf/reflection.h>

#include <charconv>
#include <limits>

#include "apimachinery/codec.h"
#include "apimachinery/codec_fields.h"
#include "apimachinery/quantity.h"
#include "apimachinery/time.h"

namespace pk::json {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using internal::FieldInfo;
using internal::Special;
using Json = nlohmann::ordered_json;

// The Go type a field stands for, as Go's decoder names it in errors ("[]v1.Container").
std::string GoMessageName(const Descriptor* d) {
  const std::string& pkg = d->file()->package();
  auto dot = pkg.rfind('.');
  return (dot == std::string::npos ? pkg : pkg.substr(dot + 1)) + "." + d->name();
}

std::string GoScalarName(const FieldDescriptor* f) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_BYTES: return "[]uint8";
    case FieldDescriptor::TYPE_MESSAGE: return GoMessageName(f->message_type());
    default: return f->type_name();
  }
}

std::string GoTypeName(const FieldDescriptor* f) {
  if (f->is_map()) {
    return "map[string]" + GoScalarName(f->message_type()->map_value());
  }
  return (f->is_repeated() ? "[]" : "") + GoScalarName(f);
}

std::string JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    case Json::value_t::number_float: return "number " + v.dump();
    default: return v.is_number() ? "number" : "null";
  }
}

Result<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = value(in[i]);
    if (v < 0) return Status::BadRequest(fmt::format("illegal base64 data at input byte {}", i));
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  size_t pad = in.size() - i;
  if (pad > 2 || in.size() % 4 != 0 || in.find_first_not_of('=', i) != std::string_view::npos) {
    return Status::BadRequest(fmt::format("illegal base64 data at input byte {}", i));
  }
  return out;
}

class Decoder {
 public:
  explicit Decoder(DecodeReport* report) : report_(report) {}

  Status Object(const Json& v, Message* msg, bool top_level) {
    if (v.is_null()) return Status();
    const Descriptor* d = msg->GetDescriptor();
    Special special = internal::SpecialOf(d);
    if (special != Special::kNone) return SpecialValue(v, msg, special);
    if (!v.is_object()) return TypeError(v, d->name(), GoMessageName(d));
    const auto& info = internal::InfoOf(d);
    for (const auto& [key, value] : v.items()) {
      auto it = info.by_name.find(key);
      if (it == info.by_name.end()) {
        if (top_level && (key == "kind" || key == "apiVersion") && value.is_string()) {
          (key == "kind" ? report_->kind : report_->api_version) = value.get<std::string>();
        } else {
          report_->unknown_fields.push_back(Child(key));
        }
        continue;
      }
      size_t mark = path_.size();
      if (mark > 0) path_.push_back('.');
      path_.append(key);
      Status s = Field(value, msg, *it->second);
      path_.resize(mark);
      PK_RETURN_IF_ERROR(s);
    }
    return Status();
  }

 private:
  std::string Child(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

  Status TypeError(const Json& v, std::string_view struct_name, const std::string& go_type) {
    if (path_.empty()) {
      return Status::BadRequest(fmt::format("json: cannot unmarshal {} into Go value of type {}",
                                            JsonTypeName(v), go_type));
    }
    return Status::BadRequest(
        fmt::format("json: cannot unmarshal {} into Go struct field {}.{} of type {}",
                    JsonTypeName(v), struct_name, path_, go_type));
  }

  Status Field(const Json& v, Message* msg, const FieldInfo& f) {
    const Reflection* r = msg->GetReflection();
    if (v.is_null()) return Status();  // Go leaves the field as it is
    std::string_view owner = msg->GetDescriptor()->name();
    if (f.field->is_map()) {
      if (!v.is_object()) return TypeError(v, owner, GoTypeName(f.field));
      for (const auto& [key, value] : v.items()) {
        Message* entry = r->AddMessage(msg, f.field);
        const FieldDescriptor* kf = entry->GetDescriptor()->map_key();
        entry->GetReflection()->SetString(entry, kf, key);
        size_t mark = path_.size();
        path_.append("[").append(key).append("]");
        Status s = Value(value, entry, entry->GetDescriptor()->map_value(), f.special, false,
                         owner);
        path_.resize(mark);
        PK_RETURN_IF_ERROR(s);
      }
      return Status();
    }
    if (f.field->is_repeated()) {
      if (!v.is_array()) return TypeError(v, owner, GoTypeName(f.field));
      for (size_t i = 0; i < v.size(); ++i) {
        size_t mark = path_.size();
        path_.append("[").append(std::to_string(i)).append("]");
        Status s = Value(v[i], msg, f.field, f.special, true, owner);
        path_.resize(mark);
        PK_RETURN_IF_ERROR(s);
      }
      return Status();
    }
    return Value(v, msg, f.field, f.special, false, owner);
  }

  // Sets (or, when `add`, appends) one value of `fd` on `msg`.
  Status Value(const Json& v, Message* msg, const FieldDescriptor* fd, Special special, bool add,
               std::string_view owner) {
    const Reflection* r = msg->GetReflection();
    auto mismatch = [&] { return TypeError(v, owner, GoScalarName(fd)); };
    switch (fd->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (v.is_null() && add) return Status();
        Message* sub = add ? r->AddMessage(msg, fd) : r->MutableMessage(msg, fd);
        if (special != Special::kNone) return SpecialValue(v, sub, special);
        return Object(v, sub, false);
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (!v.is_string()) return mismatch();
        std::string s = v.get<std::string>();
        if (fd->type() == FieldDescriptor::TYPE_BYTES) {
          auto bytes = DecodeBase64(s);
          if (!bytes.ok()) return Status(bytes.status()).Prefix(path_);
          s = std::move(bytes).value();
        }
        add ? r->AddString(msg, fd, std::move(s)) : r->SetString(msg, fd, std::move(s));
        return Status();
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        if (!v.is_boolean()) return mismatch();
        add ? r->AddBool(msg, fd, v.get<bool>()) : r->SetBool(msg, fd, v.get<bool>());
        return Status();
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        if (!v.is_number()) return mismatch();
        double d = v.get<double>();
        if (fd->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          add ? r->AddDouble(msg, fd, d) : r->SetDouble(msg, fd, d);
        } else {
          add ? r->AddFloat(msg, fd, float(d)) : r->SetFloat(msg, fd, float(d));
        }
        return Status();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (!v.is_string()) return mismatch();
        const auto* ev = fd->enum_type()->FindValueByName(v.get<std::string>());
        if (ev == nullptr) return mismatch();
        add ? r->AddEnum(msg, fd, ev) : r->SetEnum(msg, fd, ev);
        return Status();
      }
      default:
        return Integer(v, msg, fd, add, mismatch);
    }
  }

  template <class Mismatch>
  Status Integer(const Json& v, Message* msg, const FieldDescriptor* fd, bool add,
                 Mismatch mismatch) {
    const Reflection* r = msg->GetReflection();
    if (!v.is_number_integer()) return mismatch();  // also rejects 1.5 and 1.0, as Go does
    bool is_unsigned = v.is_number_unsigned();
    uint64_t u = is_unsigned ? v.get<uint64_t>() : 0;
    int64_t i = is_unsigned ? 0 : v.get<int64_t>();
    auto fits = [&](int64_t lo, uint64_t hi) {
      return is_unsigned ? u <= hi : (i >= lo && (i < 0 || uint64_t(i) <= hi));
    };
    switch (fd->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        if (!fits(INT32_MIN, INT32_MAX)) return mismatch();
        add ? r->AddInt32(msg, fd, int32_t(is_unsigned ? u : i))
            : r->SetInt32(msg, fd, int32_t(is_unsigned ? u : i));
        return Status();
      case FieldDescriptor::CPPTYPE_INT64:
        if (!fits(INT64_MIN, INT64_MAX)) return mismatch();
        add ? r->AddInt64(msg, fd, is_unsigned ? int64_t(u) : i)
            : r->SetInt64(msg, fd, is_unsigned ? int64_t(u) : i);
        return Status();
      case FieldDescriptor::CPPTYPE_UINT32:
        if (!fits(0, UINT32_MAX)) return mismatch();
        add ? r->AddUInt32(msg, fd, uint32_t(is_unsigned ? u : i))
            : r->SetUInt32(msg, fd, uint32_t(is_unsigned ? u : i));
        return Status();
      default:  // UINT64
        if (!fits(0, UINT64_MAX)) return mismatch();
        add ? r->AddUInt64(msg, fd, is_unsigned ? u : uint64_t(i))
            : r->SetUInt64(msg, fd, is_unsigned ? u : uint64_t(i));
        return Status();
    }
  }

  Status SpecialValue(const Json& v, Message* msg, Special special) {
    const Descriptor* d = msg->GetDescriptor();
    const Reflection* r = msg->GetReflection();
    auto mismatch = [&] { return TypeError(v, d->name(), GoMessageName(d)); };
    switch (special) {
      case Special::kTime:
      case Special::kMicroTime: {
        if (v.is_null()) return Status();
        if (!v.is_string()) return mismatch();
        auto t = ParseRfc3339(v.get_ref<const std::string&>());
        if (!t.ok()) return Status(t.status()).Prefix(path_);
        r->SetInt64(msg, d->field(0), t->seconds);
        r->SetInt32(msg, d->field(1), special == Special::kTime ? 0 : t->nanos / 1000 * 1000);
        return Status();
      }
      case Special::kDuration: {
        if (!v.is_string()) return mismatch();
        auto n = ParseGoDuration(v.get_ref<const std::string&>());
        if (!n.ok()) return Status(n.status()).Prefix(path_);
        r->SetInt64(msg, d->field(0), *n);
        return Status();
      }
      case Special::kQuantity: {
        std::string text;
        if (v.is_string()) {
          text = v.get<std::string>();
        } else if (v.is_number()) {
          text = v.dump();
        } else {
          return mismatch();
        }
        auto q = Quantity::Parse(text);
        if (!q.ok()) return Status(q.status()).Prefix(path_);
        r->SetString(msg, d->field(0), q->ToString());
        return Status();
      }
      case Special::kIntOrString:
        if (v.is_string()) {
          r->SetInt64(msg, d->field(0), 1);
          r->SetString(msg, d->field(2), v.get<std::string>());
        } else if (v.is_number_integer() && v.get<int64_t>() >= INT32_MIN &&
                   v.get<int64_t>() <= INT32_MAX) {
          r->SetInt64(msg, d->field(0), 0);
          r->SetInt32(msg, d->field(1), v.get<int32_t>());
        } else {
          return mismatch();
        }
        return Status();
      case Special::kStringList:
        if (!v.is_array()) return mismatch();
        for (const auto& item : v) {
          if (!item.is_string()) return mismatch();
          r->AddString(msg, d->field(0), item.get<std::string>());
        }
        return Status();
      case Special::kRaw: {
        std::string raw;
        AppendValue(&raw, v);
        r->SetString(msg, d->field(0), std::move(raw));
        return Status();
      }
      case Special::kNone:
        break;
    }
    return Object(v, msg, false);
  }

  DecodeReport* report_;
  std::string path_;
};

}  // namespace

Status DecodeValue(const Json& doc, Message* msg, DecodeReport* report) {
  msg->Clear();
  DecodeReport scratch;
  Decoder decoder(report ? report : &scratch);
  return decoder.Object(doc, msg, /*top_level=*/true);
}

Status Decode(std::string_view json, Message* msg, DecodeReport* report) {
  auto doc = Parse(json);
  if (!doc.ok()) return doc.take_status();
  return DecodeValue(*doc, msg, report);
}

}  // namespace pk::json
