// JSON -> YAML with yaml-cpp's emitter. Strings that would read back as another type ("true",
// "null", and numbers such as "1", which Debian's yaml-cpp 0.7 leaves plain) or as a merge key
// are double-quoted, so a round trip keeps every value's type.
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "apimachinery/yaml.h"
#include "apimachinery/yaml_scalars.h"

namespace pk {
namespace {

// Writes `s` plain when YAMLToJSON reads it back as that string, double-quoted (control
// characters escaped) otherwise.
void EmitString(YAML::Emitter& out, const std::string& s) {
  const bool control = std::any_of(
      s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
  // yaml-cpp writes "--- x" and "... x" plain, which read back as document markers.
  const bool marker = s.starts_with("---") || s.starts_with("...");
  const bool plain = !control && !marker && s != "<<" && yaml_internal::ResolvePlain(s) == s;
  if (!plain) out << YAML::DoubleQuoted;
  out << s;
}

void Emit(YAML::Emitter& out, const nlohmann::ordered_json& v) {
  switch (v.type()) {
    case nlohmann::ordered_json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, value] : v.items()) {
        out << YAML::Key;
        EmitString(out, key);
        out << YAML::Value;
        Emit(out, value);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::ordered_json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : v) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::ordered_json::value_t::string:
      EmitString(out, v.get_ref<const std::string&>());
      break;
    case nlohmann::ordered_json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << v.dump();  // numbers and booleans as JSON writes them
      break;
  }
}

}  // namespace

std::string JsonToYaml(const nlohmann::ordered_json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::Block;
  Emit(out, value);
  std::string text = out.c_str();
  text += '\n';
  return text;
}

}  // namespace pk
