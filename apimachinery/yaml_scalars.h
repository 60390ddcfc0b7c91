// Internal to yaml.cc: how a YAML scalar becomes a JSON value.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pk::yaml_internal {

// The core schema's resolution of a plain scalar (plus YAML 1.1's leading-zero octal, which
// manifests rely on for file modes such as `defaultMode: 0644`): null, booleans, integers,
// floats, else the string itself.
nlohmann::ordered_json ResolvePlain(const std::string& text);

}  // namespace pk::yaml_internal
