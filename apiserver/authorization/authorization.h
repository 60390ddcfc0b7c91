// Authorization as kube-apiserver does it (k8s.io/apiserver/pkg/authorization and
// plugin/pkg/auth/authorizer): the attributes of a request, authorizers that decide on them
// (the Node authorizer, RBAC, a union of both behind the system:masters shortcut), the
// bootstrap RBAC policy created at start, ClusterRole aggregation, the answers to the
// authorization.k8s.io reviews, and Kubernetes' wording of a denial.
//
// RBAC reads Roles, ClusterRoles and their bindings from an in-memory index kept current by
// store watches (never a store read per request). Writes are seen at once: the store
// decorator TrackWrites records the revision of every RBAC (and pod) write, and a request
// that would be denied first waits (up to a second) for the index to have applied the writes
// acknowledged so far, then is decided again. A binding created by one request thus grants
// its permissions to the very next request.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/admission/admission.h"
#include "apiserver/endpoints/request.h"
#include "apiserver/storage/store.h"
#include "proto/rbac/v1/rbac.pb.h"

namespace pk::apiserver::authorization {

using k8s::rbac::v1::PolicyRule;

// The group of hollow kubelets (one identity for many simulated nodes): bound to the
// system:node ClusterRole by the bootstrap policy, since the Node authorizer cannot serve it.
inline constexpr char kHollowNodesGroup[] = "picokube:hollow-nodes";
// The bootstrap ClusterRole (and its binding) that lets components post pod-flow spans.
inline constexpr char kTraceRecorder[] = "picokube:trace-recorder";

// authorizer.AttributesRecord: what a request asks to do.
struct Attributes {
  UserInfo user;
  std::string verb;
  bool resource_request = false;
  std::string path;  // of a non-resource request ("/healthz")
  std::string ns;
  std::string api_group;
  std::string api_version;
  std::string resource;
  std::string subresource;
  std::string name;
  std::string field_selector;  // the request's fieldSelector, raw (the Node authorizer reads it)
};
Attributes AttributesOf(const Request& request);

enum class Decision { kNoOpinion, kAllow, kDeny };
struct Verdict {
  Decision decision = Decision::kNoOpinion;
  std::string reason;  // why (empty when there is nothing to say)
  bool allowed() const { return decision == Decision::kAllow; }
};

// What a subject may do in a namespace (authorizer.RuleResolver): the answer of a
// SelfSubjectRulesReview.
struct RuleSet {
  std::vector<PolicyRule> rules;  // resource and non-resource rules alike
  bool incomplete = false;
  std::string evaluation_error;
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Verdict Authorize(const Attributes& attributes) const = 0;
  virtual RuleSet RulesFor(const UserInfo& user, const std::string& ns) const = 0;
};

// --- rule matching (k8s.io/component-helpers/auth/rbac/validation and pkg/apis/rbac/v1)

bool VerbMatches(const PolicyRule& rule, std::string_view verb);
bool APIGroupMatches(const PolicyRule& rule, std::string_view group);
// "*", "pods", "pods/log" and "*/scale" forms.
bool ResourceMatches(const PolicyRule& rule, std::string_view resource,
                     std::string_view subresource);
bool ResourceNameMatches(const PolicyRule& rule, std::string_view name);
// Exact, "*", or a prefix ending in "*".
bool NonResourceURLMatches(const PolicyRule& rule, std::string_view path);
bool RuleAllows(const Attributes& attributes, const PolicyRule& rule);
// A binding's subject names the user (User, Group, ServiceAccount as
// system:serviceaccount:NS:NAME). `binding_namespace` fills a ServiceAccount's empty namespace.
bool AppliesTo(const UserInfo& user, const k8s::rbac::v1::Subject& subject,
               std::string_view binding_namespace);

// --- the index of RBAC objects and bound pods

// Records the revision of each write to a tracked resource, and the revision the index
// applied, so that a denial can wait for the index to catch up with acknowledged writes.
class Freshness;

// Wraps `store` so that `freshness` learns the revision of every successful write to roles,
// clusterroles, rolebindings, clusterrolebindings and pods. Everything else passes through.
std::unique_ptr<storage::Store> TrackWrites(std::unique_ptr<storage::Store> store,
                                            std::shared_ptr<Freshness> freshness);
std::shared_ptr<Freshness> NewFreshness();

// The objects the authorizers read, kept current by one store watch per resource.
class PolicyIndex;

// --- authorizers

// RBAC over `index` (plugin/pkg/auth/authorizer/rbac). Allows with the reason
// `RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "u"`; otherwise no
// opinion, with `RBAC: ...` naming roles that bindings refer to but that do not exist.
std::unique_ptr<Authorizer> NewRBACAuthorizer(std::shared_ptr<const PolicyIndex> index);
// The Node authorizer (plugin/pkg/auth/authorizer/node) for users system:node:NAME in group
// system:nodes, over the pods bound to each node in `index`. Also enforces what Kubernetes'
// NodeRestriction admission plugin does for nodes and pod status: a node modifies only its
// own Node and the status of pods bound to it.
std::unique_ptr<Authorizer> NewNodeAuthorizer(std::shared_ptr<const PolicyIndex> index);
// Asks each in turn; the first Allow or Deny wins; the reasons of the others are joined with
// "\n" (union.go). RulesFor concatenates.
std::unique_ptr<Authorizer> NewUnion(std::vector<std::unique_ptr<Authorizer>> authorizers);
// Allows every request of a user in one of `groups` (authorizerfactory.NewPrivilegedGroups).
std::unique_ptr<Authorizer> NewPrivilegedGroups(std::vector<std::string> groups);
std::unique_ptr<Authorizer> NewAlwaysAllow();
// Denies nothing explicitly but allows nothing: reason "Everything is forbidden.".
std::unique_ptr<Authorizer> NewAlwaysDeny();

// --- privilege-escalation prevention (pkg/registry/rbac/validation)

// The parts of `servant` (broken down to one verb, group, resource and name each) that no rule
// of `owner` covers (validation.Covers).
std::vector<PolicyRule> Uncovered(const std::vector<PolicyRule>& owner,
                                  const std::vector<PolicyRule>& servant);
// rbacv1helpers.CompactString: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}.
std::string CompactString(const PolicyRule& rule);
// ConfirmNoEscalation: OK when `user` holds every rule in `ns` (per authorizer.RulesFor), else
// `roles.rbac.authorization.k8s.io "NAME" is forbidden: user "jane" (groups=["g"]) is
// attempting to grant RBAC permissions not currently held:\n{...}`.
Status ConfirmNoEscalation(const Authorizer& authorizer, const UserInfo& user,
                           const std::string& ns, const std::vector<PolicyRule>& rules,
                           const GroupResource& resource, const std::string& name);

// responsewriters.ForbiddenStatusError: `pods "web" is forbidden: User "x" cannot get
// resource "pods" in API group "" in the namespace "default"[: reason]`.
Status Forbidden(const Attributes& attributes, std::string_view reason);

// --- the process's authorization

// The system:node rules (bootstrappolicy.NodeRules), which the Node authorizer applies to
// everything it does not subdivide.
std::vector<PolicyRule> NodeRules();
// The bootstrap ClusterRoles and ClusterRoleBindings (bootstrappolicy.ClusterRoles and the
// controller roles), as objects to create at start when missing (apiserver/bootstrap.cc).
std::vector<k8s::rbac::v1::ClusterRole> BootstrapClusterRoles();
std::vector<k8s::rbac::v1::ClusterRoleBinding> BootstrapClusterRoleBindings();

// ClusterRole aggregation (pkg/controller/clusterroleaggregation): the rules of a
// ClusterRole with an aggregationRule, computed from every other ClusterRole matching one
// of its selectors (in name order, each rule once).
std::vector<PolicyRule> AggregatedRules(const k8s::rbac::v1::ClusterRole& role,
                                        const std::vector<k8s::rbac::v1::ClusterRole>& all);

struct Options {
  // --authorization-mode: comma-separated, in order, from AlwaysAllow, AlwaysDeny, Node, RBAC.
  std::string mode = "AlwaysAllow";
  // How long a would-be denial waits for the index to catch up with acknowledged writes.
  std::chrono::milliseconds freshness_wait{1000};
};

// The authorization of an apiserver: created after the store, stopped before it.
class Authorization {
 public:
  // Validates the mode ("Node,RBAC"); with Node or RBAC, starts the index and the
  // aggregation of ClusterRoles over `store` (which should be wrapped by TrackWrites with
  // the same `freshness`).
  static Result<std::unique_ptr<Authorization>> Start(storage::Store* store,
                                                      std::shared_ptr<Freshness> freshness,
                                                      const Options& options);
  virtual ~Authorization() = default;
  // The chain's hook (filters::Authorizer): OK or Forbidden; `reason`, when not null, gets
  // the authorizer's reason (the audit annotation authorization.k8s.io/reason).
  virtual Status Check(const Request& request, std::string* reason = nullptr) const = 0;
  // The same for attributes built by hand: the impersonation filter asks whether the user
  // may "impersonate" users, groups or serviceaccounts (verb impersonate, resource users...).
  virtual Status CheckAttributes(const Attributes& attributes) const = 0;
  // Answers an authorization review (SubjectAccessReview, LocalSubjectAccessReview,
  // SelfSubjectAccessReview, SelfSubjectRulesReview): fills its status, or says why the
  // review is invalid (BadRequest, Invalid with Kubernetes' wording).
  virtual Status AnswerReview(const Request& request, google::protobuf::Message* review) const = 0;
  // What the RBAC registries check on a write by `user` (NewEscalationCheck calls them): a Role or ClusterRole (`resource` "roles" or "clusterroles") may carry
  // `rules` if the user may "escalate" it or holds them all; a binding may refer to `role_ref`
  // if the user may "bind" that role or holds all its rules. OK without RBAC.
  virtual Status ConfirmRoleWrite(const UserInfo& user, const std::string& resource,
                                  const std::string& ns, const std::string& name,
                                  const std::vector<PolicyRule>& rules) const = 0;
  virtual Status ConfirmBindingWrite(const UserInfo& user, const std::string& resource,
                                     const std::string& ns, const std::string& name,
                                     const k8s::rbac::v1::RoleRef& role_ref) const = 0;
  virtual const Authorizer& authorizer() const = 0;
  // Whether the RBAC authorizer is on (the bootstrap policy is then created at start).
  virtual bool rbac() const = 0;
  // Stops the watches; Check and AnswerReview still answer from what the index holds.
  virtual void Stop() = 0;
};

// The escalation checks of the RBAC registries as a validating admission plugin: writes of
// roles and bindings by anyone but system:masters (and the apiserver itself) go through
// ConfirmRoleWrite / ConfirmBindingWrite. `authorization` outlives it.
std::unique_ptr<admission::Plugin> NewEscalationCheck(const Authorization* authorization);

}  // namespace pk::apiserver::authorization
