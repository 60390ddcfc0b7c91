// JSON -> YAML with yaml-cpp's emitter. yaml-cpp quotes strings that would read back as
// another type ("true", "1", "null"), so a round trip keeps every value's type.
#include <yaml-cpp/yaml.h>

#include "apimachinery/yaml.h"

namespace pk {
namespace {

void Emit(YAML::Emitter& out, const nlohmann::ordered_json& v) {
  switch (v.type()) {
    case nlohmann::ordered_json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, value] : v.items()) {
        out << YAML::Key << key << YAML::Value;
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
      out << v.get_ref<const std::string&>();
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
