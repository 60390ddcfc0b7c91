// JSON text with Go's conventions: string escaping, raw values, indentation, parsing.
#include <charconv>
#include <cmath>

#include "apimachinery/codec.h"

namespace pk::json {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not valid.
size_t Utf8Length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0;
  }
  return n;
}

void AppendNumber(std::string* out, const nlohmann::ordered_json& v) {
  char buf[32];
  std::to_chars_result r;
  if (v.is_number_unsigned()) {
    r = std::to_chars(buf, buf + sizeof buf, v.get<uint64_t>());
  } else if (v.is_number_integer()) {
    r = std::to_chars(buf, buf + sizeof buf, v.get<int64_t>());
  } else {
    double d = v.get<double>();
    if (!std::isfinite(d)) {
      out->append("null");
      return;
    }
    r = std::to_chars(buf, buf + sizeof buf, d);
  }
  out->append(buf, r.ptr);
}

void AppendNewline(std::string* out, int depth) {
  out->push_back('\n');
  out->append(static_cast<size_t>(depth) * 2, ' ');
}

}  // namespace

void AppendString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
        ++i;
        continue;
      }
      out->append(s.substr(start, i - start));
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        default:
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xF]);
      }
      start = ++i;
      continue;
    }
    size_t n = Utf8Length(s, i);
    if (n == 0) {  // invalid UTF-8 becomes U+FFFD, as Go writes it
      out->append(s.substr(start, i - start));
      out->append("\\ufffd");
      start = ++i;
      continue;
    }
    // U+2028 and U+2029 (E2 80 A8/A9) are escaped so the output is safe in JavaScript.
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      out->append(s.substr(start, i - start));
      out->append(static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      start = i + n;
    }
    i += n;
  }
  out->append(s.substr(start));
  out->push_back('"');
}

void AppendValue(std::string* out, const nlohmann::ordered_json& v) {
  switch (v.type()) {
    case nlohmann::ordered_json::value_t::null:
    case nlohmann::ordered_json::value_t::discarded:
      out->append("null");
      return;
    case nlohmann::ordered_json::value_t::boolean:
      out->append(v.get<bool>() ? "true" : "false");
      return;
    case nlohmann::ordered_json::value_t::string:
      AppendString(out, v.get_ref<const std::string&>());
      return;
    case nlohmann::ordered_json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->push_back(',');
        first = false;
        AppendValue(out, e);
      }
      out->push_back(']');
      return;
    }
    case nlohmann::ordered_json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, e] : v.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendString(out, key);
        out->push_back(':');
        AppendValue(out, e);
      }
      out->push_back('}');
      return;
    }
    case nlohmann::ordered_json::value_t::binary:
      out->append("null");
      return;
    default:
      AppendNumber(out, v);
  }
}

std::string Indent(std::string_view in) {
  std::string out;
  out.reserve(in.size() * 2);
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < in.size()) {
        out.push_back(in[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out.push_back(c);
        break;
      case '{':
      case '[':
        out.push_back(c);
        if (i + 1 < in.size() && (in[i + 1] == '}' || in[i + 1] == ']')) {
          out.push_back(in[++i]);  // empty: Go keeps "{}" and "[]" on one line
        } else {
          AppendNewline(&out, ++depth);
        }
        break;
      case '}':
      case ']':
        AppendNewline(&out, --depth);
        out.push_back(c);
        break;
      case ',':
        out.push_back(c);
        AppendNewline(&out, depth);
        break;
      case ':':
        out.append(": ");
        break;
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

Status CheckDepth(std::string_view json) {
  constexpr int kMaxDepth = 10000;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) {
        return Status::BadRequest("invalid JSON: exceeded max depth of 10000");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return Status();
}

Result<nlohmann::ordered_json> Parse(std::string_view json) {
  PK_RETURN_IF_ERROR(CheckDepth(json));
  auto doc = nlohmann::ordered_json::parse(json.begin(), json.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    // Re-parse with exceptions only to learn where the syntax breaks.
    try {
      auto unreachable = nlohmann::ordered_json::parse(json.begin(), json.end());
      (void)unreachable;
    } catch (const nlohmann::json::exception& e) {
      // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error..."
      std::string what = e.what();
      auto pos = what.find("] ");
      return Status::BadRequest("invalid JSON: " +
                                (pos == std::string::npos ? what : what.substr(pos + 2)));
    }
    return Status::BadRequest("invalid JSON");
  }
  return doc;
}

}  // namespace pk::json
