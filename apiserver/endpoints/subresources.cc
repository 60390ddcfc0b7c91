// Subresources: status (the main handlers, limited to status), scale, pods/binding,
// namespaces/finalize (pods/log and pods/exec: kubelet_proxy.cc).
#include <fmt/format.h>

#include "apimachinery/codec.h"
#include "apimachinery/object.h"
#include "apimachinery/selectors.h"
#include "apimachinery/time.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "apiserver/patch/patch.h"
#include "proto/autoscaling/v1/autoscaling.pb.h"
#include "proto/core/v1/binding.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::apiserver::handlers {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const GroupVersionKind kScaleKind{"autoscaling", "v1", "Scale"};

// The sub-message `name` of `m` ("spec", "status"), or nullptr.
const Message* Part(const Message& m, const char* name) {
  const FieldDescriptor* fd = m.GetDescriptor()->FindFieldByName(name);
  if (fd == nullptr || fd->type() != FieldDescriptor::TYPE_MESSAGE) return nullptr;
  return &m.GetReflection()->GetMessage(m, fd);
}

int32_t Replicas(const Message* part) {
  if (part == nullptr) return 0;
  const FieldDescriptor* fd = part->GetDescriptor()->FindFieldByName("replicas");
  if (fd == nullptr) return 0;
  return part->GetReflection()->GetInt32(*part, fd);
}

void SetSpecReplicas(Message* object, int32_t replicas) {
  const FieldDescriptor* spec = object->GetDescriptor()->FindFieldByName("spec");
  Message* s = object->GetReflection()->MutableMessage(object, spec);
  s->GetReflection()->SetInt32(s, s->GetDescriptor()->FindFieldByName("replicas"), replicas);
}

k8s::autoscaling::v1::Scale ScaleOf(const Message& object) {
  k8s::autoscaling::v1::Scale scale;
  const auto* meta = GetObjectMeta(object);
  auto* m = scale.mutable_metadata();
  m->set_name(meta->name());
  m->set_namespace_(meta->namespace_());
  m->set_uid(meta->uid());
  m->set_resource_version(meta->resource_version());
  *m->mutable_creation_timestamp() = meta->creation_timestamp();
  const Message* spec = Part(object, "spec");
  scale.mutable_spec()->set_replicas(Replicas(spec));
  scale.mutable_status()->set_replicas(Replicas(Part(object, "status")));
  if (spec != nullptr) {
    const FieldDescriptor* fd = spec->GetDescriptor()->FindFieldByName("selector");
    if (fd != nullptr && !fd->is_repeated() &&
        fd->message_type() == k8s::meta::v1::LabelSelector::descriptor() &&
        spec->GetReflection()->HasField(*spec, fd)) {
      auto selector = LabelSelector::FromProto(static_cast<const k8s::meta::v1::LabelSelector&>(
          spec->GetReflection()->GetMessage(*spec, fd)));
      if (selector.ok()) scale.mutable_status()->set_selector(selector->String());
    }
  }
  return scale;
}

Response ScaleResponse(k8s::autoscaling::v1::Scale scale, const Output& output) {
  if (output.shape == Output::Shape::kTyped) {
    Response r;
    r.object = std::make_shared<k8s::autoscaling::v1::Scale>(std::move(scale));
    return r;
  }
  return JsonResponse(200, Scheme::Builtin().Encode(scale), output);
}

// The Scale the client sent (PUT) or the current Scale patched (PATCH).
Result<k8s::autoscaling::v1::Scale> RequestedScale(Request& request, const Message& current) {
  if (request.object) {
    const auto* scale = dynamic_cast<const k8s::autoscaling::v1::Scale*>(request.object.get());
    if (scale == nullptr) return Status::BadRequest("the object of a scale update must be a Scale");
    return *scale;
  }
  std::string body = request.body;
  if (request.method == "PATCH") {
    auto patch_type = PatchTypeOf(request);
    if (!patch_type.ok()) return patch_type.take_status();
    auto live = json::Parse(Scheme::Builtin().Encode(ScaleOf(current)));
    if (!live.ok()) return live.take_status();
    auto patched =
        PatchJson(request, *patch_type, *live, k8s::autoscaling::v1::Scale::descriptor());
    if (!patched.ok()) return patched.take_status();
    body = patched->dump();
  }
  json::DecodeReport report;
  auto decoded = Scheme::Builtin().Decode(body, kScaleKind, &report);
  if (!decoded.ok()) return decoded.take_status();
  return static_cast<const k8s::autoscaling::v1::Scale&>(**decoded);
}

Response Scale(Request& request, const Registry& registry, const Output& output) {
  const ResourceType& type = registry.type();
  if (request.info.verb == "get") {
    auto object = registry.Get(request.info.ns, request.info.name);
    if (!object.ok()) return ErrorResponse(object.status());
    return ScaleResponse(ScaleOf(**object), output);
  }
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto update = [&](const Message* current) -> Result<registry::MessagePtr> {
    if (current == nullptr) return Status::NotFound(type.group_resource(), request.info.name);
    auto scale = RequestedScale(request, *current);
    if (!scale.ok()) return scale.take_status();
    if (scale->spec().replicas() < 0) {
      return Status::Invalid(kScaleKind, request.info.name,
                             {{"FieldValueInvalid",
                               fmt::format("Invalid value: {}: must be greater than or equal to 0",
                                           scale->spec().replicas()),
                               "spec.replicas"}});
    }
    registry::MessagePtr next(current->New());
    next->CopyFrom(*current);
    const std::string& rv = scale->metadata().resource_version();
    MutableObjectMeta(next.get())
        ->set_resource_version(rv.empty() ? GetObjectMeta(*current)->resource_version() : rv);
    SetSpecReplicas(next.get(), scale->spec().replicas());
    return next;
  };
  auto result = registry.Update(*ctx, request.info.name, update, {});
  if (!result.ok()) return ErrorResponse(result.status());
  return ScaleResponse(ScaleOf(*result->first), output);
}

