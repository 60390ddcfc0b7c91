#include "apiserver/patch/errors.h"

#include <string>

namespace pk::patch {

Status UnprocessableGeneric() {
  return Status(Reason::kInvalid, "the server rejected our request due to an error in our request",
                422);
}

Status GoError(std::string message) { return Status(Reason::kUnknown, std::move(message), 500); }

std::string GoJsonSyntaxError(std::string_view text) {
  size_t i = text.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return "unexpected end of JSON input";
  // Approximates the first bad byte: nlohmann does not expose Go's scanner states.
  try {
    Json unused = Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    size_t at = e.byte == 0 ? 0 : e.byte - 1;
    if (at >= text.size()) return "unexpected end of JSON input";
    std::string message = "invalid character '";
    message += text[at];
    message += "' looking for beginning of value";
    return message;
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond float64 (1e999): nlohmann names it in quotes, Go's decoder refuses it.
    std::string what = e.what();
    size_t open = what.find('\''), close = what.rfind('\'');
    std::string number = open < close ? what.substr(open + 1, close - open - 1) : "";
    return "json: cannot unmarshal number " + number + " into Go value of type float64";
  }
  return "unexpected end of JSON input";
}

std::string GoJsonTypeName(const Json& value) {
  if (value.is_object()) return "object";
  if (value.is_array()) return "array";
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  if (value.is_number()) return "number";
  return "null";
}

std::string GoValueString(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "<nil>";
  if (value.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ' ';
      out += GoValueString(value[i]);
    }
    return out + "]";
  }
  if (value.is_object()) {          // Go prints maps with sorted keys
    nlohmann::json sorted = value;  // std::map keys: sorted
    std::string out = "map[";
    bool first = true;
    for (auto& [k, v] : sorted.items()) {
      if (!first) out += ' ';
      out += k;
      out += ':';
      out += GoValueString(Json(v));
      first = false;
    }
    return out + "]";
  }
  return value.dump();
}

}  // namespace pk::patch
