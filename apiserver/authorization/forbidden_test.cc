// Kubernetes' wording of a denial (responsewriters.ForbiddenStatusError + NewForbidden).
#include <doctest/doctest.h>

#include "apiserver/authorization/authorization.h"

namespace pk::apiserver::authorization {
namespace {

Attributes Resource(std::string verb, std::string group, std::string resource, std::string sub,
                    std::string name, std::string ns) {
  Attributes a;
  a.user = {"x", "", {}};
  a.resource_request = true;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.subresource = std::move(sub);
  a.name = std::move(name);
  a.ns = std::move(ns);
  return a;
}

TEST_CASE("Forbidden: Kubernetes' messages") {
  Status s = Forbidden(Resource("list", "", "pods", "", "", "default"), "");
  CHECK(s.reason() == Reason::kForbidden);
  CHECK(s.code() == 403);
  CHECK(
      s.message() ==
      R"(pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "default")");
  CHECK(s.details().kind == "pods");
  CHECK(s.details().name.empty());

  s = Forbidden(Resource("get", "", "pods", "", "web", "default"), "");
  CHECK(
      s.message() ==
      R"(pods "web" is forbidden: User "x" cannot get resource "pods" in API group "" in the namespace "default")");
  CHECK(s.details().name == "web");

  s = Forbidden(Resource("get", "", "pods", "log", "web", "default"), "");
  CHECK(
      s.message() ==
      R"(pods "web" is forbidden: User "x" cannot get resource "pods/log" in API group "" in the namespace "default")");

  s = Forbidden(Resource("list", "", "nodes", "", "", ""), "");
  CHECK(
      s.message() ==
      R"(nodes is forbidden: User "x" cannot list resource "nodes" in API group "" at the cluster scope)");

  s = Forbidden(Resource("create", "apps", "deployments", "", "", "ns1"), "");
  CHECK(
      s.message() ==
      R"(deployments.apps is forbidden: User "x" cannot create resource "deployments" in API group "apps" in the namespace "ns1")");
  CHECK(s.details().group == "apps");

  s = Forbidden(Resource("get", "", "nodes", "", "n2", ""),
                "node 'n1' cannot read 'n2', only its own Node object");
  CHECK(
      s.message() ==
      R"(nodes "n2" is forbidden: User "x" cannot get resource "nodes" in API group "" at the cluster scope: node 'n1' cannot read 'n2', only its own Node object)");

  Attributes path;
  path.user = {"x", "", {}};
  path.verb = "get";
  path.path = "/healthz";
  s = Forbidden(path, "");
  CHECK(s.message() == R"(forbidden: User "x" cannot get path "/healthz")");
}

}  // namespace
}  // namespace pk::apiserver::authorization
