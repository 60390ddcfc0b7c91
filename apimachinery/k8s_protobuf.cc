// Transcodes Kubernetes' protobuf encoding into our messages: a walk over the wire format that
// renumbers each field through k8s_protobuf_index.h, then one parse into our message. Every
// read is bounds-checked by Reader: the body is untrusted.
#include "apimachinery/k8s_protobuf.h"

#include <fmt/format.h>

#include "apimachinery/k8s_protobuf_index.h"
#include "apimachinery/quantity.h"
#include "apimachinery/scheme.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using k8s_protobuf::Index;
using k8s_protobuf::Resolved;
using k8s_protobuf::Target;

constexpr std::string_view kMagic{"k8s\0", 4};
constexpr int kMaxDepth = 64;  // below protobuf's own parse limit of 100
enum WireType { kVarint = 0, kFixed64 = 1, kDelimited = 2, kFixed32 = 5 };

Status Malformed(std::string_view what) {
  return Status::BadRequest(fmt::format("malformed Kubernetes protobuf body: {}", what));
}

// Reads protobuf wire values from a byte range; every read fails rather than overrun it.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool done() const { return data_.empty(); }

  bool Varint(uint64_t* value) {
    uint64_t v = 0;
    for (int i = 0; i < 10 && i < static_cast<int>(data_.size()); ++i) {
      const auto byte = static_cast<uint8_t>(data_[i]);
      v |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        data_.remove_prefix(i + 1);
        *value = v;
        return true;
      }
    }
    return false;  // truncated, or longer than 10 bytes
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (n > data_.size()) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool Delimited(std::string_view* out) {
    uint64_t n = 0;
    return Varint(&n) && Bytes(n, out);
  }
  // The tag of the next field; false on a malformed tag or field number 0.
  bool Tag(uint32_t* number, int* wire) {
    uint64_t tag = 0;
    if (!Varint(&tag) || tag > UINT32_MAX || (tag >> 3) == 0) return false;
    *number = static_cast<uint32_t>(tag >> 3);
    *wire = static_cast<int>(tag & 7);
    return true;
  }
  // Reads the value of a field of wire type `wire` (groups are not supported: Kubernetes
  // never writes them).
  bool Value(int wire, std::string_view* raw) {
    const std::string_view before = data_;
    uint64_t ignored = 0;
    bool ok = false;
    switch (wire) {
      case kVarint:
        ok = Varint(&ignored);
        break;
      case kFixed64:
        ok = Bytes(8, raw);
        break;
      case kDelimited:
        ok = Delimited(raw);
        break;
      case kFixed32:
        ok = Bytes(4, raw);
        break;
      default:
        return false;
    }
    if (ok && wire == kVarint) *raw = before.substr(0, before.size() - data_.size());
    return ok;
  }

 private:
  std::string_view data_;
};

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendTag(std::string* out, uint32_t number, int wire) {
  AppendVarint(out, (static_cast<uint64_t>(number) << 3) | static_cast<uint64_t>(wire));
}

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF), as proto3 requires of string fields. Checked here so that bad bytes are a
// BadRequest naming the field, not a parse failure that libprotobuf also logs.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    int n = 0;
    uint32_t cp = 0, min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else
      return false;
    if (s.size() - i <= static_cast<size_t>(n)) return false;
    for (int k = 1; k <= n; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// Kubernetes writes a zero metav1.Time/MicroTime as an empty message (Go's Marshal of the zero
// time is nil); our codec takes a present Time as set, so such a field is left unset.
bool IsZeroTime(const FieldDescriptor* f, std::string_view value) {
  if (!value.empty() || f->type() != FieldDescriptor::TYPE_MESSAGE) return false;
  const auto& name = f->message_type()->full_name();
  return name == "k8s.meta.v1.Time" || name == "k8s.meta.v1.MicroTime";
}

int WireTypeOf(const FieldDescriptor* f) {
  switch (f->type()) {
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
      return kDelimited;
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_DOUBLE:
      return kFixed64;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_FLOAT:
      return kFixed32;
    default:
      return kVarint;
  }
}

// Rewrites the fields of one Kubernetes message as the fields of our message `table->type`.
class Transcoder {
 public:
  explicit Transcoder(std::vector<std::string>* unknown) : unknown_(unknown) {}

  Status Message(std::string_view in, const Resolved& table, std::string* out, int depth) {
    if (depth > kMaxDepth) return Malformed("objects nested too deeply");
    Reader reader(in);
    while (!reader.done()) {
      uint32_t number = 0;
      int wire = 0;
      std::string_view value;
      if (!reader.Tag(&number, &wire) || !reader.Value(wire, &value))
        return Malformed(fmt::format("truncated or invalid field in {}", Name(table)));
      const Target* target = table.Find(number);
      if (target == nullptr) {
        if (unknown_ != nullptr)
          unknown_->push_back(fmt::format("{}: field {}", Name(table), number));
        continue;
      }
      Status status = target->inline_fields != nullptr
                          ? Inline(wire, value, *target->inline_fields, out, depth)
                          : Field(target->field, wire, value, out, depth);
      if (!status.ok()) return status;
    }
    return Status::OK();
  }

 private:
  static std::string Name(const Resolved& table) { return std::string(table.type->full_name()); }

  // A Go embedded struct: its fields belong to the message being written.
  Status Inline(int wire, std::string_view value, const Resolved& fields, std::string* out,
                int depth) {
    if (wire != kDelimited)
      return Malformed(fmt::format("embedded message in {} is not length-delimited", Name(fields)));
    return Message(value, fields, out, depth + 1);
  }

  Status Field(const FieldDescriptor* f, int wire, std::string_view value, std::string* out,
               int depth) {
    const int expected = WireTypeOf(f);
    const bool packed = wire == kDelimited && f->is_packable();
    if (wire != expected && !packed)
      return Malformed(fmt::format("field {} of {} has wire type {}, expected {}", f->json_name(),
                                   f->containing_type()->full_name(), wire, expected));
    if (f->type() == FieldDescriptor::TYPE_STRING && !ValidUtf8(value))
      return Malformed(fmt::format("field {} of {} is not valid UTF-8", f->json_name(),
                                   f->containing_type()->full_name()));
    if (IsZeroTime(f, value) && !f->is_repeated()) return Status::OK();
    std::string canonical;
    if (f->containing_type()->full_name() == "k8s.resource.Quantity") {
      // Go's Quantity.Unmarshal parses the text: a bad one fails the body, as in JSON.
      auto q = Quantity::Parse(value);
      if (!q.ok()) return q.take_status();
      canonical = q->ToString();
      value = canonical;
    }
    AppendTag(out, static_cast<uint32_t>(f->number()), wire);
    if (wire != kDelimited) {
      out->append(value);
      return Status::OK();
    }
    if (f->type() != FieldDescriptor::TYPE_MESSAGE) {
      AppendVarint(out, value.size());
      out->append(value);
      return Status::OK();
    }
    const Resolved* sub = Index::Get().For(f->message_type());
    if (sub == nullptr)
      return Status::UnsupportedMediaType(fmt::format(
          "the Kubernetes protobuf encoding of {} (field {} of {}) is not supported by this "
          "server; send application/json",
          f->message_type()->full_name(), f->json_name(), f->containing_type()->full_name()));
    std::string nested;
    Status status = Message(value, *sub, &nested, depth + 1);
    if (!status.ok()) return status;
    AppendVarint(out, nested.size());
    out->append(nested);
    return Status::OK();
  }

  std::vector<std::string>* unknown_;
};

// The runtime.Unknown envelope.
struct Envelope {
  std::string api_version;
  std::string kind;
  std::string_view raw;
  std::string content_encoding;
  std::string content_type;
};

Status ParseTypeMeta(std::string_view in, Envelope* env) {
  Reader reader(in);
  while (!reader.done()) {
    uint32_t number = 0;
    int wire = 0;
    std::string_view value;
    if (!reader.Tag(&number, &wire) || !reader.Value(wire, &value))
      return Malformed("truncated or invalid typeMeta");
    if (wire != kDelimited) continue;
    if (number == 1) env->api_version = value;
    if (number == 2) env->kind = value;
  }
  return Status::OK();
}

Status ParseEnvelope(std::string_view body, Envelope* env) {
  if (body.substr(0, kMagic.size()) != kMagic)
    return Malformed("it does not start with the prefix \"k8s\\x00\"");
  Reader reader(body.substr(kMagic.size()));
  while (!reader.done()) {
    uint32_t number = 0;
    int wire = 0;
    std::string_view value;
    if (!reader.Tag(&number, &wire) || !reader.Value(wire, &value))
      return Malformed("truncated or invalid runtime.Unknown envelope");
    if (wire != kDelimited) continue;  // no such field in runtime.Unknown: skip it
    switch (number) {
      case 1: {
        Status status = ParseTypeMeta(value, env);
        if (!status.ok()) return status;
        break;
      }
      case 2:
        env->raw = value;
        break;
      case 3:
        env->content_encoding = value;
        break;
      case 4:
        env->content_type = value;
        break;
      default:
        break;
    }
  }
  if (env->kind.empty() || env->api_version.empty())
    return Malformed("the envelope names no kind or apiVersion");
  return Status::OK();
}

// Kinds that are not resources but that every group version carries (metav1's
// AddToGroupVersion): kubectl drain sends DeleteOptions as protobuf in the pods' version.
const google::protobuf::Message* OptionsPrototype(const std::string& kind) {
  if (kind == "DeleteOptions") return &k8s::meta::v1::DeleteOptions::default_instance();
  return nullptr;
}

}  // namespace

