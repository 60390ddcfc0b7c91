// Store keys: building them, taking them apart, and the key ranges that lists and watches
// cover. Keys are "/registry/RESOURCE/NAMESPACE/NAME" or "/registry/RESOURCE/NAME".
#pragma once

#include <string>
#include <string_view>

#include "apimachinery/status.h"

namespace pk::storage {

inline constexpr std::string_view kKeyRoot = "/registry/";

// The parts of an object key. Views into the key they were parsed from.
struct KeyParts {
  std::string_view resource;  // "pods"
  std::string_view name;      // the last segment: the object's name
};

// BadRequest unless `key` is "/registry/RESOURCE/[NAMESPACE/]NAME" with non-empty segments.
Result<KeyParts> ParseKey(std::string_view key);

// The RESOURCE segment of a key or of a prefix; empty when the prefix does not name one whole
// resource ("/registry/" or "/registry/po").
std::string_view ResourceOf(std::string_view key_or_prefix);

// Whether `key` is covered by a list/watch `prefix`: a prefix ending in '/' covers every key
// under it; any other prefix is one object's key and covers exactly that key.
inline bool KeyInRange(std::string_view key, std::string_view prefix) {
  if (prefix.empty() || prefix.back() == '/') return key.starts_with(prefix);
  return key == prefix;
}

}  // namespace pk::storage
