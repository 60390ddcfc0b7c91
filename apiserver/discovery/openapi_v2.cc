// The Swagger 2.0 document (/openapi/v2): every group/version's paths and one `definitions`
// section. Clients prefer /openapi/v3; this one serves tools that still read v2 as JSON.
#include <google/protobuf/descriptor.h>

#include "apiserver/discovery/internal.h"

namespace pk::discovery::internal {
namespace {

Json ParameterJson(const Parameter& p, const char* in, bool required) {
  Json out{{"name", p.name}, {"in", in}, {"description", p.description}, {"type", p.type}};
  if (required) out["required"] = true;
  if (std::string_view(p.type) == "string" && !required) out["uniqueItems"] = true;
  return out;
}

Json PathParameters(const Operation& op) {
  Json params = Json::array();
  for (const PathParameter& p : PathParametersOf(op)) {
    params.push_back(ParameterJson(p.parameter, p.in, p.required));
  }
  return params;
}

class V2Builder {
 public:
  V2Builder() : schemas_(false) {}

  void Add(const GroupVersion& gv) {
    for (const auto& [path, ops] : OperationsOf(gv)) {
      Json item = Json::object();
      for (const Operation& op : ops) item[op.method] = OperationJson(op);
      item["parameters"] = PathParameters(ops.front());
      paths_[path] = std::move(item);
    }
  }

  Json Build() {
    return Json{{"swagger", "2.0"},
                {"info", {{"title", "Kubernetes"}, {"version", "v1.32.0"}}},
                {"paths", std::move(paths_)},
                {"definitions", std::move(schemas_.schemas())}};
  }

 private:
  Json ResponseSchema(const Operation& op) { return ResponseSchemaOf(op, &schemas_); }

  // The body parameter of writes; nullptr-object operations (exec) take none.
  Json BodyParameter(const Operation& op) {
    Json schema;
    if (op.method == "patch") {
      schema = schemas_.Ref(schemas_.AddPatch());
    } else if (op.method == "delete") {
      schema = schemas_.Ref(schemas_.Add(k8s::meta::v1::DeleteOptions::descriptor()));
    } else {
      schema = ResponseSchema(op);
    }
    return Json{
        {"name", "body"}, {"in", "body"}, {"required", op.method != "delete"}, {"schema", schema}};
  }

  Json Consumes(const Operation& op) {
    if (op.method != "patch") return Json::array({"*/*"});
    return Json::array({"application/json-patch+json", "application/merge-patch+json",
                        "application/strategic-merge-patch+json", "application/apply-patch+yaml"});
  }

  Json OperationJson(const Operation& op) {
    Json out{{"description", op.description}, {"consumes", Consumes(op)}};
    out["produces"] = op.object == nullptr ? Json::array({"text/plain", "*/*"})
                                           : Json::array({"application/json", "application/yaml",
                                                          "application/vnd.kubernetes.protobuf"});
    out["schemes"] = Json::array({"https"});
    out["tags"] = Json::array({op.tag});
    out["operationId"] = op.id;
    Json params = Json::array();
    bool has_body =
        op.method == "post" || op.method == "put" || op.method == "patch" || op.method == "delete";
    if (has_body && op.object != nullptr) params.push_back(BodyParameter(op));
    for (const Parameter& p : QueryParameters(op))
      params.push_back(ParameterJson(p, "query", false));
    out["parameters"] = std::move(params);
    Json responses{{"200", {{"description", "OK"}, {"schema", ResponseSchema(op)}}}};
    if (op.method == "post" || op.method == "put" || op.method == "patch") {
      responses["201"] = {{"description", "Created"}, {"schema", ResponseSchema(op)}};
    }
    responses["401"] = {{"description", "Unauthorized"}};
    out["responses"] = std::move(responses);
    out["x-kubernetes-action"] = op.action;
    out["x-kubernetes-group-version-kind"] = GvkJson(op.kind);
    return out;
  }

  SchemaGenerator schemas_;
  Json paths_ = Json::object();
};

}  // namespace

Json OpenApiV2(const std::vector<GroupVersion>& gvs) {
  V2Builder builder;
  for (const auto& gv : gvs) builder.Add(gv);
  return builder.Build();
}

}  // namespace pk::discovery::internal
