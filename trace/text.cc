#include "trace/text.h"

namespace pk::trace::text {
namespace {

// Length of the valid UTF-8 sequence at `s` (1-4), or 0 when it is not one.
size_t SequenceLength(std::string_view s) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not valid either.
  if (n == 2 && c < 0xC2) return 0;
  if (n == 3 && c == 0xE0 && byte(1) < 0xA0) return 0;
  if (n == 3 && c == 0xED && byte(1) >= 0xA0) return 0;
  if (n == 4 && c == 0xF0 && byte(1) < 0x90) return 0;
  if (n == 4 && (c > 0xF4 || (c == 0xF4 && byte(1) >= 0x90))) return 0;
  return n;
}

}  // namespace

std::string Clean(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    size_t n = SequenceLength(in.substr(i));
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (n == 1 && (c < 0x20 || c == 0x7F)) {
      out += ' ';
    } else {
      out.append(in.substr(i, n));
    }
    i += n;
  }
  return out;
}

size_t Width(const std::string& clean) {
  size_t n = 0;
  for (char c : clean) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Truncate(const std::string& clean, size_t max) {
  if (Width(clean) <= max) return clean;
  size_t keep = max > 3 ? max - 3 : 0, seen = 0, i = 0;
  for (; i < clean.size(); ++i) {
    if ((static_cast<unsigned char>(clean[i]) & 0xC0) != 0x80 && seen++ == keep) break;
  }
  return clean.substr(0, i) + "...";
}

std::string Xml(std::string_view clean) {
  std::string out;
  out.reserve(clean.size());
  for (char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace pk::trace::text
