// OpenAPI 3.0 documents: the /openapi/v3 index and one document per group/version with its
// paths and the schemas they reference (client-go's openapi3.Root reads the index, then the
// serverRelativeURL of the group/version it needs).
#include <google/protobuf/descriptor.h>

#include "apiserver/discovery/internal.h"

namespace pk::discovery::internal {
namespace {

Json ParameterJson(const Parameter& p, const char* in, bool required) {
  Json out{{"name", p.name}, {"in", in}, {"description", p.description}};
  if (required) out["required"] = true;
  Json schema{{"type", p.type}};
  if (std::string_view(p.type) == "string" && !required) schema["uniqueItems"] = true;
  out["schema"] = schema;
  return out;
}

// Parameters shared by every operation of a path, as Kubernetes declares them.
Json PathParameters(const Operation& op) {
  Json params = Json::array();
  for (const PathParameter& p : PathParametersOf(op)) {
    params.push_back(ParameterJson(p.parameter, p.in, p.required));
  }
  return params;
}

Json Content(const std::vector<std::string>& types, const Json& schema) {
  Json out = Json::object();
  for (const auto& t : types) out[t] = Json{{"schema", schema}};
  return out;
}

class V3Builder {
 public:
  explicit V3Builder(const GroupVersion& gv) : gv_(gv), schemas_(true) {}

  Json Build() {
    Json paths = Json::object();
    for (const auto& [path, ops] : OperationsOf(gv_)) {
      Json item = Json::object();
      for (const Operation& op : ops) item[op.method] = OperationJson(op);
      item["parameters"] = PathParameters(ops.front());
      paths[path] = std::move(item);
    }
    return Json{{"openapi", "3.0.0"},
                {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                {"paths", std::move(paths)},
                {"components", {{"schemas", std::move(schemas_.schemas())}}}};
  }

 private:
  Json ResponseSchema(const Operation& op) { return ResponseSchemaOf(op, &schemas_); }

  // PATCH bodies deliberately omit application/strategic-merge-patch+json: kubectl apply
  // would then compute strategic patches from these schemas, which carry no patch merge keys;
  // without it kubectl uses the merge keys compiled into it, which are right.
  Json RequestBody(const Operation& op) {
    if (op.method == "patch") {
      Json patch = schemas_.Ref(schemas_.AddPatch());
      return Json{
          {"content", Content({"application/apply-patch+yaml", "application/json-patch+json",
                               "application/merge-patch+json"},
                              patch)},
          {"required", true}};
    }
    if (op.method == "delete") {
      Json options = schemas_.Ref(schemas_.Add(k8s::meta::v1::DeleteOptions::descriptor()));
      return Json{{"content", Content({"*/*"}, options)}};
    }
    return Json{{"content", Content({"*/*"}, ResponseSchema(op))}, {"required", true}};
  }

  Json Responses(const Operation& op) {
    std::vector<std::string> types = {"application/json", "application/yaml",
                                      "application/vnd.kubernetes.protobuf"};
    if (op.object == nullptr) types = {op.path.ends_with("/log") ? "text/plain" : "*/*"};
    Json ok{{"description", "OK"}, {"content", Content(types, ResponseSchema(op))}};
    Json out{{"200", ok}};
    if (op.method == "post" || op.method == "put" || op.method == "patch") {
      out["201"] =
          Json{{"description", "Created"}, {"content", Content(types, ResponseSchema(op))}};
    }
    if (op.method == "post" || op.method == "delete") {
      out["202"] =
          Json{{"description", "Accepted"}, {"content", Content(types, ResponseSchema(op))}};
    }
    out["401"] = Json{{"description", "Unauthorized"}};
    return out;
  }

  Json OperationJson(const Operation& op) {
    Json out{
        {"tags", Json::array({op.tag})}, {"description", op.description}, {"operationId", op.id}};
    Json params = Json::array();
    for (const Parameter& p : QueryParameters(op))
      params.push_back(ParameterJson(p, "query", false));
    if (!params.empty()) out["parameters"] = std::move(params);
    bool has_body =
        op.method == "post" || op.method == "put" || op.method == "patch" || op.method == "delete";
    if (has_body && op.object != nullptr) out["requestBody"] = RequestBody(op);
    out["responses"] = Responses(op);
    out["x-kubernetes-action"] = op.action;
    out["x-kubernetes-group-version-kind"] = GvkJson(op.kind);
    return out;
  }

  const GroupVersion& gv_;
  SchemaGenerator schemas_;
};

}  // namespace

Json OpenApiV3(const GroupVersion& gv) { return V3Builder(gv).Build(); }

Json OpenApiV3Index(const std::map<std::string, std::string>& urls) {
  Json paths = Json::object();
  for (const auto& [path, url] : urls) paths[path] = Json{{"serverRelativeURL", url}};
  return Json{{"paths", std::move(paths)}};
}

}  // namespace pk::discovery::internal
