#include "apiserver/endpoints/negotiation.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace pk::apiserver {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(Trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

struct MediaType {
  std::string_view type;
  std::string_view as, group, version;
};

MediaType ParseMediaType(std::string_view text) {
  std::vector<std::string_view> parts = Split(text, ';');
  MediaType m{parts[0], {}, {}, {}};
  for (size_t i = 1; i < parts.size(); ++i) {
    size_t eq = parts[i].find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = Trim(parts[i].substr(0, eq)), value = Trim(parts[i].substr(eq + 1));
    if (key == "as") m.as = value;
    if (key == "g") m.group = value;
    if (key == "v") m.version = value;
  }
  return m;
}

// The output one media type asks for, or nullopt when the server cannot produce it.
std::optional<Output> Accepts(const MediaType& m) {
  Output out;
  if (m.type == "application/yaml") {
    out.format = Output::Format::kYaml;
  } else if (m.type != "application/json" && m.type != "*/*" && m.type != "application/*") {
    return std::nullopt;  // protobuf, CBOR, HTML...
  }
  if (m.as.empty()) return out;
  if (m.group != "meta.k8s.io" || (m.version != "v1" && m.version != "v1beta1")) {
    return std::nullopt;
  }
  if (m.as == "Table") {
    out.shape = Output::Shape::kTable;
  } else if (m.as == "PartialObjectMetadata" || m.as == "PartialObjectMetadataList") {
    out.shape = Output::Shape::kPartialMetadata;
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace

Result<Output> Negotiate(std::string_view accept) {
  if (Trim(accept).empty()) return Output{};
  for (std::string_view item : Split(accept, ',')) {
    if (item.empty()) continue;
    if (auto out = Accepts(ParseMediaType(item))) return *out;
  }
  return Status(Reason::kNotAcceptable,
                "only the following media types are accepted: application/json, "
                "application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io");
}

Result<Output::RowObject> ParseIncludeObject(std::string_view value) {
  if (value.empty() || value == "Metadata") return Output::RowObject::kMetadata;
  if (value == "Object") return Output::RowObject::kObject;
  if (value == "None") return Output::RowObject::kNone;
  return Status::BadRequest(fmt::format(
      "Invalid table options: includeObject: Invalid value: \"{}\": must be 'Metadata', "
      "'Object', 'None', or empty",
      value));
}

}  // namespace pk::apiserver
