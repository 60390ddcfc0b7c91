// Rule matching and RBAC evaluation, table-driven after Kubernetes' rbac_test.go
// (TestRuleMatches, TestAuthorizer, TestAppliesTo).
#include <doctest/doctest.h>

#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::ClusterRole;
using k8s::rbac::v1::ClusterRoleBinding;
using k8s::rbac::v1::Role;
using k8s::rbac::v1::RoleBinding;
using k8s::rbac::v1::Subject;

Attributes Resource(std::string verb, std::string group, std::string resource,
                    std::string subresource = "", std::string name = "", std::string ns = "") {
  Attributes a;
  a.resource_request = true;
  a.verb = std::move(verb);
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.subresource = std::move(subresource);
  a.name = std::move(name);
  a.ns = std::move(ns);
  return a;
}

Attributes Path(std::string verb, std::string path) {
  Attributes a;
  a.verb = std::move(verb);
  a.path = std::move(path);
  return a;
}

TEST_CASE("RuleAllows: verbs, groups, resources, subresources, names, URLs") {
  struct Case {
    const char* name;
    RuleSpec rule;
    Attributes attributes;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"star verb", {{"*"}, {""}, {"pods"}}, Resource("delete", "", "pods"), true},
      {"verb mismatch", {{"get"}, {""}, {"pods"}}, Resource("list", "", "pods"), false},
      {"star group",
       {{"get"}, {"*"}, {"deployments"}},
       Resource("get", "apps", "deployments"),
       true},
      {"group mismatch",
       {{"get"}, {""}, {"deployments"}},
       Resource("get", "apps", "deployments"),
       false},
      {"star resource", {{"get"}, {""}, {"*"}}, Resource("get", "", "pods", "log"), true},
      {"resource without subresource does not match a subresource",
       {{"get"}, {""}, {"pods"}},
       Resource("get", "", "pods", "log"),
       false},
      {"resource/subresource",
       {{"get"}, {""}, {"pods/log"}},
       Resource("get", "", "pods", "log"),
       true},
      {"resource/subresource does not match the resource",
       {{"get"}, {""}, {"pods/log"}},
       Resource("get", "", "pods"),
       false},
      {"*/subresource",
       {{"update"}, {"*"}, {"*/scale"}},
       Resource("update", "apps", "deployments", "scale"),
       true},
      {"*/subresource wrong subresource",
       {{"update"}, {"*"}, {"*/scale"}},
       Resource("update", "apps", "deployments", "status"),
       false},
      {"*/subresource does not match the resource",
       {{"get"}, {"*"}, {"*/scale"}},
       Resource("get", "apps", "deployments"),
       false},
      {"resourceNames match",
       {{"get"}, {""}, {"configmaps"}, {"a", "b"}},
       Resource("get", "", "configmaps", "", "b"),
       true},
      {"resourceNames mismatch",
       {{"get"}, {""}, {"configmaps"}, {"a"}},
       Resource("get", "", "configmaps", "", "c"),
       false},
      {"resourceNames do not allow list (no name)",
       {{"list"}, {""}, {"configmaps"}, {"a"}},
       Resource("list", "", "configmaps"),
       false},
      {"url exact", {{"get"}, {}, {}, {}, {"/healthz"}}, Path("get", "/healthz"), true},
      {"url star", {{"get"}, {}, {}, {}, {"*"}}, Path("get", "/anything"), true},
      {"url prefix", {{"get"}, {}, {}, {}, {"/apis/*"}}, Path("get", "/apis/apps/v1"), true},
      {"url prefix needs the slash",
       {{"get"}, {}, {}, {}, {"/apis/*"}},
       Path("get", "/apis"),
       false},
      {"url mismatch", {{"get"}, {}, {}, {}, {"/healthz"}}, Path("get", "/healthz/etcd"), false},
      {"url verb mismatch", {{"get"}, {}, {}, {}, {"/healthz"}}, Path("post", "/healthz"), false},
      {"a resource rule does not match a path",
       {{"*"}, {"*"}, {"*"}},
       Path("get", "/healthz"),
       false},
      {"a url rule does not match a resource",
       {{"*"}, {}, {}, {}, {"*"}},
       Resource("get", "", "pods"),
       false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(RuleAllows(c.attributes, MakeRule(c.rule)) == c.allowed);
  }
}

Subject MakeSubject(std::string kind, std::string name, std::string ns = "") {
  Subject s;
  s.set_kind(std::move(kind));
  s.set_name(std::move(name));
  s.set_namespace_(std::move(ns));
  return s;
}

