// YAML manifests to JSON documents (what kubectl does before it sends a manifest).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"

namespace pk {

// Splits a multi-document YAML stream ("---" separated) into JSON documents, skipping empty
// documents. Plain scalars resolve as YAML 1.2's core schema does (null, true/false, integers,
// floats); quoted, block and !!str scalars stay strings; key order is kept. Beyond the core
// schema, as kubectl reads manifests: "0644" is octal (420), an integral float ("3.0", "1e3")
// becomes an integer, map keys become strings ("1", "true", "null"), and merge keys ("<<")
// and aliases are expanded. A JSON document is valid YAML, so JSON input works too. Errors are
// BadRequest: "yaml: line 3: column 5: illegal map value".
Result<std::vector<nlohmann::ordered_json>> YamlToJsonDocuments(std::string_view yaml);

// One JSON value as a YAML document (block style, keys in the JSON's order, strings quoted
// where YAML would read them as something else), as `?` Accept: application/yaml answers.
std::string JsonToYaml(const nlohmann::ordered_json& value);

}  // namespace pk
