// Privilege-escalation prevention on RBAC writes, as Kubernetes' RBAC registries do it
// (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased): a Role
// or ClusterRole may only carry rules its writer holds (or may "escalate"), a binding may
// only refer to a role whose rules its writer holds (or may "bind"). Run in the validating
// phase of admission, so both faces and every write path pass through it.
#include <google/protobuf/util/message_differencer.h>

#include "apiserver/authorization/authorization.h"

namespace pk::apiserver::authorization {
namespace {

using k8s::rbac::v1::ClusterRole;
using k8s::rbac::v1::ClusterRoleBinding;
using k8s::rbac::v1::Role;
using k8s::rbac::v1::RoleBinding;

// rbacregistry.EscalationAllowed: system:masters may write anything; so may the apiserver
// itself (its own writes -- the bootstrap policy, aggregation -- carry no user).
bool Privileged(const admission::Attributes& a) {
  if (a.user.empty()) return true;
  for (const auto& g : a.groups) {
    if (g == "system:masters") return true;
  }
  return false;
}

template <class T>
std::vector<PolicyRule> RulesOf(const google::protobuf::Message* m) {
  const auto* role = static_cast<const T*>(m);
  return {role->rules().begin(), role->rules().end()};
}

bool SameRules(const std::vector<PolicyRule>& a, const std::vector<PolicyRule>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(a[i], b[i])) return false;
  }
  return true;
}

class EscalationCheck : public admission::Plugin {
 public:
  explicit EscalationCheck(const Authorization* authorization) : authorization_(authorization) {}
  std::string_view Name() const override { return "RBACEscalation"; }

  Status Validate(const admission::Attributes& a) override {
    if (a.type == nullptr || a.type->kind.group != "rbac.authorization.k8s.io" ||
        a.object == nullptr || !a.subresource.empty() || Privileged(a)) {
      return Status();
    }
    if (a.operation != admission::Operation::kCreate &&
        a.operation != admission::Operation::kUpdate) {
      return Status();
    }
    const UserInfo user{a.user, a.uid, a.groups};
    const std::string& resource = a.type->resource;
    const std::string name = a.name.empty() ? ObjectName(a) : a.name;
    if (resource == "roles" || resource == "clusterroles") {
      auto rules = resource == "roles" ? RulesOf<Role>(a.object) : RulesOf<ClusterRole>(a.object);
      // An update that leaves the rules alone (a label, an annotation) needs no check.
      if (a.old_object != nullptr) {
        auto old =
            resource == "roles" ? RulesOf<Role>(a.old_object) : RulesOf<ClusterRole>(a.old_object);
        if (SameRules(old, rules)) return Status();
      }
      return authorization_->ConfirmRoleWrite(user, resource, a.ns, name, rules);
    }
    if (resource == "rolebindings") {
      const auto* b = static_cast<const RoleBinding*>(a.object);
      return authorization_->ConfirmBindingWrite(user, resource, a.ns, name, b->role_ref());
    }
    if (resource == "clusterrolebindings") {
      const auto* b = static_cast<const ClusterRoleBinding*>(a.object);
      return authorization_->ConfirmBindingWrite(user, resource, a.ns, name, b->role_ref());
    }
    return Status();
  }

 private:
  static std::string ObjectName(const admission::Attributes& a) {
    const auto* descriptor = a.object->GetDescriptor();
    const auto* metadata = descriptor->FindFieldByName("metadata");
    if (metadata == nullptr) return "";
    const auto& meta = static_cast<const k8s::meta::v1::ObjectMeta&>(
        a.object->GetReflection()->GetMessage(*a.object, metadata));
    return meta.name();
  }

  const Authorization* const authorization_;
};

}  // namespace

std::unique_ptr<admission::Plugin> NewEscalationCheck(const Authorization* authorization) {
  return std::make_unique<EscalationCheck>(authorization);
}

}  // namespace pk::apiserver::authorization