TEST_CASE("AppliesTo: users, groups, service accounts") {
  UserInfo jane{"jane", "", {"devs", "system:authenticated"}};
  UserInfo sa{"system:serviceaccount:ns1:robot",
              "",
              {"system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"}};
  CHECK(AppliesTo(jane, MakeSubject("User", "jane"), ""));
  CHECK_FALSE(AppliesTo(jane, MakeSubject("User", "bob"), ""));
  CHECK(AppliesTo(jane, MakeSubject("Group", "devs"), ""));
  CHECK_FALSE(AppliesTo(jane, MakeSubject("Group", "ops"), ""));
  CHECK(AppliesTo(sa, MakeSubject("ServiceAccount", "robot", "ns1"), ""));
  CHECK(AppliesTo(sa, MakeSubject("ServiceAccount", "robot"), "ns1"));  // the binding's ns
  CHECK_FALSE(AppliesTo(sa, MakeSubject("ServiceAccount", "robot"), ""));
  CHECK_FALSE(AppliesTo(sa, MakeSubject("ServiceAccount", "robot", "ns2"), "ns1"));
  CHECK(AppliesTo(sa, MakeSubject("Group", "system:serviceaccounts:ns1"), ""));
  CHECK(AppliesTo(sa, MakeSubject("Group", "system:serviceaccounts"), ""));
  CHECK_FALSE(AppliesTo(jane, MakeSubject("Unknown", "jane"), ""));
}

// An index with a namespaced Role and a ClusterRole bound in several ways.
std::shared_ptr<PolicyIndex> SampleIndex() {
  auto index = std::make_shared<PolicyIndex>();
  auto role = std::make_shared<Role>();
  role->mutable_metadata()->set_name("pod-reader");
  role->mutable_metadata()->set_namespace_("ns1");
  *role->add_rules() = MakeRule({{"get", "list"}, {""}, {"pods"}});
  index->Put("roles", "ns1", "pod-reader", role);

  auto cr = std::make_shared<ClusterRole>();
  cr->mutable_metadata()->set_name("node-reader");
  *cr->add_rules() = MakeRule({{"get"}, {""}, {"nodes"}});
  *cr->add_rules() = MakeRule({{"get"}, {}, {}, {}, {"/healthz"}});
  index->Put("clusterroles", "", "node-reader", cr);

  auto rb = std::make_shared<RoleBinding>();
  rb->mutable_metadata()->set_name("read-pods");
  rb->mutable_metadata()->set_namespace_("ns1");
  *rb->add_subjects() = MakeSubject("User", "jane");
  rb->mutable_role_ref()->set_kind("Role");
  rb->mutable_role_ref()->set_name("pod-reader");
  index->Put("rolebindings", "ns1", "read-pods", rb);

  auto rb2 = std::make_shared<RoleBinding>();  // a ClusterRole bound in one namespace
  rb2->mutable_metadata()->set_name("nodes-in-ns2");
  rb2->mutable_metadata()->set_namespace_("ns2");
  *rb2->add_subjects() = MakeSubject("ServiceAccount", "robot");
  rb2->mutable_role_ref()->set_kind("ClusterRole");
  rb2->mutable_role_ref()->set_name("node-reader");
  index->Put("rolebindings", "ns2", "nodes-in-ns2", rb2);

  auto crb = std::make_shared<ClusterRoleBinding>();
  crb->mutable_metadata()->set_name("ops-nodes");
  *crb->add_subjects() = MakeSubject("Group", "ops");
  crb->mutable_role_ref()->set_kind("ClusterRole");
  crb->mutable_role_ref()->set_name("node-reader");
  index->Put("clusterrolebindings", "", "ops-nodes", crb);

  auto dangling = std::make_shared<ClusterRoleBinding>();
  dangling->mutable_metadata()->set_name("dangling");
  *dangling->add_subjects() = MakeSubject("User", "bob");
  dangling->mutable_role_ref()->set_kind("ClusterRole");
  dangling->mutable_role_ref()->set_name("missing");
  index->Put("clusterrolebindings", "", "dangling", dangling);
  return index;
}

