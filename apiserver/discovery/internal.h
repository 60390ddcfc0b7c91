// Internal to discovery/: the document builders Discovery calls once at construction.
// Each returns a JSON value; Discovery serialises and keeps the text.
#pragma once

#include <google/protobuf/descriptor.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apiserver/discovery/discovery.h"

namespace pk::discovery::internal {

using Json = nlohmann::ordered_json;

// The served resources of one group/version, in the order they were given.
struct GroupVersion {
  std::string group;  // "" for the core group
  std::string version;
  std::vector<const ServedResource*> resources;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "api/v1" or "apis/apps/v1": the key of the /openapi/v3 index, the URL path without "/".
  std::string path() const { return group.empty() ? "api/" + version : "apis/" + api_version(); }
  // "/api/v1" or "/apis/apps/v1". (append, not "/" + path(): GCC 12 warns falsely on that.)
  std::string url() const { return std::string("/").append(path()); }
};

// Groups in order of first appearance, so the core group (listed first) stays first.
std::vector<GroupVersion> GroupVersions(const std::vector<ServedResource>& resources);

// {"group":..,"version":..,"kind":..} as discovery and the OpenAPI extensions write it.
Json GvkJson(const GroupVersionKind& kind);

// Legacy discovery (legacy.cc).
Json ApiVersions(const std::string& server_address);
// One group with all its versions, the first one preferred; with kind/apiVersion when `top`.
Json ApiGroup(const std::vector<GroupVersion>& gvs, const std::string& group, bool top);
Json ApiGroupList(const std::vector<GroupVersion>& gvs);  // every group but the core one
Json ApiResourceList(const GroupVersion& gv);

// Aggregated discovery v2 (aggregated.cc): the core group alone for /api (core = true), the
// others for /apis.
Json AggregatedList(const std::vector<GroupVersion>& gvs, bool core);

// One REST operation of a resource, as both OpenAPI versions describe it (openapi_paths.cc).
struct Operation {
  std::string path;    // "/api/v1/namespaces/{namespace}/pods/{name}/status"
  std::string method;  // "get", "post", "put", "patch", "delete"
  std::string action;  // x-kubernetes-action: "get", "list", "post", "put", "patch", ...
  std::string id;      // operationId: "patchCoreV1NamespacedPodStatus"
  std::string tag;     // "core_v1"
  std::string description;
  GroupVersionKind kind;  // x-kubernetes-group-version-kind
  // The schema of the request body (post/put) and of the answer; nullptr for raw text (log).
  const google::protobuf::Descriptor* object = nullptr;
  bool list_response = false;    // the answer is the kind's List
  bool status_response = false;  // the answer is a meta/v1 Status (deletecollection)
  bool namespaced = false;       // has a {namespace} path parameter
  bool named = false;            // has a {name} path parameter
};

// A query parameter of an operation; `type` is an OpenAPI type ("string", "integer"...).
struct Parameter {
  const char* name;
  const char* type;
  const char* description;
};
// The query parameters Kubernetes declares for `op`. Every POST, PUT and PATCH declares
// fieldValidation: kubectl reads that from the PATCH operations to decide that the server
// validates fields itself (create/apply --validate=strict).
std::vector<Parameter> QueryParameters(const Operation& op);

// A parameter shared by every operation of a path: {name}, {namespace} in the path, and
// ?pretty; each OpenAPI version writes them its own way.
struct PathParameter {
  Parameter parameter;
  const char* in;  // "path" or "query"
  bool required;
};
std::vector<PathParameter> PathParametersOf(const Operation& op);

class SchemaGenerator;
// The schema of `op`'s answer -- the object, its List, a Status, or text (log, exec) --
// added to `schemas` as needed; both OpenAPI versions describe answers alike.
Json ResponseSchemaOf(const Operation& op, SchemaGenerator* schemas);

// The operations of one group/version, grouped by path in path order.
std::map<std::string, std::vector<Operation>> OperationsOf(const GroupVersion& gv);

// Turns proto descriptors into OpenAPI schemas (openapi_schema.cc). Kubernetes' schema names
// (io.k8s.api.core.v1.Pod) so clients that know them (kubectl explain) find them.
class SchemaGenerator {
 public:
  // v3: "#/components/schemas/" refs, message-typed properties as allOf:[{$ref}];
  // otherwise Swagger 2.0 "#/definitions/" refs with a plain $ref.
  explicit SchemaGenerator(bool v3);

  // Adds the schema of `type` and of every type it references; returns its name.
  std::string Add(const google::protobuf::Descriptor* type);
  // Adds "<Kind>List" of a resource (items of `type`, ListMeta); returns its name.
  std::string AddList(const ResourceType& type);
  // Adds meta/v1 Patch, the body of every PATCH; returns its name.
  std::string AddPatch();
  // {"$ref": "<prefix><name>"}.
  Json Ref(const std::string& name) const;

  Json& schemas() { return schemas_; }

 private:
  Json FieldSchema(const google::protobuf::FieldDescriptor* field);
  Json ValueSchema(const google::protobuf::FieldDescriptor* field);
  Json MessageSchema(const google::protobuf::Descriptor* type);

  bool v3_;
  Json schemas_ = Json::object();
};

// Kubernetes' name of a proto message: k8s.core.v1.Pod -> io.k8s.api.core.v1.Pod.
std::string SchemaName(const google::protobuf::Descriptor* type);

// OpenAPI documents (openapi_v3.cc, openapi_v2.cc).
Json OpenApiV3(const GroupVersion& gv);
// `urls`: gv.path() -> serverRelativeURL with its ?hash=.
Json OpenApiV3Index(const std::map<std::string, std::string>& urls);
Json OpenApiV2(const std::vector<GroupVersion>& gvs);

}  // namespace pk::discovery::internal
