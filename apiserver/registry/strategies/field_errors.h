// Kubernetes' field.Error constructors (k8s.io/apimachinery/pkg/util/validation/field) as
// StatusCauses, filled as errors.NewInvalid fills them: `field` is the path, `message` is
// ErrorBody() ("Required value", `Invalid value: "x": <detail>`), `reason` the cause type.
// Internal to strategies/.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "apiserver/registry/strategy.h"

namespace pk::registry {

// How a bad value prints in ErrorBody: Go's %q for strings, %v for numbers and booleans, the
// already formatted text otherwise (%#v of maps and structs).
struct BadValue {
  std::string text;
  static BadValue String(std::string_view s);
  static BadValue Int(int64_t v);
  static BadValue Bool(bool v);
  static BadValue Raw(std::string text) { return BadValue{std::move(text)}; }
  static BadValue Null() { return BadValue{"null"}; }
};

StatusCause Required(std::string_view path, std::string_view detail = "");
StatusCause Invalid(std::string_view path, const BadValue& value, std::string_view detail);
StatusCause Duplicate(std::string_view path, const BadValue& value);
StatusCause Forbidden(std::string_view path, std::string_view detail);
StatusCause NotFound(std::string_view path, const BadValue& value);
StatusCause TooLong(std::string_view path, int64_t max_bytes);
// field.NotSupported: `Unsupported value: "x": supported values: "a", "b"`.
StatusCause NotSupported(std::string_view path, const BadValue& value,
                         const std::vector<std::string>& supported);
// apimachineryvalidation.ValidateImmutableField's error: `Invalid value: <v>: field is
// immutable`.
StatusCause Immutable(std::string_view path, const BadValue& value);

// Appends Invalid(path, value, msg) for every message of a format check.
void AddInvalid(Causes* causes, std::string_view path, const BadValue& value,
                const std::vector<std::string>& messages);
void Append(Causes* causes, Causes more);

// "spec.containers" + 0 -> "spec.containers[0]"; "data" + "k" -> "data[k]".
std::string Index(std::string_view path, size_t i);
std::string Key(std::string_view path, std::string_view key);

// Go's %#v of a map[string]string: `map[string]string{"a":"b"}` (keys sorted), or
// `map[string]string(nil)` when empty, as Kubernetes' nil maps print.
template <class MapT>
std::string GoStringMap(const MapT& map) {
  if (map.empty()) return "map[string]string(nil)";
  std::map<std::string, std::string> sorted(map.begin(), map.end());
  std::string out = "map[string]string{";
  bool first = true;
  for (const auto& [k, v] : sorted) {
    if (!first) out += ", ";
    first = false;
    out += BadValue::String(k).text + ":" + BadValue::String(v).text;
  }
  return out + "}";
}

// ValidateNonnegativeField: `Invalid value: -1: must be greater than or equal to 0`.
void ValidateNonnegative(Causes* causes, std::string_view path, int64_t value);

// Deterministic protobuf bytes, for "did this part change" comparisons (maps in key order).
std::string DeterministicBytes(const google::protobuf::Message& message);
bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b);

}  // namespace pk::registry
