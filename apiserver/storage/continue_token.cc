#include "apiserver/storage/continue_token.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace pk::storage {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kTokenVersion = "meta.k8s.io/v1";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// A JSON string as Go's encoding/json writes it (HTML-safe escapes included), so our tokens
// are byte-identical to the apiserver's.
void AppendGoJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\r') {
      out->append("\\r");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out->append(fmt::format("\\u{:04x}", c));
    } else if (c == 0xe2 && i + 2 < s.size() && s[i + 1] == '\x80' &&
               (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
      out->append(s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029");  // Go escapes LS and PS
      i += 2;
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

// Go's path.Clean(p) == p for a rooted path: no empty, "." or ".." segment, no trailing '/'.
bool IsCleanRootedPath(std::string_view p) {
  if (p == "/") return true;
  if (p.empty() || p.front() != '/' || p.back() == '/') return false;
  size_t pos = 1;
  while (pos <= p.size()) {
    size_t end = p.find('/', pos);
    if (end == std::string_view::npos) end = p.size();
    std::string_view segment = p.substr(pos, end - pos);
    if (segment.empty() || segment == "." || segment == "..") return false;
    pos = end + 1;
  }
  return true;
}

Status Invalid(std::string_view why) {
  return Status::BadRequest(fmt::format("invalid continue token: continue key is not valid{}{}",
                                        why.empty() ? "" : ": ", why));
}

}  // namespace

std::string Base64RawUrlEncode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(kAlphabet[(n >> 6) & 63]);
  }
  return out;
}

bool Base64RawUrlDecode(std::string_view text, std::string* out) {
  out->clear();
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : text) {
    if (c == '\r' || c == '\n') continue;  // Go's decoder skips line breaks
    int v = DecodeChar(c);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out->push_back(static_cast<char>((bits >> nbits) & 0xff));
    }
  }
  // A lone trailing character (6 bits) cannot encode a byte; leftover bits must be zero.
  return nbits < 6 && (bits & ((1u << nbits) - 1)) == 0;
}

std::string EncodeContinueToken(std::string_view next_key, std::string_view prefix,
                                int64_t revision) {
  std::string_view start = next_key.substr(std::min(prefix.size(), next_key.size()));
  std::string json = "{\"v\":\"meta.k8s.io/v1\",\"rv\":";
  json += std::to_string(revision);
  json += ",\"start\":";
  AppendGoJsonString(&json, start);
  json += "}";
  return Base64RawUrlEncode(json);
}

Result<ContinuePoint> DecodeContinueToken(std::string_view token, std::string_view prefix) {
  std::string data;
  if (!Base64RawUrlDecode(token, &data)) return Invalid("illegal base64 data");
  nlohmann::json doc = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Invalid("not a JSON object");
  auto field = [&doc](const char* name) -> const nlohmann::json* {
    auto it = doc.find(name);
    return it == doc.end() || it->is_null() ? nullptr : &*it;
  };
  const nlohmann::json* v = field("v");
  const nlohmann::json* rv = field("rv");
  const nlohmann::json* start = field("start");
  if ((v && !v->is_string()) || (rv && !rv->is_number_integer()) ||
      (start && !start->is_string())) {
    return Invalid("a field has the wrong type");
  }
  std::string version = v ? v->get<std::string>() : "";
  if (version != kTokenVersion) {
    return Invalid(fmt::format("server does not recognize this encoded version \"{}\"", version));
  }
  ContinuePoint point;
  point.revision = rv ? rv->get<int64_t>() : 0;
  if (point.revision <= 0) {
    return Invalid("incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  }
  std::string key = start ? start->get<std::string>() : "";
  if (key.empty()) return Invalid("encoded start key empty (version meta.k8s.io/v1)");
  if (key.front() != '/') key.insert(key.begin(), '/');
  if (!IsCleanRootedPath(key)) return Invalid(start->get<std::string>());
  point.start_key = std::string(prefix) + key.substr(1);
  return point;
}

}  // namespace pk::storage
