// Privilege-escalation checks (after policy_comparator_test.go and escalation_check tests).
#include <doctest/doctest.h>

#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

TEST_CASE("Uncovered: what an owner's rules do not cover") {
  std::vector<PolicyRule> owner = MakeRules({{{"get", "list"}, {""}, {"pods"}},
                                             {{"update"}, {"*"}, {"*/scale"}},
                                             {{"get"}, {""}, {"configmaps"}, {"a"}},
                                             {{"get"}, {}, {}, {}, {"/apis/*"}}});
  CHECK(Uncovered(owner, MakeRules({{{"get"}, {""}, {"pods"}}})).empty());
  auto missing = Uncovered(owner, MakeRules({{{"get", "delete"}, {""}, {"pods"}}}));
  REQUIRE(missing.size() == 1);
  CHECK(CompactString(missing[0]) == R"({APIGroups:[""], Resources:["pods"], Verbs:["delete"]})");
  CHECK(Uncovered(owner, MakeRules({{{"update"}, {"apps"}, {"deployments/scale"}}})).empty());
  CHECK(Uncovered(owner, MakeRules({{{"get"}, {""}, {"configmaps"}, {"a"}}})).empty());
  CHECK(Uncovered(owner, MakeRules({{{"get"}, {""}, {"configmaps"}}})).size() == 1);
  CHECK(Uncovered(owner, MakeRules({{{"get"}, {}, {}, {}, {"/apis/apps"}}})).empty());
  CHECK(Uncovered(owner, MakeRules({{{"get"}, {}, {}, {}, {"/api"}}})).size() == 1);
  CHECK(Uncovered(MakeRules({{{"*"}, {"*"}, {"*"}}}), MakeRules({{{"get"}, {"x"}, {"y/z"}}}))
            .empty());
}

TEST_CASE("ConfirmNoEscalation: Kubernetes' message") {
  auto index = std::make_shared<PolicyIndex>();
  auto role = std::make_shared<k8s::rbac::v1::Role>();
  role->mutable_metadata()->set_name("pods");
  role->mutable_metadata()->set_namespace_("ns1");
  *role->add_rules() = MakeRule({{"get", "list"}, {""}, {"pods"}});
  index->Put("roles", "ns1", "pods", role);
  auto rb = std::make_shared<k8s::rbac::v1::RoleBinding>();
  rb->mutable_metadata()->set_name("jane");
  auto* s = rb->add_subjects();
  s->set_kind("User");
  s->set_name("jane");
  rb->mutable_role_ref()->set_kind("Role");
  rb->mutable_role_ref()->set_name("pods");
  index->Put("rolebindings", "ns1", "jane", rb);
  auto rbac = NewRBACAuthorizer(index);
  UserInfo jane{"jane", "", {"system:authenticated"}};

  CHECK(ConfirmNoEscalation(*rbac, jane, "ns1", MakeRules({{{"list"}, {""}, {"pods"}}}),
                            {"rbac.authorization.k8s.io", "roles"}, "r")
            .ok());
  Status st = ConfirmNoEscalation(*rbac, jane, "ns1",
                                  MakeRules({{{"get", "list", "delete", "patch"}, {""}, {"pods"}},
                                             {{"create"}, {"apps"}, {"deployments"}}}),
                                  {"rbac.authorization.k8s.io", "roles"}, "r");
  CHECK(st.reason() == Reason::kForbidden);
  CHECK(st.message() ==
        "roles.rbac.authorization.k8s.io \"r\" is forbidden: user \"jane\" "
        "(groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not "
        "currently held:\n"
        "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"delete\" \"patch\"]}\n"
        "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"create\"]}");
  // Held in ns1 only.
  CHECK_FALSE(ConfirmNoEscalation(*rbac, jane, "ns2", MakeRules({{{"list"}, {""}, {"pods"}}}),
                                  {"rbac.authorization.k8s.io", "roles"}, "r")
                  .ok());
}

}  // namespace
}  // namespace pk::apiserver::authorization
