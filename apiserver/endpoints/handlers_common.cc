#include <fmt/format.h>

#include <charconv>

#include "apimachinery/codec.h"
#include "apimachinery/k8s_protobuf.h"
#include "apimachinery/object.h"
#include "apimachinery/time.h"
#include "apimachinery/yaml.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "apiserver/endpoints/managed_fields.h"
#include "apiserver/patch/patch.h"
#include "trace/request_trace.h"

namespace pk::apiserver::handlers {
namespace {

std::string CannotHandle(const GroupVersionKind& kind) {
  return fmt::format("{} in version \"{}\" cannot be handled as a {}: ", kind.kind, kind.version,
                     kind.kind);
}

// kubectl's typed commands (create namespace, configmap, secret...) send Kubernetes
// protobuf. The kind must be the resource's, as for JSON.
Result<std::unique_ptr<google::protobuf::Message>> DecodeProtobuf(const Request& request,
                                                                  const ResourceType& type) {
  GroupVersionKind kind;
  auto object = DecodeKubernetesProtobuf(request.body, &kind);
  if (!object.ok()) {
    if (object.status().reason() == Reason::kUnsupportedMediaType) return object.take_status();
    return Status::BadRequest(CannotHandle(type.kind) + object.status().message());
  }
  if (kind.kind != type.kind.kind || kind.group != type.kind.group ||
      kind.version != type.kind.version) {
    return Status::BadRequest(fmt::format("{}the object is a {} of {}", CannotHandle(type.kind),
                                          kind.kind, kind.api_version()));
  }
  return object;
}

// The gRPC face's object, which must be of the resource's message type.
Result<std::unique_ptr<google::protobuf::Message>> CopyTypedObject(
    const google::protobuf::Message& object, const ResourceType& type) {
  if (object.GetDescriptor() != type.prototype->GetDescriptor()) {
    return Status::BadRequest(fmt::format("{}the object is a {}", CannotHandle(type.kind),
                                          object.GetDescriptor()->full_name()));
  }
  std::unique_ptr<google::protobuf::Message> copy(object.New());
  copy->CopyFrom(object);
  return copy;
}

}  // namespace

std::string MediaTypeOf(const Request& request) {
  std::string type = request.Header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

Status ParseSelectors(const Request& request, LabelSelector* labels, FieldSelector* fields) {
  auto l = LabelSelector::Parse(request.QueryOr("labelSelector", ""));
  if (!l.ok()) return l.take_status();
  auto f = FieldSelector::Parse(request.QueryOr("fieldSelector", ""));
  if (!f.ok()) return f.take_status();
  *labels = std::move(l).value();
  *fields = std::move(f).value();
  return Status();
}

Result<int64_t> ParseInt64(std::string_view text, std::string_view what) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Status::BadRequest(fmt::format("invalid {}: \"{}\" is not an integer", what, text));
  }
  return value;
}

Response MethodNotAllowedResponse() {
  return ErrorResponse(
      Status::MethodNotAllowed("the server does not allow this method on the requested resource"));
}

Result<registry::WriteContext> WriteContextOf(Request& request) {
  registry::WriteContext ctx;
  ctx.ns = request.info.ns;
  ctx.user = request.user.name;
  ctx.uid = request.user.uid;
  ctx.groups = request.user.groups;
  ctx.warnings = &request.warnings;
  ctx.subresource = request.info.subresource;
  auto dry_run = request.Query("dryRun");
  if (dry_run && !dry_run->empty()) {
    if (*dry_run != "All") {
      return Status::BadRequest(
          fmt::format("dryRun: Unsupported value: \"{}\": supported values: \"All\"", *dry_run));
    }
    ctx.dry_run = true;
  }
  return ctx;
}

