// The bootstrap ClusterRoles and ClusterRoleBindings of
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (v1.32), for the roles picokube
// needs: the user-facing cluster-admin/admin/edit/view (aggregated), discovery and basic
// user, the node, the scheduler, the controller-manager and kube-proxy.
#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::ClusterRole;
using k8s::rbac::v1::ClusterRoleBinding;

constexpr const char* kLegacy = "";
constexpr const char* kApps = "apps";
constexpr const char* kAuthentication = "authentication.k8s.io";
constexpr const char* kAuthorization = "authorization.k8s.io";
constexpr const char* kAutoscaling = "autoscaling";
constexpr const char* kBatch = "batch";
constexpr const char* kCertificates = "certificates.k8s.io";
constexpr const char* kCoordination = "coordination.k8s.io";
constexpr const char* kDiscovery = "discovery.k8s.io";
constexpr const char* kExtensions = "extensions";
constexpr const char* kNetworking = "networking.k8s.io";
constexpr const char* kPolicy = "policy";
constexpr const char* kRbac = "rbac.authorization.k8s.io";
constexpr const char* kStorage = "storage.k8s.io";

void AddDefaultMetadata(k8s::meta::v1::ObjectMeta* meta) {
  (*meta->mutable_labels())["kubernetes.io/bootstrapping"] = "rbac-defaults";
  (*meta->mutable_annotations())["rbac.authorization.kubernetes.io/autoupdate"] = "true";
}

ClusterRole Role(const std::string& name, const std::vector<RuleSpec>& rules,
                 std::map<std::string, std::string> labels = {}) {
  ClusterRole role;
  role.mutable_metadata()->set_name(name);
  for (const auto& [k, v] : labels) (*role.mutable_metadata()->mutable_labels())[k] = v;
  for (PolicyRule& rule : MakeRules(rules)) *role.add_rules() = std::move(rule);
  return role;
}

ClusterRole Aggregated(const std::string& name, const std::string& selector_label,
                       std::map<std::string, std::string> labels = {}) {
  ClusterRole role = Role(name, {}, std::move(labels));
  auto* selector = role.mutable_aggregation_rule()->add_cluster_role_selectors();
  (*selector->mutable_match_labels())[selector_label] = "true";
  return role;
}

const std::string kToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin";
const std::string kToEdit = "rbac.authorization.k8s.io/aggregate-to-edit";
const std::string kToView = "rbac.authorization.k8s.io/aggregate-to-view";

std::vector<RuleSpec> AggregateToEdit() {
  return {
      {kRead,
       {kLegacy},
       {"pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"}},
      {{"impersonate"}, {kLegacy}, {"serviceaccounts"}},
      {kWrite, {kLegacy}, {"pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"}},
      {{"create"}, {kLegacy}, {"pods/eviction"}},
      {kWrite,
       {kLegacy},
       {"replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
        "services/proxy", "persistentvolumeclaims", "configmaps", "secrets", "events"}},
      {{"create"}, {kLegacy}, {"serviceaccounts/token"}},
      {kWrite,
       {kApps},
       {"statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale",
        "deployments/rollback", "replicasets", "replicasets/scale"}},
      {kWrite, {kAutoscaling}, {"horizontalpodautoscalers"}},
      {kWrite, {kBatch}, {"jobs", "cronjobs"}},
      {kWrite,
       {kExtensions},
       {"daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses",
        "replicasets", "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"}},
      {kWrite, {kPolicy}, {"poddisruptionbudgets"}},
      {kWrite, {kNetworking}, {"networkpolicies", "ingresses"}},
  };
}

