#include "apiserver/endpoints/resource_handler.h"

#include <fmt/format.h>

#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "apiserver/endpoints/version.h"
#include "apiserver/ui/ui.h"
#include "proto/authentication/v1/authentication.pb.h"

namespace pk::apiserver {
namespace {

using discovery::ServedResource;

// Kubernetes' IsValidPathSegmentName: a name that cannot be one path segment.
Status CheckPathName(const std::string& name) {
  std::string why;
  if (name == "." || name == "..") why = "may not be '" + name + "'";
  if (name.find('/') != std::string::npos) why = "may not contain '/'";
  if (name.find('%') != std::string::npos) why = "may not contain '%'";
  if (why.empty()) return Status();
  return Status::BadRequest(fmt::format("invalid resource name \"{}\": [{}]", name, why));
}

Response NotFoundResponse() {
  return ErrorResponse(
      Status(Reason::kNotFound, "the server could not find the requested resource"));
}

// The body and answer of POST serviceaccounts/NAME/token, a kind of no resource of its own.
const ResourceType& TokenRequestType() {
  static const ResourceType* type = [] {
    auto* t = new ResourceType();
    t->kind = {"authentication.k8s.io", "v1", "TokenRequest"};
    t->resource = "serviceaccounts";
    t->singular = "tokenrequest";
    t->prototype = &k8s::authentication::v1::TokenRequest::default_instance();
    return t;
  }();
  return *type;
}

Response Text(std::string body) {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

}  // namespace

ResourceHandler::ResourceHandler(storage::Store* store, const admission::Chain* admission) {
  std::vector<ServedResource> served = discovery::BuiltinResources(Scheme::Builtin());
  for (const ServedResource& s : served) {
    registries_[s.type->group_resource()] =
        std::make_unique<registry::Registry>(*s.type, store, admission);
    verbs_[s.type->group_resource()] = s.verbs;
    for (const auto& sub : s.subresources) {
      subresources_[s.type->group_resource()].push_back(sub.name);
    }
  }
  discovery_ = std::make_unique<discovery::Discovery>(std::move(served));
}

const registry::Registry* ResourceHandler::RegistryFor(const GroupResource& resource) const {
  auto it = registries_.find(resource);
  return it == registries_.end() ? nullptr : it->second.get();
}

Response ResourceHandler::Serve(Request& request) const {
  if (request.info.is_resource_request) return ServeResource(request);
  return ServeNonResource(request);
}

Response ResourceHandler::ServeNonResource(Request& request) const {
  const std::string& path = request.path;
  if (path == "/healthz" || path == "/livez" || path == "/readyz") return Text("ok");
  if (path == "/version") return JsonResponse(200, VersionJson(), {});
  if (auto page = ui::Serve(request)) return *std::move(page);  // /ui/ (apiserver/ui/ui.h)
  if (request.method == "GET") {
    if (auto doc = discovery_->Serve(path, request.Header("accept"))) {
      Response r;
      r.code = doc->code;
      r.content_type = doc->content_type;
      r.body = std::move(doc->body);
      return r;
    }
  }
  return NotFoundResponse();
}

Response ResourceHandler::ServeResource(Request& request) const {
  const RequestInfo& info = request.info;
  const registry::Registry* registry = RegistryFor({info.api_group, info.resource});
  if (registry == nullptr || registry->type().kind.version != info.api_version) {
    return NotFoundResponse();
  }
  const ResourceType& type = registry->type();
  if (Status s = CheckPathName(info.name); !s.ok()) return ErrorResponse(s);
  // Namespaced objects live under namespaces/NS; cluster-scoped ones never do. Lists and
  // watches of a namespaced resource may span every namespace.
  bool across_namespaces = info.verb == "list" || info.verb == "watch";
  if (type.namespaced && info.ns.empty() && !across_namespaces) {
    return NotFoundResponse();
  }
  if (!type.namespaced && !info.ns.empty() && type.resource != "namespaces") {
    return NotFoundResponse();
  }
  auto output = Negotiate(request.Header("accept"));
  if (!output.ok()) return ErrorResponse(output.status());
  output->pretty = request.QueryBool("pretty");
  auto row_object = ParseIncludeObject(request.QueryOr("includeObject", ""));
  if (!row_object.ok()) return ErrorResponse(row_object.status());
  output->row_object = *row_object;
  if (request.typed) output->shape = Output::Shape::kTyped;
  const registry::Registry* pods = RegistryFor({"", "pods"});
  if (type.kind.group == "authorization.k8s.io" && info.verb == "create") {
    return handlers::Review(request, type, *output, reviewer_);
  }
  if (type.kind.group == "authentication.k8s.io" && info.verb == "create") {
    if (!authentication_reviewer_) return NotFoundResponse();
    return handlers::Review(request, type, *output, authentication_reviewer_);
  }
  if (type.resource == "serviceaccounts" && info.subresource == "token") {
    if (!token_issuer_) return NotFoundResponse();
    if (info.verb != "create") return handlers::MethodNotAllowedResponse();
    return handlers::Review(request, TokenRequestType(), *output, token_issuer_);
  }
  if (type.resource == "bindings" && info.verb == "create") {
    return handlers::CreateBinding(request, *pods, *output);
  }
  const auto& verbs = verbs_.at(type.group_resource());
  if (!info.subresource.empty()) {
    auto subs = subresources_.find(type.group_resource());
    if (subs == subresources_.end() || std::find(subs->second.begin(), subs->second.end(),
                                                 info.subresource) == subs->second.end()) {
      return NotFoundResponse();
    }
    if (type.resource == "pods" && (info.subresource == "log" || info.subresource == "exec")) {
      return handlers::ToKubelet(request, *registry, *RegistryFor({"", "nodes"}));
    }
    return handlers::Subresource(request, *registry, *output);
  }
  if (std::find(verbs.begin(), verbs.end(), info.verb) == verbs.end()) {
    return handlers::MethodNotAllowedResponse();
  }
  if (info.verb == "get") return handlers::Get(request, *registry, *output);
  if (info.verb == "list") return handlers::List(request, *registry, *output);
  if (info.verb == "watch") return handlers::Watch(request, *registry, *output);
  if (info.verb == "create") {
    if (!info.name.empty()) {
      return handlers::MethodNotAllowedResponse();
    }
    return handlers::Create(request, *registry, *output);
  }
  if (info.verb == "update") return handlers::Update(request, *registry, *output);
  if (info.verb == "patch") return handlers::Patch(request, *registry, *output);
  if (info.verb == "delete") return handlers::Delete(request, *registry, *output);
  if (info.verb == "deletecollection") {
    return handlers::DeleteCollection(request, *registry, *output);
  }
  return handlers::MethodNotAllowedResponse();
}

}  // namespace pk::apiserver