Result<std::unique_ptr<google::protobuf::Message>> DecodeKubernetesProtobuf(
    std::string_view body, GroupVersionKind* kind_out, std::vector<std::string>* unknown_fields) {
  Envelope env;
  Status status = ParseEnvelope(body, &env);
  if (!status.ok()) return status;
  GroupVersionKind kind;
  kind.kind = env.kind;
  SplitApiVersion(env.api_version, &kind.group, &kind.version);
  if (kind_out != nullptr) *kind_out = kind;
  if (!env.content_encoding.empty())
    return Status::UnsupportedMediaType(
        fmt::format("protobuf contentEncoding \"{}\" is not supported", env.content_encoding));
  if (!env.content_type.empty() && env.content_type != kKubernetesProtobufContentType)
    return Status::UnsupportedMediaType(
        fmt::format("protobuf envelope of contentType \"{}\" is not supported", env.content_type));
  // Resources, the scheme's other kinds (a TokenRequest), or options in any group version.
  const google::protobuf::Message* prototype = Scheme::Builtin().PrototypeOf(kind);
  if (prototype == nullptr) prototype = OptionsPrototype(kind.kind);
  if (prototype == nullptr)
    return Status::BadRequest(fmt::format("no kind \"{}\" is registered for version \"{}\"",
                                          kind.kind, kind.api_version()));
  const Resolved* table = Index::Get().For(prototype->GetDescriptor());
  if (table == nullptr)
    return Status::UnsupportedMediaType(
        fmt::format("the Kubernetes protobuf encoding of {} is not supported by this server; send "
                    "application/json",
                    kind.kind));
  std::string ours;
  status = Transcoder(unknown_fields).Message(env.raw, *table, &ours, 0);
  if (!status.ok()) return status;
  std::unique_ptr<google::protobuf::Message> object(prototype->New());
  if (!object->ParseFromString(ours))
    return Malformed(
        fmt::format("it does not decode as {} (invalid UTF-8 in a string?)", kind.kind));
  return object;
}

}  // namespace pk
