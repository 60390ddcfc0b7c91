// The bootstrap policy evaluated by the RBAC authorizer, aggregation included: what the
// default roles allow and refuse, as Kubernetes' bootstrappolicy tests check it.
#include <doctest/doctest.h>

#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::ClusterRole;
using k8s::rbac::v1::ClusterRoleBinding;

// The bootstrap objects in an index, aggregated to a fixed point as the aggregator would.
std::shared_ptr<PolicyIndex> BootstrapIndex() {
  std::vector<ClusterRole> roles = BootstrapClusterRoles();
  for (int round = 0; round < 5; ++round) {
    for (ClusterRole& role : roles) {
      if (!role.has_aggregation_rule()) continue;
      auto rules = AggregatedRules(role, roles);
      role.clear_rules();
      for (auto& rule : rules) *role.add_rules() = rule;
    }
  }
  auto index = std::make_shared<PolicyIndex>();
  for (ClusterRole& role : roles) {
    std::string name = role.metadata().name();
    index->Put("clusterroles", "", name, std::make_shared<ClusterRole>(std::move(role)));
  }
  for (ClusterRoleBinding& b : BootstrapClusterRoleBindings()) {
    std::string name = b.metadata().name();
    index->Put("clusterrolebindings", "", name, std::make_shared<ClusterRoleBinding>(std::move(b)));
  }
  return index;
}

// A user bound to `role` in namespace ns1 through a RoleBinding.
struct Bound {
  std::shared_ptr<PolicyIndex> index = BootstrapIndex();
  std::unique_ptr<Authorizer> rbac = NewRBACAuthorizer(index);

  void Bind(const std::string& user, const std::string& role) {
    auto rb = std::make_shared<k8s::rbac::v1::RoleBinding>();
    rb->mutable_metadata()->set_name(user + "-" + role);
    rb->mutable_metadata()->set_namespace_("ns1");
    auto* s = rb->add_subjects();
    s->set_kind("User");
    s->set_name(user);
    rb->mutable_role_ref()->set_kind("ClusterRole");
    rb->mutable_role_ref()->set_name(role);
    index->Put("rolebindings", "ns1", rb->metadata().name(), rb);
  }
  bool Can(const UserInfo& user, const std::string& verb, const std::string& group,
           const std::string& resource, const std::string& sub = "", const std::string& ns = "ns1",
           const std::string& name = "") {
    Attributes a;
    a.user = user;
    a.resource_request = true;
    a.verb = verb;
    a.api_group = group;
    a.resource = resource;
    a.subresource = sub;
    a.ns = ns;
    a.name = name;
    return rbac->Authorize(a).allowed();
  }
  bool CanPath(const UserInfo& user, const std::string& verb, const std::string& path) {
    Attributes a;
    a.user = user;
    a.verb = verb;
    a.path = path;
    return rbac->Authorize(a).allowed();
  }
};

TEST_CASE("bootstrap: the aggregated user-facing roles") {
  Bound b;
  b.Bind("viewer", "view");
  b.Bind("editor", "edit");
  b.Bind("boss", "admin");
  UserInfo viewer{"viewer", "", {"system:authenticated"}};
  UserInfo editor{"editor", "", {"system:authenticated"}};
  UserInfo boss{"boss", "", {"system:authenticated"}};

  CHECK(b.Can(viewer, "list", "", "pods"));
  CHECK(b.Can(viewer, "get", "apps", "deployments"));
  CHECK(b.Can(viewer, "get", "", "pods", "log"));
  CHECK_FALSE(b.Can(viewer, "get", "", "secrets"));  // view cannot read secrets
  CHECK_FALSE(b.Can(viewer, "create", "", "pods"));
  CHECK_FALSE(b.Can(viewer, "list", "", "pods", "", ""));  // only in its namespace
  CHECK_FALSE(b.Can(viewer, "list", "rbac.authorization.k8s.io", "roles"));

  CHECK(b.Can(editor, "create", "apps", "deployments"));  // edit can create deployments
  CHECK(b.Can(editor, "update", "apps", "deployments", "scale"));
  CHECK(b.Can(editor, "get", "", "secrets"));
  CHECK(b.Can(editor, "create", "", "pods", "exec"));
  CHECK(b.Can(editor, "list", "", "pods"));  // edit includes view
  CHECK_FALSE(b.Can(editor, "create", "rbac.authorization.k8s.io", "rolebindings"));
  CHECK_FALSE(b.Can(editor, "update", "", "pods", "status"));

  CHECK(b.Can(boss, "create", "rbac.authorization.k8s.io", "rolebindings"));
  CHECK(b.Can(boss, "create", "apps", "deployments"));  // admin includes edit
  CHECK(b.Can(boss, "create", "authorization.k8s.io", "localsubjectaccessreviews"));
  CHECK_FALSE(b.Can(boss, "create", "", "namespaces", "", ""));
  CHECK_FALSE(b.Can(boss, "list", "", "nodes", "", ""));
}

TEST_CASE("bootstrap: cluster-admin, discovery, basic user, public info") {
  Bound b;
  UserInfo master{"root", "", {"system:masters", "system:authenticated"}};
  CHECK(b.Can(master, "delete", "", "nodes", "", ""));
  CHECK(b.Can(master, "escalate", "rbac.authorization.k8s.io", "clusterroles", "", ""));
  CHECK(b.CanPath(master, "get", "/metrics"));

  UserInfo someone{"someone", "", {"system:authenticated"}};
  CHECK(b.CanPath(someone, "get", "/apis/apps/v1"));
  CHECK(b.CanPath(someone, "get", "/version"));
  CHECK(b.CanPath(someone, "get", "/openapi/v3"));
  CHECK_FALSE(b.CanPath(someone, "get", "/metrics"));
  CHECK(b.Can(someone, "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", ""));
  CHECK(b.Can(someone, "create", "authorization.k8s.io", "selfsubjectrulesreviews", "", ""));
  CHECK_FALSE(b.Can(someone, "create", "authorization.k8s.io", "subjectaccessreviews", "", ""));
  CHECK_FALSE(b.Can(someone, "list", "", "pods"));

  UserInfo anonymous{"system:anonymous", "", {"system:unauthenticated"}};
  CHECK(b.CanPath(anonymous, "get", "/healthz"));
  CHECK(b.CanPath(anonymous, "get", "/version"));
  CHECK_FALSE(b.CanPath(anonymous, "get", "/apis"));
  CHECK_FALSE(b.Can(anonymous, "create", "authorization.k8s.io", "selfsubjectaccessreviews"));
}