std::vector<RuleSpec> AggregateToView() {
  return {
      {kRead,
       {kLegacy},
       {"pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
        "services", "services/status", "endpoints", "persistentvolumeclaims",
        "persistentvolumeclaims/status", "configmaps"}},
      {kRead,
       {kLegacy},
       {"limitranges", "resourcequotas", "resourcequotas/status", "bindings", "events",
        "pods/status", "namespaces/status", "replicationcontrollers/status", "pods/log"}},
      {kRead, {kLegacy}, {"namespaces"}},
      {kRead, {kDiscovery}, {"endpointslices"}},
      {kRead,
       {kApps},
       {"controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
        "daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale",
        "replicasets", "replicasets/status", "replicasets/scale"}},
      {kRead, {kAutoscaling}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"}},
      {kRead, {kBatch}, {"jobs", "cronjobs", "cronjobs/status", "jobs/status"}},
      {kRead,
       {kExtensions},
       {"daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
        "ingresses", "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status",
        "replicationcontrollers/scale", "networkpolicies"}},
      {kRead, {kPolicy}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}},
      {kRead, {kNetworking}, {"networkpolicies", "ingresses", "ingresses/status"}},
  };
}

std::vector<RuleSpec> KubeSchedulerRules() {
  return {
      EventsRule(),
      {{"create"}, {kCoordination}, {"leases"}},
      {{"get", "update"}, {kCoordination}, {"leases"}, {"kube-scheduler"}},
      {kRead, {kLegacy}, {"nodes"}},
      {{"get", "list", "watch", "delete"}, {kLegacy}, {"pods"}},
      {{"create"}, {kLegacy}, {"pods/binding", "bindings"}},
      {{"patch", "update"}, {kLegacy}, {"pods/status"}},
      {kRead, {kLegacy}, {"services", "replicationcontrollers"}},
      {kRead, {kApps, kExtensions}, {"replicasets"}},
      {kRead, {kApps}, {"statefulsets"}},
      {kRead, {kPolicy}, {"poddisruptionbudgets"}},
      {kRead, {kLegacy}, {"persistentvolumeclaims", "persistentvolumes"}},
      {{"create"}, {kAuthentication}, {"tokenreviews"}},
      {{"create"}, {kAuthorization}, {"subjectaccessreviews"}},
      {kRead, {kStorage}, {"csinodes"}},
      {kRead, {kLegacy}, {"namespaces"}},
      {kRead, {kStorage}, {"csidrivers"}},
      {kRead, {kStorage}, {"csistoragecapacities"}},
  };
}

std::vector<RuleSpec> KubeControllerManagerRules() {
  return {
      EventsRule(),
      {{"create"}, {kCoordination}, {"leases"}},
      {{"get", "update"}, {kCoordination}, {"leases"}, {"kube-controller-manager"}},
      {{"create"}, {kLegacy}, {"secrets", "serviceaccounts"}},
      {{"delete"}, {kLegacy}, {"secrets"}},
      {{"get"}, {kLegacy}, {"namespaces", "secrets", "serviceaccounts", "configmaps"}},
      {{"update"}, {kLegacy}, {"secrets", "serviceaccounts"}},
      {{"create"}, {kAuthentication}, {"tokenreviews"}},
      {{"create"}, {kAuthorization}, {"subjectaccessreviews"}},
      {{"list", "watch"}, {"*"}, {"*"}},
      {{"create"}, {kLegacy}, {"serviceaccounts/token"}},
  };
}

ClusterRoleBinding Binding(const std::string& role, const std::vector<std::string>& groups,
                           const std::vector<std::string>& users = {}) {
  ClusterRoleBinding b;
  b.mutable_metadata()->set_name(role);
  b.mutable_role_ref()->set_api_group(kRbac);
  b.mutable_role_ref()->set_kind("ClusterRole");
  b.mutable_role_ref()->set_name(role);
  for (const std::string& g : groups) {
    auto* s = b.add_subjects();
    s->set_kind("Group");
    s->set_api_group(kRbac);
    s->set_name(g);
  }
  for (const std::string& u : users) {
    auto* s = b.add_subjects();
    s->set_kind("User");
    s->set_api_group(kRbac);
    s->set_name(u);
  }
  return b;
}

}  // namespace

