// The controller roles of bootstrappolicy/controller_policy.go (v1.32), for the controllers
// picokube's controller-manager runs. Kubernetes binds each to the controller's service
// account in kube-system (used with --use-service-account-credentials); picokube's
// controller-manager runs every controller under its own identity, so each binding also
// names the user system:kube-controller-manager.
#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::ClusterRole;
using k8s::rbac::v1::ClusterRoleBinding;

constexpr const char* kLegacy = "";
constexpr const char* kApps = "apps";
constexpr const char* kBatch = "batch";
constexpr const char* kExtensions = "extensions";

struct ControllerRole {
  std::string name;  // the service account; the role is system:controller:NAME
  std::vector<RuleSpec> rules;
};

std::vector<ControllerRole> Controllers() {
  return {
      {"daemon-set-controller",
       {{kRead, {kExtensions, kApps}, {"daemonsets"}},
        {{"update"}, {kExtensions, kApps}, {"daemonsets/status"}},
        {{"update"}, {kExtensions, kApps}, {"daemonsets/finalizers"}},
        {{"list", "watch"}, {kLegacy}, {"nodes"}},
        {{"list", "watch", "create", "delete", "patch"}, {kLegacy}, {"pods"}},
        {{"create"}, {kLegacy}, {"pods/binding"}},
        {{"get", "list", "watch", "create", "delete", "update", "patch"},
         {kApps},
         {"controllerrevisions"}},
        EventsRule()}},
      {"deployment-controller",
       {{{"get", "list", "watch", "update"}, {kExtensions, kApps}, {"deployments"}},
        {{"update"}, {kExtensions, kApps}, {"deployments/status"}},
        {{"update"}, {kExtensions, kApps}, {"deployments/finalizers"}},
        {{"get", "list", "watch", "create", "update", "patch", "delete"},
         {kApps, kExtensions},
         {"replicasets"}},
        {{"get", "list", "watch", "update"}, {kLegacy}, {"pods"}},
        EventsRule()}},
      {"endpoint-controller",
       {{kRead, {kLegacy}, {"services", "pods"}},
        {{"get", "list", "create", "update", "delete"}, {kLegacy}, {"endpoints"}},
        {{"create"}, {kLegacy}, {"endpoints/restricted"}},
        EventsRule()}},
      {"generic-garbage-collector",
       {{{"get", "list", "watch", "patch", "update", "delete"}, {"*"}, {"*"}}}},
      {"job-controller",
       {{{"get", "list", "watch", "update", "patch"}, {kBatch}, {"jobs"}},
        {{"update"}, {kBatch}, {"jobs/status"}},
        {{"update"}, {kBatch}, {"jobs/finalizers"}},
        {{"list", "watch", "create", "delete", "patch"}, {kLegacy}, {"pods"}},
        EventsRule()}},
      {"namespace-controller",
       {{{"get", "list", "watch", "delete"}, {kLegacy}, {"namespaces"}},
        {{"update"}, {kLegacy}, {"namespaces/finalize", "namespaces/status"}},
        {{"get", "list", "delete", "deletecollection"}, {"*"}, {"*"}}}},
      {"node-controller",
       {{{"get", "list", "update", "delete", "patch"}, {kLegacy}, {"nodes"}},
        {{"patch", "update"}, {kLegacy}, {"nodes/status"}},
        {{"patch", "update"}, {kLegacy}, {"pods/status"}},
        {{"list", "delete"}, {kLegacy}, {"pods"}},
        EventsRule()}},
      {"replicaset-controller",
       {{{"get", "list", "watch", "update"}, {kApps, kExtensions}, {"replicasets"}},
        {{"update"}, {kApps, kExtensions}, {"replicasets/status"}},
        {{"update"}, {kApps, kExtensions}, {"replicasets/finalizers"}},
        {{"list", "watch", "patch", "create", "delete"}, {kLegacy}, {"pods"}},
        EventsRule()}},
      // Quota counts anything, so it may list and watch everything.
      {"resourcequota-controller",
       {{{"list", "watch"}, {"*"}, {"*"}},
        {{"update"}, {kLegacy}, {"resourcequotas/status"}},
        EventsRule()}},
      {"service-account-controller", {{{"create"}, {kLegacy}, {"serviceaccounts"}}, EventsRule()}},
      {"statefulset-controller",
       {{{"list", "watch"}, {kLegacy}, {"pods"}},
        {kRead, {kApps}, {"statefulsets"}},
        {{"update"}, {kApps}, {"statefulsets/status"}},
        {{"update"}, {kApps}, {"statefulsets/finalizers"}},
        {{"get", "create", "delete", "update", "patch"}, {kLegacy}, {"pods"}},
        {{"get", "create", "delete", "update", "patch", "list", "watch"},
         {kApps},
         {"controllerrevisions"}},
        {{"get", "create"}, {kLegacy}, {"persistentvolumeclaims"}},
        {{"update", "delete"}, {kLegacy}, {"persistentvolumeclaims"}},
        EventsRule()}},
      {"taint-eviction-controller",
       {{{"patch", "update"}, {kLegacy}, {"pods/status"}},
        {{"list", "get", "delete"}, {kLegacy}, {"pods"}},
        EventsRule()}},
      {"ttl-after-finished-controller",
       {{{"get", "list", "watch", "delete"}, {kBatch}, {"jobs"}}, EventsRule()}},
  };
}

}  // namespace

std::vector<ClusterRole> ControllerRoles() {
  std::vector<ClusterRole> roles;
  for (const ControllerRole& c : Controllers()) {
    ClusterRole role;
    role.mutable_metadata()->set_name("system:controller:" + c.name);
    for (PolicyRule& rule : MakeRules(c.rules)) *role.add_rules() = std::move(rule);
    roles.push_back(std::move(role));
  }
  return roles;
}

std::vector<ClusterRoleBinding> ControllerRoleBindings() {
  std::vector<ClusterRoleBinding> bindings;
  for (const ControllerRole& c : Controllers()) {
    ClusterRoleBinding b;
    b.mutable_metadata()->set_name("system:controller:" + c.name);
    b.mutable_role_ref()->set_api_group("rbac.authorization.k8s.io");
    b.mutable_role_ref()->set_kind("ClusterRole");
    b.mutable_role_ref()->set_name("system:controller:" + c.name);
    auto* sa = b.add_subjects();
    sa->set_kind("ServiceAccount");
    sa->set_name(c.name);
    sa->set_namespace_("kube-system");
    auto* user = b.add_subjects();  // picokube: the controller-manager's one identity
    user->set_kind("User");
    user->set_api_group("rbac.authorization.k8s.io");
    user->set_name("system:kube-controller-manager");
    bindings.push_back(std::move(b));
  }
  return bindings;
}

}  // namespace pk::apiserver::authorization
