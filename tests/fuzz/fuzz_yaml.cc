// YAML manifests (kubectl's -f files, apply-patch+yaml bodies): YamlToJsonDocuments turns any
// bytes into documents or an error, never a crash or a hang (yaml-cpp's own LoadAll can loop
// forever on some streams; a hang is a finding here through -timeout). Each document written
// back as YAML (JsonToYaml, the ?output=yaml form) reads back as the same JSON.
#include <string>

#include "apimachinery/codec.h"
#include "apimachinery/yaml.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  using pk::fuzz::Require;
  auto docs = pk::YamlToJsonDocuments(pk::fuzz::AsText(data, size));
  if (!docs.ok()) return 0;
  for (const auto& doc : *docs) {
    std::string json;
    pk::json::AppendValue(&json, doc);
    std::string yaml = pk::JsonToYaml(doc);
    auto back = pk::YamlToJsonDocuments(yaml);
    Require(back.ok(), "JsonToYaml reads back", back.ok() ? yaml : back.status().ToString(), json);
    Require(back->size() == 1, "JsonToYaml is one document", yaml, json);
    std::string again;
    pk::json::AppendValue(&again, (*back)[0]);
    Require(again == json, "JsonToYaml round-trips", again, json);
  }
  return 0;
}