namespace {

// fieldValidation's value, checked.
Result<std::string> FieldValidation(const Request& request) {
  std::string validation = request.QueryOr("fieldValidation", "");
  if (validation.empty()) validation = "Warn";
  if (validation != "Strict" && validation != "Warn" && validation != "Ignore") {
    return Status::BadRequest(fmt::format(
        "fieldValidation: Unsupported value: \"{}\": supported values: \"Ignore\", \"Strict\", "
        "\"Warn\"",
        validation));
  }
  return validation;
}

// A decode's outcome under fieldValidation: its error as a 400 of the kind, unknown fields as
// an error (Strict) or warnings (Warn).
Result<std::unique_ptr<google::protobuf::Message>> Validated(
    Request& request, Result<std::unique_ptr<google::protobuf::Message>> object,
    const json::DecodeReport& report, const std::string& validation, const GroupVersionKind& kind) {
  if (!object.ok()) {
    Status s = object.take_status();
    return Status::BadRequest(CannotHandle(kind) + s.message());
  }
  if (report.unknown_fields.empty() || validation == "Ignore") return object;
  std::vector<std::string> unknown;
  for (const auto& field : report.unknown_fields) {
    unknown.push_back(fmt::format("unknown field \"{}\"", field));
  }
  if (validation == "Strict") {
    return Status::BadRequest(CannotHandle(kind) + "strict decoding error: " +
                              fmt::format("{}", fmt::join(unknown, ", ")));
  }
  for (auto& warning : unknown) request.warnings.push_back(std::move(warning));
  return object;
}

}  // namespace

Result<std::unique_ptr<google::protobuf::Message>> DecodeJson(Request& request,
                                                              const std::string& json,
                                                              const GroupVersionKind& kind) {
  auto validation = FieldValidation(request);
  if (!validation.ok()) return validation.take_status();
  auto doc = json::Parse(json);
  if (!doc.ok()) return Status::BadRequest(CannotHandle(kind) + doc.status().message());
  return DecodeDocument(request, *doc, kind);
}

Result<std::unique_ptr<google::protobuf::Message>> DecodeDocument(Request& request,
                                                                  const nlohmann::ordered_json& doc,
                                                                  const GroupVersionKind& kind) {
  auto validation = FieldValidation(request);
  if (!validation.ok()) return validation.take_status();
  json::DecodeReport report;
  auto object = Scheme::Builtin().DecodeValue(doc, kind, &report);
  return Validated(request, std::move(object), report, *validation, kind);
}

Result<std::unique_ptr<google::protobuf::Message>> DecodeBody(Request& request,
                                                              const ResourceType& type) {
  trace::ScopedStep step("decode");  // a step of the pod-flow trace, when the request has one
  if (request.object) return CopyTypedObject(*request.object, type);
  std::string media = MediaTypeOf(request);
  if (media == "application/yaml") {
    auto docs = YamlToJsonDocuments(request.body);
    if (!docs.ok()) return docs.take_status();
    if (docs->size() != 1)
      return Status::BadRequest("the body must hold exactly one YAML document");
    return DecodeJson(request, (*docs)[0].dump(), type.kind);
  }
  if (media == kKubernetesProtobufContentType) return DecodeProtobuf(request, type);
  if (!media.empty() && media != "application/json" && media != "*/*") {
    return Status::UnsupportedMediaType(fmt::format(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json, application/yaml"));
  }
  return DecodeJson(request, request.body, type.kind);
}

void TrackManagedFields(const Request& request, const ResourceType& type,
                        const google::protobuf::Message* old, google::protobuf::Message* updated) {
  trace::ScopedStep step("managed fields");  // a step of the pod-flow trace, if any
  std::string manager = request.QueryOr("fieldManager", "");
  if (manager.empty()) {
    std::string agent = request.Header("user-agent");
    manager = agent.substr(0, agent.find('/'));
  }
  if (manager.empty()) manager = "unknown";
  TrackUpdatedFields(old, updated, manager, FormatRfc3339(NowTimestamp().seconds),
                     type.kind.api_version());
}

}  // namespace pk::apiserver::handlers
