// The REST handlers of resource requests, thin as Kubernetes' endpoints/handlers are:
// decode -> registry (which runs admission and the strategy) -> encode. One function per verb
// and one per subresource; ResourceHandler (resource_handler.h) routes to them.
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "apimachinery/selectors.h"
#include "apiserver/endpoints/negotiation.h"
#include "apiserver/endpoints/request.h"
#include "apiserver/registry/registry.h"

namespace pk::apiserver::handlers {

using registry::Registry;

Response Get(Request& request, const Registry& registry, const Output& output);
Response List(Request& request, const Registry& registry, const Output& output);
Response Watch(Request& request, const Registry& registry, const Output& output);
Response Create(Request& request, const Registry& registry, const Output& output);
Response Update(Request& request, const Registry& registry, const Output& output);
Response Patch(Request& request, const Registry& registry, const Output& output);
Response Delete(Request& request, const Registry& registry, const Output& output);
Response DeleteCollection(Request& request, const Registry& registry, const Output& output);

// Subresources: status (get, update, patch), scale, pods/binding, namespaces/finalize.
Response Subresource(Request& request, const Registry& registry, const Output& output);
// pods/log relayed to the pod's kubelet (kubelet_proxy.cc); pods/exec refused until served.
Response ToKubelet(Request& request, const Registry& pods, const Registry& nodes);

// POST pods/NAME/binding, or POST bindings with the pod's name in the Binding: assigns the
// pod to the target node (Conflict when it already has one).
Response CreateBinding(Request& request, const Registry& pods, const Output& output);

// Fills a review's status (or a TokenRequest's), or says why the review is invalid.
using Reviewer = std::function<Status(const Request& request, google::protobuf::Message* review)>;
// POST of a review of `type` (authorization and authentication reviews, TokenRequests):
// answered at once by `reviewer`, never stored. Without a reviewer an authorization review
// allows everything.
Response Review(Request& request, const ResourceType& type, const Output& output,
                const Reviewer& reviewer);

// --- shared by the handlers

// The patch type of a PATCH request's Content-Type; 415 for any other.
enum class PatchType { kJson, kMerge, kStrategic, kApply };
Result<PatchType> PatchTypeOf(const Request& request);
// Applies a JSON, merge or strategic patch (the request body) to `live` (415 for apply).
Result<nlohmann::ordered_json> PatchJson(const Request& request, PatchType patch_type,
                                         const nlohmann::ordered_json& live,
                                         const google::protobuf::Descriptor* descriptor);

// The registry's view of who writes: namespace, user (name, uid, groups), dryRun=All, and the
// request's warnings for admission to add to. BadRequest for an unknown dryRun value.
Result<registry::WriteContext> WriteContextOf(Request& request);
// Decodes the body (JSON or YAML) as an object of `type`, applying fieldValidation
// (Strict: unknown fields are 400; Warn, the default: a Warning header each; Ignore).
Result<std::unique_ptr<google::protobuf::Message>> DecodeBody(Request& request,
                                                              const ResourceType& type);
// Decodes JSON text the same way.
Result<std::unique_ptr<google::protobuf::Message>> DecodeJson(Request& request,
                                                              const std::string& json,
                                                              const GroupVersionKind& kind);
// Decodes a parsed document (a patched object) the same way.
Result<std::unique_ptr<google::protobuf::Message>> DecodeDocument(Request& request,
                                                                  const nlohmann::ordered_json& doc,
                                                                  const GroupVersionKind& kind);
// The media type of the body, without parameters ("application/json").
std::string MediaTypeOf(const Request& request);
// labelSelector and fieldSelector of a list, watch or deletecollection.
Status ParseSelectors(const Request& request, LabelSelector* labels, FieldSelector* fields);
// A whole decimal integer, or BadRequest naming `what`.
Result<int64_t> ParseInt64(std::string_view text, std::string_view what);
// 405 for a verb the resource or subresource does not serve.
Response MethodNotAllowedResponse();
// Records `manager` as the owner of what changed in metadata.managedFields.
void TrackManagedFields(const Request& request, const ResourceType& type,
                        const google::protobuf::Message* old, google::protobuf::Message* updated);

}  // namespace pk::apiserver::handlers
