// Helpers of the printer tests: decode documents into messages and look printers up by name.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "apimachinery/codec.h"
#include "apimachinery/scheme.h"
#include "apimachinery/time.h"
#include "apimachinery/yaml.h"
#include "apiserver/printers/printers.h"

namespace pk::printers::testing {

// Decodes a Kubernetes JSON document (kind and apiVersion allowed) into a T.
template <class T>
T Decode(std::string_view json_text) {
  T msg;
  json::DecodeReport report;
  Status status = json::Decode(json_text, &msg, &report);
  REQUIRE_MESSAGE(status.ok(), status.ToString());
  CHECK_MESSAGE(report.unknown_fields.empty(), "unknown field " << report.unknown_fields[0]);
  return msg;
}

// Decodes the single document of a YAML text.
template <class T>
T DecodeYaml(std::string_view yaml_text) {
  auto docs = YamlToJsonDocuments(yaml_text);
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  return Decode<T>((*docs)[0].dump());
}

inline int64_t Unix(std::string_view rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return t->seconds;
}

inline const Printer& For(std::string_view group, std::string_view resource) {
  const ResourceType* type = Scheme::Builtin().FindResource(group, resource);
  REQUIRE_MESSAGE(type != nullptr, resource);
  return PrinterFor(*type);
}

// The cells as one JSON array, to compare with an expected `[...]` literal: strings stay
// strings and integers integers, as they go on the wire.
inline nlohmann::ordered_json CellsOf(const Printer& printer,
                                      const google::protobuf::Message& object, int64_t now) {
  std::vector<nlohmann::ordered_json> cells = printer.Cells(object, now);
  CHECK(cells.size() == printer.Columns().size());
  return nlohmann::ordered_json(cells);
}

inline nlohmann::ordered_json Json(std::string_view text) {
  return nlohmann::ordered_json::parse(text);
}

// "Name,Ready,Status|IP,Node": the priority-0 names, then after "|" the wide ones.
inline std::string ColumnNames(const Printer& printer) {
  std::string normal;
  std::string wide;
  for (const Column& c : printer.Columns()) {
    std::string& out = c.priority == 0 ? normal : wide;
    if (!out.empty()) out += ",";
    out += c.name;
  }
  return wide.empty() ? normal : normal + "|" + wide;
}

}  // namespace pk::printers::testing
