// Resolution of plain YAML scalars by YAML 1.2's core schema.
#include "apimachinery/yaml_scalars.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace pk::yaml_internal {
namespace {

using Json = nlohmann::ordered_json;

bool AllOf(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return true;
}

bool IsDecimal(char c) { return c >= '0' && c <= '9'; }
bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return IsDecimal(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// An integer in `base` from its digits (no sign): int64 when it fits, else uint64, else none.
std::optional<Json> ParseInteger(std::string_view digits, int base, bool negative) {
  const std::string text(digits);
  errno = 0;
  char* end = nullptr;
  const unsigned long long magnitude = std::strtoull(text.c_str(), &end, base);
  if (errno == ERANGE || end != text.c_str() + text.size()) return std::nullopt;
  constexpr auto kMax = static_cast<unsigned long long>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (magnitude > kMax + 1) return std::nullopt;
    return Json(static_cast<int64_t>(0 - magnitude));
  }
  if (magnitude <= kMax) return Json(static_cast<int64_t>(magnitude));
  return Json(static_cast<uint64_t>(magnitude));
}

// Core schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+ (signs allowed as Go does), and
// YAML 1.1's 0[0-7]+ octal.
std::optional<Json> ResolveInteger(std::string_view s) {
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' && AllOf(s.substr(2), IsOctal)) {
    return ParseInteger(s.substr(2), 8, negative);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && AllOf(s.substr(2), IsHex)) {
    return ParseInteger(s.substr(2), 16, negative);
  }
  if (!AllOf(s, IsDecimal)) return std::nullopt;
  if (s.size() > 1 && s[0] == '0' && AllOf(s, IsOctal)) return ParseInteger(s, 8, negative);
  return ParseInteger(s, 10, negative);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool MatchesCoreFloat(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  const size_t int_start = i;
  while (i < s.size() && IsDecimal(s[i])) ++i;
  const bool int_digits = i > int_start;
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && IsDecimal(s[i]); ++i) ++frac_digits;
  }
  if (!int_digits && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    const size_t exp_start = i;
    while (i < s.size() && IsDecimal(s[i])) ++i;
    if (i == exp_start) return false;
  }
  return i == s.size();
}

// A float; an integral one small enough to be exact becomes an integer, the number Go's YAML
// to JSON conversion writes for it ("3.0" and "1e3" reach the decoder as 3 and 1000).
Json FloatJson(double value) {
  constexpr double kExactLimit = 9007199254740992.0;  // 2^53
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) <= kExactLimit) {
    return Json(static_cast<int64_t>(value));
  }
  return Json(value);
}

std::optional<Json> ResolveFloat(std::string_view s) {
  const double inf = std::numeric_limits<double>::infinity();
  for (std::string_view form : {".inf", ".Inf", ".INF"}) {
    if (s == form || (s.size() == 5 && s[0] == '+' && s.substr(1) == form)) return Json(inf);
    if (s.size() == 5 && s[0] == '-' && s.substr(1) == form) return Json(-inf);
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    return Json(std::numeric_limits<double>::quiet_NaN());
  }
  if (!MatchesCoreFloat(s)) return std::nullopt;
  // Out of range ("1e400"): Go's strconv.ParseFloat fails, so the scalar stays a string.
  double value = std::strtod(std::string(s).c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  return FloatJson(value);
}

}  // namespace

Json ResolvePlain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::optional<Json> integer = ResolveInteger(s)) return *std::move(integer);
  if (std::optional<Json> number = ResolveFloat(s)) return *std::move(number);
  return s;
}

}  // namespace pk::yaml_internal