TEST_CASE("RBAC authorizer: bindings, scopes, reasons") {
  auto index = SampleIndex();
  auto rbac = NewRBACAuthorizer(index);
  UserInfo jane{"jane", "", {"system:authenticated"}};
  UserInfo op{"olga", "", {"ops"}};
  UserInfo robot{"system:serviceaccount:ns2:robot", "", {"system:serviceaccounts"}};
  UserInfo bob{"bob", "", {}};

  auto decide = [&](const UserInfo& u, Attributes a) {
    a.user = u;
    return rbac->Authorize(a);
  };
  Verdict v = decide(jane, Resource("get", "", "pods", "", "web", "ns1"));
  CHECK(v.allowed());
  CHECK(v.reason ==
        R"(RBAC: allowed by RoleBinding "read-pods/ns1" of Role "pod-reader" to User "jane")");
  CHECK_FALSE(decide(jane, Resource("get", "", "pods", "", "web", "ns2")).allowed());
  CHECK_FALSE(decide(jane, Resource("get", "", "pods", "", "web")).allowed());  // cluster scope
  CHECK_FALSE(decide(jane, Resource("delete", "", "pods", "", "web", "ns1")).allowed());

  v = decide(op, Resource("get", "", "nodes", "", "n1"));
  CHECK(v.allowed());
  CHECK(
      v.reason ==
      R"(RBAC: allowed by ClusterRoleBinding "ops-nodes" of ClusterRole "node-reader" to Group "ops")");
  CHECK(decide(op, Path("get", "/healthz")).allowed());
  CHECK(decide(op, Resource("get", "", "nodes", "", "n1", "ns9")).allowed());

  // A RoleBinding to a ClusterRole grants it in its namespace only.
  v = decide(robot, Resource("get", "", "nodes", "", "n1", "ns2"));
  CHECK(v.allowed());
  CHECK(v.reason == R"(RBAC: allowed by RoleBinding "nodes-in-ns2/ns2" of ClusterRole )"
                    R"("node-reader" to ServiceAccount "robot/ns2")");
  CHECK_FALSE(decide(robot, Resource("get", "", "nodes", "", "n1")).allowed());

  // No match: no opinion; a binding to a missing role is named in the reason.
  v = decide(bob, Resource("get", "", "nodes"));
  CHECK(v.decision == Decision::kNoOpinion);
  CHECK(v.reason == R"(RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found)");
  CHECK(decide(jane, Resource("get", "", "secrets", "", "", "ns1")).reason.empty());

  RuleSet rules = rbac->RulesFor(jane, "ns1");
  REQUIRE(rules.rules.size() == 1);
  CHECK(rules.rules[0].resources(0) == "pods");
  CHECK_FALSE(rules.incomplete);
  RuleSet bobs = rbac->RulesFor(bob, "default");
  CHECK(bobs.incomplete);
  CHECK(bobs.evaluation_error == R"(clusterrole.rbac.authorization.k8s.io "missing" not found)");
}

TEST_CASE("Union: the first decision wins; reasons of the others are joined") {
  auto index = SampleIndex();
  std::vector<std::unique_ptr<Authorizer>> list;
  list.push_back(NewPrivilegedGroups({"system:masters"}));
  list.push_back(NewNodeAuthorizer(index));
  list.push_back(NewRBACAuthorizer(index));
  auto u = NewUnion(std::move(list));
  Attributes a = Resource("delete", "", "nodes", "", "n1");
  a.user = {"admin", "", {"system:masters"}};
  CHECK(u->Authorize(a).allowed());
  a.user = {"bob", "", {}};
  Verdict v = u->Authorize(a);
  CHECK_FALSE(v.allowed());
  CHECK(v.reason == R"(RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found)");
  a.user = {"system:node:", "", {"system:nodes"}};
  v = u->Authorize(a);
  CHECK(v.reason == "unknown node for user \"system:node:\"");
}

TEST_CASE("AggregatedRules: selectors pick labelled ClusterRoles in name order, once each") {
  ClusterRole agg;
  agg.mutable_metadata()->set_name("monitoring");
  (*agg.mutable_aggregation_rule()->add_cluster_role_selectors()->mutable_match_labels())["x"] =
      "true";
  ClusterRole b;
  b.mutable_metadata()->set_name("b");
  (*b.mutable_metadata()->mutable_labels())["x"] = "true";
  *b.add_rules() = MakeRule({{"get"}, {""}, {"pods"}});
  ClusterRole a = b;
  a.mutable_metadata()->set_name("a");
  *a.add_rules() = MakeRule({{"list"}, {""}, {"pods"}});
  ClusterRole other;
  other.mutable_metadata()->set_name("other");
  *other.add_rules() = MakeRule({{"*"}, {"*"}, {"*"}});
  auto rules = AggregatedRules(agg, {agg, b, other, a});
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].verbs(0) == "get");  // a's rules first: get (shared with b), then list
  CHECK(rules[1].verbs(0) == "list");
}

}  // namespace
}  // namespace pk::apiserver::authorization
