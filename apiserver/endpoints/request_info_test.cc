#include "apiserver/endpoints/request_info.h"

#include <doctest/doctest.h>

#include "apiserver/endpoints/negotiation.h"

namespace pk::apiserver {
namespace {

RequestInfo Parse(const std::string& method, const std::string& target) {
  Request r;
  r.method = method;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  return ParseRequestInfo(r);
}

TEST_CASE("request info of resource paths, as Kubernetes' RequestInfoFactory parses them") {
  RequestInfo i = Parse("GET", "/api/v1/namespaces/default/pods/web/status");
  CHECK(i.is_resource_request);
  CHECK(i.verb == "get");
  CHECK(i.api_group == "");
  CHECK(i.api_version == "v1");
  CHECK(i.ns == "default");
  CHECK(i.resource == "pods");
  CHECK(i.name == "web");
  CHECK(i.subresource == "status");

  i = Parse("GET", "/apis/apps/v1/deployments");
  CHECK(i.verb == "list");
  CHECK(i.api_group == "apps");
  CHECK(i.ns == "");

  CHECK(Parse("GET", "/api/v1/pods?watch=true").verb == "watch");
  CHECK(Parse("GET", "/api/v1/pods?watch=True").verb == "watch");  // the Python client
  CHECK(Parse("GET", "/api/v1/pods?watch=1").verb == "watch");
  CHECK(Parse("GET", "/api/v1/pods?watch=false").verb == "list");
  CHECK(Parse("DELETE", "/api/v1/namespaces/a/pods").verb == "deletecollection");
  CHECK(Parse("DELETE", "/api/v1/namespaces/a/pods/x").verb == "delete");
  CHECK(Parse("POST", "/api/v1/namespaces/a/pods").verb == "create");
  CHECK(Parse("PUT", "/api/v1/namespaces/a/pods/x").verb == "update");
  CHECK(Parse("PATCH", "/api/v1/namespaces/a/pods/x").verb == "patch");
}

TEST_CASE("a namespace, its status and finalize are the namespace itself") {
  RequestInfo i = Parse("GET", "/api/v1/namespaces/team");
  CHECK(i.resource == "namespaces");
  CHECK(i.name == "team");
  CHECK(i.ns == "");
  i = Parse("PUT", "/api/v1/namespaces/team/finalize");
  CHECK(i.resource == "namespaces");
  CHECK(i.name == "team");
  CHECK(i.subresource == "finalize");
  CHECK(Parse("GET", "/api/v1/namespaces").verb == "list");
}

TEST_CASE("discovery and other paths are not resource requests") {
  for (const char* path : {"/api", "/apis", "/api/v1", "/apis/apps", "/apis/apps/v1", "/version",
                           "/healthz", "/openapi/v3"}) {
    CAPTURE(path);
    CHECK_FALSE(Parse("GET", path).is_resource_request);
  }
  // Their verb is the method in lower case, as in Kubernetes (RBAC's nonResourceURLs rules).
  CHECK(Parse("GET", "/healthz").verb == "get");
  CHECK(Parse("POST", "/debug/picokube/faults").verb == "post");
  CHECK(Parse("PUT", "/debug/x").verb == "put");
  CHECK(Parse("POST", "/apis/apps").verb == "post");  // discovery too
}

TEST_CASE("queries are percent-decoded; + is a space; repeated keys kept") {
  auto q = ParseQuery("labelSelector=app%3Dweb%2Ctier+in+(a)&command=ls&command=-l&flag");
  CHECK(q.find("labelSelector")->second == "app=web,tier in (a)");
  CHECK(q.count("command") == 2);
  CHECK(q.find("flag")->second == "");
  CHECK(PercentDecode("%zz%4", false) == "%zz%4");  // malformed escapes stay
}

TEST_CASE("negotiation picks Tables, metadata or objects in the client's order") {
  auto table = Negotiate(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
      "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json");
  REQUIRE(table.ok());
  CHECK(table->shape == Output::Shape::kTable);
  auto meta = Negotiate("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
  REQUIRE(meta.ok());
  CHECK(meta->shape == Output::Shape::kPartialMetadata);
  auto plain = Negotiate("application/vnd.kubernetes.protobuf, application/json");
  REQUIRE(plain.ok());
  CHECK(plain->shape == Output::Shape::kObject);
  CHECK(Negotiate("")->format == Output::Format::kJson);
  CHECK(Negotiate("application/yaml")->format == Output::Format::kYaml);
  auto none = Negotiate("application/vnd.kubernetes.protobuf");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == 406);
  CHECK_FALSE(Negotiate("application/json;as=Unknown;g=meta.k8s.io;v=v1").ok());
}

}  // namespace
}  // namespace pk::apiserver