TEST_CASE("bootstrap: scheduler, controller-manager, kube-proxy") {
  Bound b;
  UserInfo scheduler{"system:kube-scheduler", "", {"system:authenticated"}};
  CHECK(b.Can(scheduler, "create", "", "bindings"));
  CHECK(b.Can(scheduler, "create", "", "pods", "binding"));
  CHECK(b.Can(scheduler, "watch", "", "pods", "", ""));
  CHECK(b.Can(scheduler, "list", "", "nodes", "", ""));
  CHECK(b.Can(scheduler, "patch", "", "pods", "status"));
  CHECK(b.Can(scheduler, "create", "events.k8s.io", "events"));
  CHECK(b.Can(scheduler, "update", "coordination.k8s.io", "leases", "", "kube-system",
              "kube-scheduler"));
  CHECK_FALSE(b.Can(scheduler, "update", "coordination.k8s.io", "leases", "", "kube-system",
                    "kube-controller-manager"));
  CHECK(b.Can(scheduler, "list", "", "persistentvolumes", "", ""));  // volume-scheduler too
  CHECK(b.Can(scheduler, "update", "", "persistentvolumeclaims"));
  CHECK_FALSE(b.Can(scheduler, "create", "", "pods"));
  CHECK_FALSE(b.Can(scheduler, "update", "", "nodes", "", "", "n1"));

  // One identity for every controller (picokube): the controller roles are bound to it.
  UserInfo kcm{"system:kube-controller-manager", "", {"system:authenticated"}};
  CHECK(b.Can(kcm, "list", "apps", "replicasets", "", ""));
  CHECK(b.Can(kcm, "create", "", "pods"));
  CHECK(b.Can(kcm, "update", "apps", "deployments", "status"));
  CHECK(b.Can(kcm, "delete", "apps", "replicasets"));  // garbage collector
  CHECK(b.Can(kcm, "update", "", "namespaces", "finalize", "", "ns1"));
  CHECK(b.Can(kcm, "create", "", "serviceaccounts"));
  CHECK(b.Can(kcm, "update", "", "nodes", "status", "", "n1"));
  CHECK_FALSE(b.Can(kcm, "create", "rbac.authorization.k8s.io", "clusterrolebindings", "", ""));
  CHECK_FALSE(b.Can(kcm, "create", "", "nodes", "", ""));

  UserInfo proxy{"system:kube-proxy", "", {"system:authenticated"}};
  CHECK(b.Can(proxy, "watch", "discovery.k8s.io", "endpointslices", "", ""));
  CHECK_FALSE(b.Can(proxy, "create", "", "pods"));
}

TEST_CASE("bootstrap: the components, and only they, may post pod-flow spans") {
  Bound b;
  const std::string spans = "/debug/picokube/traces";
  for (const UserInfo& component :
       {UserInfo{"system:kube-scheduler", "", {"system:authenticated"}},
        UserInfo{"system:kube-controller-manager", "", {"system:authenticated"}},
        UserInfo{"system:node:n1", "", {"system:nodes", "system:authenticated"}},
        UserInfo{"picokube:hollow-node:h", "", {"picokube:hollow-nodes", "system:authenticated"}}}) {
    CAPTURE(component.name);
    CHECK(b.CanPath(component, "post", spans));
    CHECK_FALSE(b.CanPath(component, "get", spans + "/default/p"));  // reading is the admin's
  }
  CHECK_FALSE(b.CanPath({"someone", "", {"system:authenticated"}}, "post", spans));
  CHECK_FALSE(b.CanPath({"system:anonymous", "", {"system:unauthenticated"}}, "post", spans));
  CHECK(b.CanPath({"root", "", {"system:masters"}}, "post", spans));
}

TEST_CASE("bootstrap: labels, annotations and the aggregation rules of admin, edit, view") {
  auto roles = BootstrapClusterRoles();
  auto find = [&](const std::string& name) -> const ClusterRole& {
    for (const auto& r : roles) {
      if (r.metadata().name() == name) return r;
    }
    FAIL("no role " << name);
    return roles.front();
  };
  CHECK(find("cluster-admin").metadata().labels().at("kubernetes.io/bootstrapping") ==
        "rbac-defaults");
  CHECK(find("view").metadata().annotations().at("rbac.authorization.kubernetes.io/autoupdate") ==
        "true");
  CHECK(find("edit").metadata().labels().at("rbac.authorization.k8s.io/aggregate-to-admin") ==
        "true");
  CHECK(find("view").metadata().labels().at("rbac.authorization.k8s.io/aggregate-to-edit") ==
        "true");
  CHECK(find("admin").aggregation_rule().cluster_role_selectors(0).match_labels().at(
            "rbac.authorization.k8s.io/aggregate-to-admin") == "true");
  CHECK(find("admin").rules().empty());  // filled by aggregation
  CHECK(find("system:node").rules_size() == static_cast<int>(NodeRules().size()));
}

}  // namespace
}  // namespace pk::apiserver::authorization