Status Bind(const k8s::core::v1::Binding& binding, Message* object) {
  auto* pod = static_cast<k8s::core::v1::Pod*>(object);
  const std::string& name = pod->metadata().name();
  const GroupResource resource{"", "pods/binding"};
  if (pod->metadata().has_deletion_timestamp()) {
    return Status::Conflict(
        resource, name, fmt::format("pod {} is being deleted, cannot be assigned to a host", name));
  }
  if (!pod->spec().node_name().empty()) {
    return Status::Conflict(
        resource, name,
        fmt::format("pod {} is already assigned to node \"{}\"", name, pod->spec().node_name()));
  }
  pod->mutable_spec()->set_node_name(binding.target().name());
  for (const auto& [key, value] : binding.metadata().annotations()) {
    (*pod->mutable_metadata()->mutable_annotations())[key] = value;
  }
  k8s::core::v1::PodCondition* scheduled = nullptr;
  for (auto& c : *pod->mutable_status()->mutable_conditions()) {
    if (c.type() == "PodScheduled") scheduled = &c;
  }
  if (scheduled == nullptr) scheduled = pod->mutable_status()->add_conditions();
  if (scheduled->status() != "True") *scheduled->mutable_last_transition_time() = NowTime();
  scheduled->set_type("PodScheduled");
  scheduled->set_status("True");
  scheduled->clear_reason();
  scheduled->clear_message();
  return Status();
}

}  // namespace

Response CreateBinding(Request& request, const Registry& pods, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto decoded = DecodeBody(request, *Scheme::Builtin().FindResource("", "bindings"));
  if (!decoded.ok()) return ErrorResponse(decoded.status());
  const auto& binding = static_cast<const k8s::core::v1::Binding&>(**decoded);
  // POST .../pods/NAME/binding or POST .../bindings with the pod's name in the body.
  std::string name =
      request.info.subresource == "binding" ? request.info.name : binding.metadata().name();
  if (!binding.metadata().name().empty() && binding.metadata().name() != name) {
    return ErrorResponse(Status::BadRequest(
        fmt::format("the name of the object ({}) does not match the name on the URL ({})",
                    binding.metadata().name(), name)));
  }
  std::vector<StatusCause> causes;
  if (name.empty()) causes.push_back({"FieldValueRequired", "Required value", "metadata.name"});
  if (binding.target().name().empty())
    causes.push_back({"FieldValueRequired", "Required value", "target.name"});
  if (!binding.target().kind().empty() && binding.target().kind() != "Node") {
    causes.push_back({"FieldValueNotSupported",
                      fmt::format("Unsupported value: \"{}\": supported values: \"Node\"",
                                  binding.target().kind()),
                      "target.kind"});
  }
  if (!causes.empty()) return ErrorResponse(Status::Invalid({"", "v1", "Binding"}, name, causes));
  ctx->subresource = "binding";
  auto bound = pods.Mutate(*ctx, name, [&](Message* pod) { return Bind(binding, pod); });
  if (!bound.ok()) return ErrorResponse(bound.status());
  if (output.shape == Output::Shape::kTyped) {
    Response bound;
    bound.code = 201;
    return bound;
  }
  return JsonResponse(201, SuccessStatus(201), output);
}

namespace {

Response Finalize(Request& request, const Registry& namespaces, const Output& output) {
  auto ctx = WriteContextOf(request);
  if (!ctx.ok()) return ErrorResponse(ctx.status());
  auto decoded = DecodeBody(request, namespaces.type());
  if (!decoded.ok()) return ErrorResponse(decoded.status());
  const auto& wanted = static_cast<const k8s::core::v1::Namespace&>(**decoded);
  auto done = namespaces.Mutate(*ctx, request.info.name, [&](Message* object) {
    auto* ns = static_cast<k8s::core::v1::Namespace*>(object);
    *ns->mutable_spec()->mutable_finalizers() = wanted.spec().finalizers();
    return Status();
  });
  if (!done.ok()) return ErrorResponse(done.status());
  return ObjectResponse(200, namespaces.type(), *done, output);
}

bool IsOneOf(const std::string& verb, std::initializer_list<const char*> verbs) {
  for (const char* v : verbs) {
    if (verb == v) return true;
  }
  return false;
}

}  // namespace

Response Subresource(Request& request, const Registry& registry, const Output& output) {
  const std::string& sub = request.info.subresource;
  const std::string& verb = request.info.verb;
  const std::string& resource = registry.type().resource;
  auto not_allowed = [] { return MethodNotAllowedResponse(); };
  if (sub == "status") {
    if (verb == "get") return Get(request, registry, output);
    if (verb == "update") return Update(request, registry, output);
    if (verb == "patch") return Patch(request, registry, output);
    return not_allowed();
  }
  if (sub == "scale" && IsOneOf(verb, {"get", "update", "patch"})) {
    return Scale(request, registry, output);
  }
  if (resource == "pods" && sub == "binding" && verb == "create") {
    return CreateBinding(request, registry, output);
  }
  if (resource == "namespaces" && sub == "finalize" && verb == "update") {
    return Finalize(request, registry, output);
  }
  return not_allowed();
}

}  // namespace pk::apiserver::handlers