PolicyRule MakeRule(const RuleSpec& spec) {
  PolicyRule rule;
  for (const auto& v : spec.verbs) rule.add_verbs(v);
  for (const auto& g : spec.groups) rule.add_api_groups(g);
  for (const auto& r : spec.resources) rule.add_resources(r);
  for (const auto& n : spec.names) rule.add_resource_names(n);
  for (const auto& u : spec.urls) rule.add_non_resource_urls(u);
  return rule;
}

std::vector<PolicyRule> MakeRules(const std::vector<RuleSpec>& specs) {
  std::vector<PolicyRule> rules;
  for (const RuleSpec& spec : specs) rules.push_back(MakeRule(spec));
  return rules;
}

RuleSpec EventsRule() {
  return {{"create", "update", "patch"}, {kLegacy, "events.k8s.io"}, {"events"}};
}

std::vector<PolicyRule> NodeRules() {
  return MakeRules({
      {{"create"}, {kAuthentication}, {"tokenreviews"}},
      {{"create"}, {kAuthorization}, {"subjectaccessreviews", "localsubjectaccessreviews"}},
      {kRead, {kLegacy}, {"services"}},
      {{"create", "get", "list", "watch"}, {kLegacy}, {"nodes"}},
      {{"update", "patch"}, {kLegacy}, {"nodes/status"}},
      {{"update", "patch"}, {kLegacy}, {"nodes"}},
      {{"create", "update", "patch"}, {kLegacy}, {"events"}},
      {kRead, {kLegacy}, {"pods"}},
      {{"create", "delete"}, {kLegacy}, {"pods"}},
      {{"update", "patch"}, {kLegacy}, {"pods/status"}},
      {{"create"}, {kLegacy}, {"pods/eviction"}},
      {kRead, {kLegacy}, {"secrets", "configmaps"}},
      {{"get"}, {kLegacy}, {"persistentvolumeclaims", "persistentvolumes"}},
      {{"create", "get", "list", "watch"}, {kCertificates}, {"certificatesigningrequests"}},
      {{"get", "create", "update", "patch", "delete"}, {kCoordination}, {"leases"}},
      {{"get"}, {kStorage}, {"volumeattachments"}},
      {{"create"}, {kLegacy}, {"serviceaccounts/token"}},
      {{"get", "update", "patch"}, {kLegacy}, {"persistentvolumeclaims/status"}},
      {{"get", "watch", "list"}, {kStorage}, {"csidrivers"}},
      {{"get", "create", "update", "patch", "delete"}, {kStorage}, {"csinodes"}},
      {kRead, {"node.k8s.io"}, {"runtimeclasses"}},
  });
}

