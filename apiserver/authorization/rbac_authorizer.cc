// The RBAC authorizer (plugin/pkg/auth/authorizer/rbac/rbac.go) and its rule resolver
// (pkg/registry/rbac/validation/rule.go DefaultRuleResolver.VisitRulesFor).
#include <fmt/format.h>

#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::RoleRef;
using k8s::rbac::v1::Subject;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// describeSubject.
std::string Describe(const Subject& s, const std::string& binding_namespace) {
  if (s.kind() == "ServiceAccount") {
    const std::string& ns = s.namespace_().empty() ? binding_namespace : s.namespace_();
    return fmt::format("{} {}", s.kind(), Quote(s.name() + "/" + ns));
  }
  return fmt::format("{} {}", s.kind(), Quote(s.name()));
}

template <class Subjects>
const Subject* AppliesToAny(const UserInfo& user, const Subjects& subjects, const std::string& ns) {
  for (const Subject& s : subjects) {
    if (AppliesTo(user, s, ns)) return &s;
  }
  return nullptr;
}

using Rules = google::protobuf::RepeatedPtrField<PolicyRule>;

// GetRoleReferenceRules: the rules of the role a binding refers to, or why there are none.
// The rules are the indexed role's own (the pointer keeps the role alive): authorizing a
// request copies no rule.
Result<std::shared_ptr<const Rules>> RulesOf(const PolicyIndex& index, const RoleRef& ref,
                                             const std::string& ns) {
  if (ref.kind() == "Role") {
    auto role = index.Role(ns, ref.name());
    if (!role) {
      return Status::NotFound({"rbac.authorization.k8s.io", "role"}, ref.name());
    }
    return std::shared_ptr<const Rules>(role, &role->rules());
  }
  if (ref.kind() == "ClusterRole") {
    auto role = index.ClusterRole(ref.name());
    if (!role) {
      return Status::NotFound({"rbac.authorization.k8s.io", "clusterrole"}, ref.name());
    }
    return std::shared_ptr<const Rules>(role, &role->rules());
  }
  return Status::BadRequest(fmt::format("unsupported role reference kind: {}", Quote(ref.kind())));
}

class RBACAuthorizer final : public Authorizer {
 public:
  explicit RBACAuthorizer(std::shared_ptr<const PolicyIndex> index) : index_(std::move(index)) {}

  Verdict Authorize(const Attributes& a) const override {
    Verdict verdict;
    std::vector<std::string> errors;
    VisitRulesFor(
        *index_, a.user, a.ns,
        [&](const std::string& source, const PolicyRule& rule) {
          if (!RuleAllows(a, rule)) return true;
          verdict = {Decision::kAllow, "RBAC: allowed by " + source};
          return false;
        },
        [&](const std::string& error) { errors.push_back(error); });
    if (verdict.allowed()) return verdict;
    // utilerrors.NewAggregate: one error as it is, several in brackets.
    if (errors.size() == 1) verdict.reason = "RBAC: " + errors[0];
    if (errors.size() > 1) verdict.reason = fmt::format("RBAC: [{}]", fmt::join(errors, ", "));
    return verdict;
  }

  RuleSet RulesFor(const UserInfo& user, const std::string& ns) const override {
    RuleSet set;
    std::vector<std::string> errors;
    VisitRulesFor(
        *index_, user, ns,
        [&](const std::string&, const PolicyRule& rule) {
          set.rules.push_back(rule);
          return true;
        },
        [&](const std::string& error) { errors.push_back(error); });
    if (!errors.empty()) {
      set.incomplete = true;
      set.evaluation_error =
          errors.size() == 1 ? errors[0] : fmt::format("[{}]", fmt::join(errors, ", "));
    }
    return set;
  }

 private:
  std::shared_ptr<const PolicyIndex> index_;
};

}  // namespace

void VisitRulesFor(
    const PolicyIndex& index, const UserInfo& user, const std::string& ns,
    const std::function<bool(const std::string& source, const PolicyRule& rule)>& visit,
    const std::function<void(const std::string& error)>& error) {
  for (const auto& binding : index.ClusterRoleBindings()) {
    const Subject* subject = AppliesToAny(user, binding->subjects(), "");
    if (subject == nullptr) continue;
    auto rules = RulesOf(index, binding->role_ref(), "");
    if (!rules.ok()) {
      error(rules.status().message());
      continue;
    }
    std::string source = fmt::format("ClusterRoleBinding {} of {} {} to {}",
                                     Quote(binding->metadata().name()), binding->role_ref().kind(),
                                     Quote(binding->role_ref().name()), Describe(*subject, ""));
    for (const PolicyRule& rule : **rules) {
      if (!visit(source, rule)) return;
    }
  }
  if (ns.empty()) return;
  for (const auto& binding : index.RoleBindings(ns)) {
    const Subject* subject = AppliesToAny(user, binding->subjects(), ns);
    if (subject == nullptr) continue;
    auto rules = RulesOf(index, binding->role_ref(), ns);
    if (!rules.ok()) {
      error(rules.status().message());
      continue;
    }
    std::string source = fmt::format(
        "RoleBinding {} of {} {} to {}", Quote(binding->metadata().name() + "/" + ns),
        binding->role_ref().kind(), Quote(binding->role_ref().name()), Describe(*subject, ns));
    for (const PolicyRule& rule : **rules) {
      if (!visit(source, rule)) return;
    }
  }
}

std::unique_ptr<Authorizer> NewRBACAuthorizer(std::shared_ptr<const PolicyIndex> index) {
  return std::make_unique<RBACAuthorizer>(std::move(index));
}

}  // namespace pk::apiserver::authorization
