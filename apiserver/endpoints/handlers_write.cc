// create, update (PUT), delete and deletecollection.
#include <fmt/format.h>

#include "apimachinery/codec.h"
#include "apimachinery/k8s_protobuf.h"
#include "apimachinery/object.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "proto/meta/v1/meta.pb.h"

namespace pk::apiserver::handlers {
namespace {

using google::protobuf::Message;

// The body of a DELETE: JSON, or Kubernetes protobuf (what kubectl drain sends when it
// deletes the pods it cannot evict).
Status DecodeDeleteOptions(const Request& request, k8s::meta::v1::DeleteOptions* body) {
  if (MediaTypeOf(request) != kKubernetesProtobufContentType) {
    json::DecodeReport report;
    return json::Decode(request.body, body, &report);
  }
  GroupVersionKind kind;
  auto decoded = DecodeKubernetesProtobuf(request.body, &kind);
  if (!decoded.ok()) return decoded.take_status();
  if ((*decoded)->GetDescriptor() != body->GetDescriptor()) {
    return Status::BadRequest(fmt::format(
        "the body of a delete must be DeleteOptions, not {} of {}", kind.kind, kind.api_version()));
  }
  body->CopyFrom(**decoded);
  return {};
}

Result<registry::DeleteOptions> DeleteOptionsOf(const Request& request, bool* dry_run) {
  registry::DeleteOptions options;
  k8s::meta::v1::DeleteOptions body;
  if (!request.body.empty()) {
    PK_RETURN_IF_ERROR(DecodeDeleteOptions(request, &body));
  }
  if (body.has_grace_period_seconds()) options.grace_period_seconds = body.grace_period_seconds();
  if (auto g = request.Query("gracePeriodSeconds"); g && !g->empty()) {
    auto seconds = ParseInt64(*g, "gracePeriodSeconds");
    if (!seconds.ok()) return seconds.take_status();
    options.grace_period_seconds = *seconds;
  }
  if (options.grace_period_seconds && *options.grace_period_seconds < 0) {
    options.grace_period_seconds = 1;  // as Kubernetes treats negative periods
  }
  options.propagation_policy = body.propagation_policy();
  if (auto p = request.Query("propagationPolicy"); p && !p->empty()) {
    options.propagation_policy = *p;
  }
  if (options.propagation_policy.empty() && body.has_orphan_dependents()) {
    options.propagation_policy = body.orphan_dependents() ? "Orphan" : "Background";
  }
  const std::string& policy = options.propagation_policy;
  if (!policy.empty() && policy != "Orphan" && policy != "Foreground" && policy != "Background") {
    return Status::BadRequest(
        fmt::format("propagationPolicy: Unsupported value: \"{}\": supported values: "
                    "\"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                    policy));
  }
  if (body.has_preconditions()) {
    if (body.preconditions().has_uid()) options.preconditions.uid = body.preconditions().uid();
    if (body.preconditions().has_resource_version()) {
      auto rv =
          ParseInt64(body.preconditions().resource_version(), "preconditions.resourceVersion");
      if (!rv.ok()) return rv.take_status();
      options.preconditions.resource_version = *rv;
    }
  }
  for (const auto& value : body.dry_run()) {
    if (value != "All") {
      return Status::BadRequest(
          fmt::format("dryRun: Unsupported value: \"{}\": supported values: \"All\"", value));
    }
    *dry_run = true;
  }
  return options;
}

std::string DeletedStatus(const ResourceType& type, const Message& object) {
  const auto* meta = GetObjectMeta(object);
  k8s::meta::v1::StatusDetails details;
  details.set_name(meta->name());
  details.set_group(type.kind.group);
  details.set_kind(type.resource);
  details.set_uid(meta->uid());
  return SuccessStatus(200, &details);
}

}  // namespace

Response Create(Request& request, const Registry& registry, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto object = DecodeBody(request, registry.type());
  if (!object.ok()) return ErrorResponse(object.status());
  TrackManagedFields(request, registry.type(), nullptr, object->get());
  auto created = registry.Create(*ctx, std::move(object).value());
  if (!created.ok()) return ErrorResponse(created.status());
  return ObjectResponse(201, registry.type(), *created, output);
}

Response Update(Request& request, const Registry& registry, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto object = DecodeBody(request, registry.type());
  if (!object.ok()) return ErrorResponse(object.status());
  const auto* meta = GetObjectMeta(**object);
  if (!meta->name().empty() && meta->name() != request.info.name) {
    return ErrorResponse(Status::BadRequest(
        fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                    meta->name(), request.info.name)));
  }
  if (registry.type().namespaced && !meta->namespace_().empty() &&
      meta->namespace_() != request.info.ns) {
    return ErrorResponse(Status::BadRequest(
        "the namespace of the provided object does not match the namespace sent on the request"));
  }
  std::shared_ptr<Message> body = std::move(object).value();
  registry::UpdateOptions options;
  options.status_only = request.info.subresource == "status";
  auto result = registry.Update(
      *ctx, request.info.name,
      [&](const Message* current) -> Result<registry::MessagePtr> {
        registry::MessagePtr next(body->New());
        next->CopyFrom(*body);
        TrackManagedFields(request, registry.type(), current, next.get());
        return next;
      },
      options);
  if (!result.ok()) return ErrorResponse(result.status());
  int code = result->second ? 201 : 200;
  return ObjectResponse(code, registry.type(), result->first, output);
}

Response Delete(Request& request, const Registry& registry, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto options = DeleteOptionsOf(request, &ctx->dry_run);
  if (!options.ok()) return ErrorResponse(options.status());
  auto result = registry.Delete(*ctx, request.info.name, *options);
  if (!result.ok()) return ErrorResponse(result.status());
  bool status_answer = output.shape != Output::Shape::kTyped;  // typed faces get the object
  if (result->deleted && status_answer && !registry.strategy().ReturnDeletedObject()) {
    return JsonResponse(200, DeletedStatus(registry.type(), *result->object), output);
  }
  // Marked for a graceful or finalized deletion: the object, with its deletionTimestamp.
  return ObjectResponse(200, registry.type(), result->object, output);
}

Response DeleteCollection(Request& request, const Registry& registry, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto options = DeleteOptionsOf(request, &ctx->dry_run);
  if (!options.ok()) return ErrorResponse(options.status());
  storage::ListOptions list_options;
  Status selectors = ParseSelectors(request, &list_options.labels, &list_options.fields);
  if (!selectors.ok()) return ErrorResponse(selectors);
  auto list = registry.List(request.info.ns, std::move(list_options));
  if (!list.ok()) return ErrorResponse(list.status());
  storage::ListResult deleted;
  deleted.revision = list->revision;
  for (const auto& item : list->items) {
    auto result = registry.Delete(*ctx, GetObjectMeta(*item)->name(), *options);
    if (!result.ok()) {
      if (result.status().reason() == Reason::kNotFound) continue;  // gone meanwhile
      return ErrorResponse(result.status());
    }
    deleted.items.push_back(result->object);
  }
  return ListResponse(registry.type(), std::move(deleted), output);
}

}  // namespace pk::apiserver::handlers