std::vector<ClusterRole> BootstrapClusterRoles() {
  std::vector<ClusterRole> roles = {
      Role("cluster-admin", {{{"*"}, {"*"}, {"*"}}, {{"*"}, {}, {}, {}, {"*"}}}),
      Role("system:discovery",
           {{{"get"},
             {},
             {},
             {},
             {"/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*",
              "/api", "/api/*", "/apis", "/apis/*"}}}),
      Role("system:monitoring", {{{"get"},
                                  {},
                                  {},
                                  {},
                                  {"/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz",
                                   "/livez/*", "/readyz/*", "/healthz/*"}}}),
      Role("system:basic-user",
           {{{"create"}, {kAuthorization}, {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}},
            {{"create"}, {kAuthentication}, {"selfsubjectreviews"}}}),
      Role("system:public-info-viewer",
           {{{"get"}, {}, {}, {}, {"/livez", "/readyz", "/healthz", "/version", "/version/"}}}),
      Aggregated("admin", kToAdmin),
      Aggregated("edit", kToEdit, {{kToAdmin, "true"}}),
      Aggregated("view", kToView, {{kToEdit, "true"}}),
      Role("system:aggregate-to-admin",
           {{{"create"}, {kAuthorization}, {"localsubjectaccessreviews"}},
            {kReadWrite, {kRbac}, {"roles", "rolebindings"}}},
           {{kToAdmin, "true"}}),
      Role("system:aggregate-to-edit", AggregateToEdit(), {{kToEdit, "true"}}),
      Role("system:aggregate-to-view", AggregateToView(), {{kToView, "true"}}),
      Role("system:node", {}),
      Role("system:node-proxier", {{{"list", "watch"}, {kLegacy}, {"services", "endpoints"}},
                                   {kRead, {kLegacy}, {"nodes"}},
                                   EventsRule(),
                                   {{"list", "watch"}, {kDiscovery}, {"endpointslices"}}}),
      Role("system:auth-delegator", {{{"create"}, {kAuthentication}, {"tokenreviews"}},
                                     {{"create"}, {kAuthorization}, {"subjectaccessreviews"}}}),
      Role("system:kube-controller-manager", KubeControllerManagerRules()),
      Role("system:kube-scheduler", KubeSchedulerRules()),
      Role("system:volume-scheduler", {{kReadUpdate, {kLegacy}, {"persistentvolumes"}},
                                       {kRead, {kStorage}, {"storageclasses"}},
                                       {kReadUpdate, {kLegacy}, {"persistentvolumeclaims"}}}),
      Role("system:service-account-issuer-discovery",
           {{{"get"},
             {},
             {},
             {},
             {"/.well-known/openid-configuration", "/.well-known/openid-configuration/",
              "/openid/v1/jwks", "/openid/v1/jwks/"}}}),
      // picokube: the components' pod-flow spans (TraceService, POST /debug/picokube/traces).
      Role(kTraceRecorder, {{{"post"}, {}, {}, {}, {"/debug/picokube/traces"}}}),
  };
  for (PolicyRule& rule : NodeRules()) *roles[11].add_rules() = std::move(rule);
  for (ClusterRole& controller : ControllerRoles()) roles.push_back(std::move(controller));
  for (ClusterRole& role : roles) AddDefaultMetadata(role.mutable_metadata());
  return roles;
}

std::vector<ClusterRoleBinding> BootstrapClusterRoleBindings() {
  std::vector<ClusterRoleBinding> bindings = {
      Binding("cluster-admin", {"system:masters"}),
      Binding("system:monitoring", {"system:monitoring"}),
      Binding("system:discovery", {"system:authenticated"}),
      Binding("system:basic-user", {"system:authenticated"}),
      Binding("system:public-info-viewer", {"system:authenticated", "system:unauthenticated"}),
      Binding("system:node-proxier", {}, {"system:kube-proxy"}),
      Binding("system:kube-controller-manager", {}, {"system:kube-controller-manager"}),
      Binding("system:kube-scheduler", {}, {"system:kube-scheduler"}),
      Binding("system:volume-scheduler", {}, {"system:kube-scheduler"}),
      // Deprecated since the Node authorizer: kept without subjects, as Kubernetes does.
      Binding("system:node", {}),
      Binding("system:service-account-issuer-discovery", {"system:serviceaccounts"}),
  };
  // picokube: a hollow kubelet simulates many nodes under one identity, which the Node
  // authorizer (one node per identity) cannot serve; its group gets the node role by RBAC.
  ClusterRoleBinding hollow = Binding("system:node", {kHollowNodesGroup});
  hollow.mutable_metadata()->set_name("picokube:hollow-nodes");
  bindings.push_back(std::move(hollow));
  // Every component that sends pod-flow spans: the kubelets and their runtimes (as their
  // node), the scheduler and the controller-manager.
  bindings.push_back(Binding(kTraceRecorder, {"system:nodes", kHollowNodesGroup},
                             {"system:kube-scheduler", "system:kube-controller-manager"}));
  for (ClusterRoleBinding& controller : ControllerRoleBindings()) {
    bindings.push_back(std::move(controller));
  }
  for (ClusterRoleBinding& b : bindings) AddDefaultMetadata(b.mutable_metadata());
  return bindings;
}

}  // namespace pk::apiserver::authorization
