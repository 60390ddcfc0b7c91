// patch: the four patch types of Kubernetes, applied to the object's JSON, then decoded and
// written through the registry like an update.
#include <fmt/format.h>

#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apimachinery/time.h"
#include "apimachinery/yaml.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "apiserver/patch/patch.h"

namespace pk::apiserver::handlers {
namespace {

using google::protobuf::Message;
using Json = patch::Json;

}  // namespace

Result<PatchType> PatchTypeOf(const Request& request) {
  std::string media = MediaTypeOf(request);
  if (media == "application/json-patch+json") return PatchType::kJson;
  if (media == "application/merge-patch+json") return PatchType::kMerge;
  if (media == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  if (media == "application/apply-patch+yaml") return PatchType::kApply;
  return Status::UnsupportedMediaType(fmt::format(
      "the body of the request was in an unknown format - accepted media types include: "
      "application/json-patch+json, application/merge-patch+json, "
      "application/apply-patch+yaml, application/strategic-merge-patch+json",
      media));
}

Result<Json> PatchJson(const Request& request, PatchType patch_type, const Json& live,
                       const google::protobuf::Descriptor* descriptor) {
  switch (patch_type) {
    case PatchType::kJson:
      return patch::JsonPatch(live, request.body);
    case PatchType::kMerge:
      return patch::MergePatch(live, request.body);
    case PatchType::kStrategic:
      return patch::StrategicMergePatch(live, request.body, descriptor);
    case PatchType::kApply:
      break;
  }
  return Status::UnsupportedMediaType("apply patches are not supported here");
}

namespace {

Result<Json> ApplyConfig(const Request& request) {
  auto docs = YamlToJsonDocuments(request.body);
  if (!docs.ok()) return docs.take_status();
  if (docs->size() != 1 || !(*docs)[0].is_object()) {
    return Status::BadRequest("the apply configuration must be exactly one object");
  }
  return std::move((*docs)[0]);
}

// The patched JSON of `current` (nullptr: the object does not exist; only apply creates).
Result<Json> Patched(const Request& request, const ResourceType& type, PatchType patch_type,
                     const Message* current) {
  Json live = nullptr;
  if (current != nullptr) {
    auto parsed = Scheme::Builtin().EncodeValue(*current);
    if (!parsed.ok()) return parsed.take_status();
    live = std::move(parsed).value();
  }
  const auto* descriptor = type.prototype->GetDescriptor();
  if (patch_type != PatchType::kApply) return PatchJson(request, patch_type, live, descriptor);
  auto config = ApplyConfig(request);
  if (!config.ok()) return config.take_status();
  patch::ApplyOptions options;
  options.manager = request.QueryOr("fieldManager", "");
  options.force = request.QueryBool("force");
  options.now = FormatRfc3339(NowTimestamp().seconds);
  options.api_version = type.kind.api_version();
  return patch::Apply(live, *config, descriptor, options);
}

// A patch may not move the object: its name and namespace must be the URL's (Kubernetes'
// checkName).
Status CheckNameAndNamespace(const Request& request, const ResourceType& type,
                             const Message& object) {
  const auto* meta = GetObjectMeta(object);
  if (!meta->name().empty() && meta->name() != request.info.name) {
    return Status::BadRequest(
        fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                    meta->name(), request.info.name));
  }
  if (type.namespaced && !meta->namespace_().empty() && meta->namespace_() != request.info.ns) {
    return Status::BadRequest(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  return Status();
}

}  // namespace

Response Patch(Request& request, const Registry& registry, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto patch_type = PatchTypeOf(request);
  if (!patch_type.ok()) return ErrorResponse(patch_type.status());
  bool apply = *patch_type == PatchType::kApply;
  if (apply && request.QueryOr("fieldManager", "").empty()) {
    return ErrorResponse(Status::BadRequest(
        "PATCH requests with the apply content type need a fieldManager query parameter"));
  }
  const ResourceType& type = registry.type();
  auto update = [&](const Message* current) -> Result<registry::MessagePtr> {
    if (current == nullptr && !apply)
      return Status::NotFound(type.group_resource(), request.info.name);
    auto patched = Patched(request, type, *patch_type, current);
    if (!patched.ok()) return patched.take_status();
    auto next = DecodeDocument(request, *patched, type.kind);
    if (!next.ok()) return next.take_status();
    PK_RETURN_IF_ERROR(CheckNameAndNamespace(request, type, **next));
    if (!apply) TrackManagedFields(request, type, current, next->get());
    return next;
  };
  registry::UpdateOptions options;
  options.allow_create = apply;
  options.status_only = request.info.subresource == "status";
  auto result = registry.Update(*ctx, request.info.name, update, options);
  if (!result.ok()) return ErrorResponse(result.status());
  int code = result->second ? 201 : 200;
  return ObjectResponse(code, type, result->first, output);
}

}  // namespace pk::apiserver::handlers
