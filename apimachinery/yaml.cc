// YAML to JSON with yaml-cpp: documents split by the YAML parser, plain scalars resolved by
// YAML 1.2's core schema (plus YAML 1.1's leading-zero octal, which manifests rely on for file
// modes such as `defaultMode: 0644`), merge keys and aliases expanded.
#include "apimachinery/yaml.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace pk {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kBinaryTag = "tag:yaml.org,2002:binary";
constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";
// Nesting deeper than this is refused; it also stops alias cycles ("&a [*a]").
constexpr int kMaxDepth = 1000;

Status YamlError(const YAML::Mark& mark, std::string_view message) {
  if (mark.is_null()) return Status::BadRequest("yaml: " + std::string(message));
  return Status::BadRequest("yaml: line " + std::to_string(mark.line + 1) + ": column " +
                            std::to_string(mark.column + 1) + ": " + std::string(message));
}

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
  return FloatJson(std::strtod(std::string(s).c_str(), nullptr));
}

// The core schema's resolution of a plain scalar.
Json ResolvePlain(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::optional<Json> integer = ResolveInteger(s)) return *std::move(integer);
  if (std::optional<Json> number = ResolveFloat(s)) return *std::move(number);
  return s;
}

// A scalar by its tag: "!" marks a quoted or block scalar, which is always a string.
Result<Json> ConvertScalar(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == "!" || tag == kStrTag || tag == kBinaryTag) return Json(text);
  Json value = ResolvePlain(text);
  if (tag.starts_with(kCoreTagPrefix) && value.is_string()) {
    // !!int, !!float, !!bool, !!null on something that is not one.
    return YamlError(node.Mark(), "cannot decode !!str `" + text + "` as a !!" +
                                      tag.substr(kCoreTagPrefix.size()));
  }
  return value;
}

// A map key as the JSON object key Go writes for it ("1", "true", "null", or the text).
Result<std::string> KeyString(const YAML::Node& key) {
  if (key.IsNull()) return std::string("null");
  if (!key.IsScalar()) return YamlError(key.Mark(), "complex map keys are not supported");
  Result<Json> value = ConvertScalar(key);
  if (!value.ok()) return value.take_status();
  if (value->is_string()) return value->get<std::string>();
  return value->dump();
}

class Converter {
 public:
  explicit Converter(size_t budget) : budget_(budget) {}

  Result<Json> Convert(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth) {
      return YamlError(node.Mark(), "exceeded max depth of " + std::to_string(kMaxDepth));
    }
    // Aliases share nodes, so "billion laughs" documents expand without bound; Go refuses too.
    if (budget_ == 0)
      return YamlError(YAML::Mark::null_mark(), "document contains excessive aliasing");
    --budget_;
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        return ConvertScalar(node);
      case YAML::NodeType::Sequence:
        return ConvertSequence(node, depth);
      case YAML::NodeType::Map:
        return ConvertMap(node, depth);
      default:
        return Json(nullptr);
    }
  }

 private:
  Result<Json> ConvertSequence(const YAML::Node& node, int depth) {
    Json out = Json::array();
    for (const YAML::Node& item : node) {
      Result<Json> value = Convert(item, depth + 1);
      if (!value.ok()) return value;
      out.push_back(std::move(value).value());
    }
    return out;
  }

  Result<Json> ConvertMap(const YAML::Node& node, int depth) {
    Json out = Json::object();
    for (const auto& entry : node) {
      const bool merge =
          entry.first.IsScalar() && entry.first.Tag() == "?" && entry.first.Scalar() == "<<";
      if (merge) {
        PK_RETURN_IF_ERROR(Merge(entry.second, depth, &out));
        continue;
      }
      Result<std::string> key = KeyString(entry.first);
      if (!key.ok()) return key.take_status();
      Result<Json> value = Convert(entry.second, depth + 1);
      if (!value.ok()) return value;
      out[std::move(key).value()] = std::move(value).value();
    }
    return out;
  }

  // A merge key ("<<: *base" or "<<: [*a, *b]"): keys the map does not set yet are added.
  Status Merge(const YAML::Node& source, int depth, Json* out) {
    if (source.IsSequence()) {
      for (const YAML::Node& item : source) {
        if (!item.IsMap()) return MergeError(item);
        PK_RETURN_IF_ERROR(Merge(item, depth + 1, out));
      }
      return Status::OK();
    }
    if (!source.IsMap()) return MergeError(source);
    Result<Json> merged = Convert(source, depth + 1);
    if (!merged.ok()) return merged.take_status();
    for (auto& [key, value] : merged->items()) {
      if (!out->contains(key)) (*out)[key] = std::move(value);
    }
    return Status::OK();
  }

  static Status MergeError(const YAML::Node& node) {
    return YamlError(node.Mark(), "map merge requires map or sequence of maps as the value");
  }

  size_t budget_;
};

}  // namespace

Result<std::vector<nlohmann::ordered_json>> YamlToJsonDocuments(std::string_view yaml) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return YamlError(e.mark, e.msg);
  }
  Converter converter(100'000 + 10 * yaml.size());
  std::vector<Json> documents;
  for (const YAML::Node& node : nodes) {
    if (!node.IsDefined() || node.IsNull()) continue;  // empty documents ("---\n---")
    try {
      Result<Json> document = converter.Convert(node, 0);
      if (!document.ok()) return document.take_status();
      documents.push_back(std::move(document).value());
    } catch (const YAML::Exception& e) {
      return YamlError(e.mark, e.msg);
    }
  }
  return documents;
}

}  // namespace pk
