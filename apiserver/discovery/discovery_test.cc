#include "apiserver/discovery/discovery.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace pk::discovery {
namespace {

using nlohmann::json;

constexpr const char* kAggregated =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
// What kubectl v1.32 sends on a cold cache.
constexpr const char* kKubectlAccept =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

const Discovery& Builtin() {
  static const Discovery* discovery = new Discovery(BuiltinResources(), {"127.0.0.1:6443"});
  return *discovery;
}

json Get(std::string_view path, std::string_view accept = "application/json") {
  auto doc = Builtin().Serve(path, accept);
  REQUIRE(doc.has_value());
  CHECK(doc->code == 200);
  return json::parse(doc->body);
}

json Find(const json& list, const char* key, std::string_view value) {
  for (const auto& item : list) {
    if (item.value(key, "") == value) return item;
  }
  FAIL("no item with " << key << " = " << value);
  return {};
}

TEST_CASE("/api lists v1") {
  json doc = Get("/api");
  CHECK(doc["kind"] == "APIVersions");
  CHECK(doc["versions"] == json::array({"v1"}));
  CHECK(doc["serverAddressByClientCIDRs"][0]["serverAddress"] == "127.0.0.1:6443");
}

TEST_CASE("/api/v1 pods entry is exactly Kubernetes'") {
  json doc = Get("/api/v1");
  CHECK(doc["kind"] == "APIResourceList");
  CHECK(doc["groupVersion"] == "v1");
  // Field order too: the wire text of KUBECTL-WIRE.md.
  auto ordered = nlohmann::ordered_json::parse(Builtin().Serve("/api/v1", "")->body);
  for (const auto& entry : ordered["resources"]) {
    if (entry["name"] != "pods") continue;
    CHECK(entry.dump() ==
          R"({"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod",)"
          R"("verbs":["create","delete","deletecollection","get","list","patch","update","watch"],)"
          R"("shortNames":["po"],"categories":["all"]})");
  }
  json status = Find(doc["resources"], "name", "pods/status");
  CHECK(status["kind"] == "Pod");
  CHECK(status["verbs"] == json::array({"get", "patch", "update"}));
  CHECK_FALSE(status.contains("group"));
  CHECK(Find(doc["resources"], "name", "pods/binding")["kind"] == "Binding");
}

TEST_CASE("/apis/apps/v1 deployments/scale is autoscaling/v1 Scale") {
  json doc = Get("/apis/apps/v1");
  CHECK(doc["groupVersion"] == "apps/v1");
  json scale = Find(doc["resources"], "name", "deployments/scale");
  CHECK(scale["group"] == "autoscaling");
  CHECK(scale["version"] == "v1");
  CHECK(scale["kind"] == "Scale");
  CHECK(scale["namespaced"] == true);
  CHECK(scale["verbs"] == json::array({"get", "patch", "update"}));
}

TEST_CASE("/apis lists the groups and /apis/G describes one") {
  json doc = Get("/apis");
  CHECK(doc["kind"] == "APIGroupList");
  json apps = Find(doc["groups"], "name", "apps");
  CHECK(apps["preferredVersion"]["groupVersion"] == "apps/v1");
  CHECK(Get("/apis/apps")["kind"] == "APIGroup");
  CHECK(Get("/apis/apps/")["name"] == "apps");
}

TEST_CASE("unknown groups and versions are a 404 Status; resource paths are not ours") {
  for (const char* path : {"/apis/unknown/v1", "/apis/apps/v2", "/api/v2", "/apis/unknown",
                           "/openapi/v3/apis/unknown/v1"}) {
    CAPTURE(path);
    auto doc = Builtin().Serve(path, "application/json");
    REQUIRE(doc.has_value());
    CHECK(doc->code == 404);
    json status = json::parse(doc->body);
    CHECK(status["kind"] == "Status");
    CHECK(status["reason"] == "NotFound");
    CHECK(status["message"] == "the server could not find the requested resource");
    CHECK(status["code"] == 404);
  }
  CHECK(Builtin().Serve("/apis/unknown/v1", "")->body ==
        R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
        R"("message":"the server could not find the requested resource","reason":"NotFound",)"
        R"("details":{},"code":404})");
  CHECK_FALSE(Builtin().Serve("/api/v1/pods", "application/json").has_value());
  CHECK_FALSE(Builtin().Serve("/apis/apps/v1/deployments", "application/json").has_value());
  CHECK_FALSE(Builtin().Serve("/version", "application/json").has_value());
}

TEST_CASE("aggregated discovery v2 when the Accept list allows it") {
  auto doc = Builtin().Serve("/api", kKubectlAccept);
  REQUIRE(doc.has_value());
  CHECK(doc->content_type == kAggregated);
  json list = json::parse(doc->body);
  CHECK(list["kind"] == "APIGroupDiscoveryList");
  CHECK(list["apiVersion"] == "apidiscovery.k8s.io/v2");
  REQUIRE(list["items"].size() == 1);
  json core = list["items"][0];
  CHECK_FALSE(core["metadata"].contains("name"));
  json v1 = core["versions"][0];
  CHECK(v1["version"] == "v1");
  json pods = Find(v1["resources"], "resource", "pods");
  CHECK(pods["responseKind"] == json({{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}));
  CHECK(pods["scope"] == "Namespaced");
  CHECK(pods["singularResource"] == "pod");
  CHECK(pods["shortNames"] == json::array({"po"}));
  json status = Find(pods["subresources"], "subresource", "status");
  CHECK(status["responseKind"]["kind"] == "Pod");
  CHECK(Find(v1["resources"], "resource", "nodes")["scope"] == "Cluster");

  json apis = json::parse(Builtin().Serve("/apis", kKubectlAccept)->body);
  bool found = false;
  for (const auto& item : apis["items"]) found |= item["metadata"]["name"] == "apps";
  CHECK(found);
}

TEST_CASE("plain JSON when v2 is not acceptable") {
  for (const char* accept :
       {"application/json", "", "*/*",
        "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/"
        "json",
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/"
        "json"}) {
    CAPTURE(accept);
    auto doc = Builtin().Serve("/apis", accept);
    REQUIRE(doc.has_value());
    CHECK(doc->content_type == "application/json");
    CHECK(json::parse(doc->body)["kind"] == "APIGroupList");
  }
}

TEST_CASE("OpenAPI v3 index names every group/version") {
  json index = Get("/openapi/v3");
  for (const char* gv : {"api/v1", "apis/apps/v1", "apis/batch/v1"}) {
    CAPTURE(gv);
    std::string url = index["paths"][gv]["serverRelativeURL"];
    CHECK(url.starts_with(std::string("/openapi/v3/") + gv + "?hash="));
    CHECK(Get(url.substr(0, url.find('?')))["openapi"] == "3.0.0");
  }
}

TEST_CASE("OpenAPI v3 Pod schema and PATCH operation") {
  json doc = Get("/openapi/v3/api/v1");
  json schemas = doc["components"]["schemas"];
  json pod = schemas["io.k8s.api.core.v1.Pod"];
  CHECK(pod["x-kubernetes-group-version-kind"] ==
        json::array({{{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}}));
  CHECK(pod["properties"]["spec"]["allOf"][0]["$ref"] ==
        "#/components/schemas/io.k8s.api.core.v1.PodSpec");
  json spec = schemas["io.k8s.api.core.v1.PodSpec"];
  CHECK(spec["properties"]["restartPolicy"]["type"] == "string");
  CHECK(spec["properties"]["containers"]["items"]["$ref"] ==
        "#/components/schemas/io.k8s.api.core.v1.Container");
  CHECK(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]["labels"]
               ["additionalProperties"]["type"] == "string");
  CHECK(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]["format"] == "date-time");
  CHECK(schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"][0]["type"] == "string");
  CHECK(schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string");
  CHECK(schemas.contains("io.k8s.api.core.v1.PodList"));

  json patch = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"];
  CHECK(patch["x-kubernetes-action"] == "patch");
  CHECK(patch["x-kubernetes-group-version-kind"] ==
        json({{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}));
  json validation = Find(patch["parameters"], "name", "fieldValidation");
  CHECK(validation["in"] == "query");
  CHECK(patch["requestBody"]["content"].contains("application/apply-patch+yaml"));
  CHECK(doc["paths"].contains("/api/v1/namespaces/{namespace}/pods/{name}/status"));
  CHECK(doc["paths"]["/api/v1/pods"]["get"]["x-kubernetes-action"] == "list");
}

TEST_CASE("OpenAPI v3 apps/v1 carries the Scale schema of deployments/scale") {
  json doc = Get("/openapi/v3/apis/apps/v1");
  json patch =
      doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"];
  CHECK(patch["x-kubernetes-group-version-kind"]["kind"] == "Scale");
  CHECK(doc["components"]["schemas"].contains("io.k8s.api.autoscaling.v1.Scale"));
  CHECK(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
           ["x-kubernetes-group-version-kind"][0]["group"] == "apps");
}

TEST_CASE("OpenAPI v2 definitions") {
  json doc = Get("/openapi/v2");
  CHECK(doc["swagger"] == "2.0");
  json pod = doc["definitions"]["io.k8s.api.core.v1.Pod"];
  CHECK(pod["properties"]["spec"]["$ref"] == "#/definitions/io.k8s.api.core.v1.PodSpec");
  CHECK(doc["definitions"].contains("io.k8s.api.apps.v1.Deployment"));
  CHECK(doc["definitions"]["io.k8s.apimachinery.pkg.api.resource.Quantity"]["type"] == "string");
  json patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
  CHECK(Find(patch["parameters"], "name", "fieldValidation")["in"] == "query");
  // client-go asks for protobuf only; it must fail cleanly rather than misread JSON.
  auto proto =
      Builtin().Serve("/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  REQUIRE(proto.has_value());
  CHECK(proto->code == 406);
}

}  // namespace
}  // namespace pk::discovery
