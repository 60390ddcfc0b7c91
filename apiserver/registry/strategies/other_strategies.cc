// PriorityClass, Lease and RBAC strategies (pkg/apis/{scheduling,coordination,rbac}
// defaults and validation), v1.32.
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "apiserver/registry/strategies/system_priority_classes.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/rbac/v1/rbac.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"

namespace pk::registry {
namespace {

namespace rbac = k8s::rbac::v1;
constexpr const char* kRbacGroup = "rbac.authorization.k8s.io";

class PriorityClassStrategyImpl : public Strategy {
 public:
  void Default(Message* object) const override {
    auto& pc = As<k8s::scheduling::v1::PriorityClass>(object);
    if (!pc.has_preemption_policy()) pc.set_preemption_policy("PreemptLowerPriority");
  }

  // ValidatePriorityClass: "system-" names are the system classes' own (exactly as
  // IsKnownSystemPriorityClass has them); other values above 1e9 are the system's too.
  Causes Validate(const Message& object) const override {
    const auto& pc = As<k8s::scheduling::v1::PriorityClass>(object);
    Causes causes;
    const std::string& name = pc.metadata().name();
    if (name.rfind(kSystemPriorityClassPrefix, 0) == 0) {
      std::string unknown = UnknownSystemPriorityClass(name, pc.value(), pc.global_default());
      if (!unknown.empty()) {
        causes.push_back(Forbidden("metadata.name",
                                   "priority class names with 'system-' prefix are reserved for "
                                   "system use only. error: " +
                                       unknown));
      }
    } else if (pc.value() > kHighestUserDefinablePriority) {
      causes.push_back(Forbidden("value", "maximum allowed value of a user defined priority is " +
                                              std::to_string(kHighestUserDefinablePriority)));
    }
    if (pc.has_preemption_policy() && pc.preemption_policy() != "PreemptLowerPriority" &&
        pc.preemption_policy() != "Never") {
      causes.push_back(NotSupported("preemptionPolicy", BadValue::String(pc.preemption_policy()),
                                    {"PreemptLowerPriority", "Never"}));
    }
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const auto& now = As<k8s::scheduling::v1::PriorityClass>(object);
    const auto& before = As<k8s::scheduling::v1::PriorityClass>(old);
    Causes causes;
    if (now.value() != before.value()) {
      causes.push_back(Forbidden("value", "may not be changed in an update."));
    }
    if (now.preemption_policy() != before.preemption_policy()) {
      causes.push_back(Immutable("preemptionPolicy", BadValue::String(now.preemption_policy())));
    }
    return causes;
  }
};

class LeaseStrategyImpl : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  Causes Validate(const Message& object) const override {
    const auto& spec = As<k8s::coordination::v1::Lease>(object).spec();
    Causes causes;
    if (spec.has_lease_duration_seconds() && spec.lease_duration_seconds() <= 0) {
      causes.push_back(Invalid("spec.leaseDurationSeconds",
                               BadValue::Int(spec.lease_duration_seconds()),
                               "must be greater than 0"));
    }
    if (spec.has_lease_transitions()) {
      ValidateNonnegative(&causes, "spec.leaseTransitions", spec.lease_transitions());
    }
    return causes;
  }
};

// ValidatePolicyRule.
Causes ValidateRules(const google::protobuf::RepeatedPtrField<rbac::PolicyRule>& rules,
                     bool namespaced) {
  Causes causes;
  for (int i = 0; i < rules.size(); ++i) {
    const auto& rule = rules[i];
    const std::string path = Index("rules", i);
    if (rule.verbs_size() == 0) {
      causes.push_back(Required(path + ".verbs", "verbs must contain at least one value"));
    }
    if (rule.non_resource_urls_size() > 0) {
      std::vector<std::string> urls(rule.non_resource_urls().begin(),
                                    rule.non_resource_urls().end());
      const BadValue value = BadValue::Raw(validation::GoStringSlice(urls));
      if (namespaced) {
        causes.push_back(Invalid(path + ".nonResourceURLs", value,
                                 "namespaced rules cannot apply to non-resource URLs"));
      }
      if (rule.api_groups_size() > 0 || rule.resources_size() > 0 ||
          rule.resource_names_size() > 0) {
        causes.push_back(Invalid(path + ".nonResourceURLs", value,
                                 "rules cannot apply to both regular resources and non-resource "
                                 "URLs"));
      }
      continue;
    }
    if (rule.api_groups_size() == 0) {
      causes.push_back(
          Required(path + ".apiGroups", "resource rules must supply at least one api group"));
    }
    if (rule.resources_size() == 0) {
      causes.push_back(
          Required(path + ".resources", "resource rules must supply at least one resource"));
    }
  }
  return causes;
}

template <class RoleT, bool kNamespaced>
class RoleStrategyImpl : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  Causes Validate(const Message& object) const override {
    return ValidateRules(As<RoleT>(object).rules(), kNamespaced);
  }
};

void DefaultBinding(google::protobuf::RepeatedPtrField<rbac::Subject>* subjects,
                    rbac::RoleRef* ref) {
  if (ref->api_group().empty()) ref->set_api_group(kRbacGroup);
  for (auto& s : *subjects) {
    if (!s.api_group().empty()) continue;
    if (s.kind() == "User" || s.kind() == "Group") s.set_api_group(kRbacGroup);
  }
}

void ValidateSubject(const rbac::Subject& s, const std::string& path, Causes* causes) {
  if (s.name().empty()) causes->push_back(Required(path + ".name"));
  if (s.kind() == "ServiceAccount") {
    if (!s.name().empty()) {
      AddInvalid(causes, path + ".name", BadValue::String(s.name()),
                 validation::IsDNS1123Subdomain(s.name()));
    }
    if (!s.api_group().empty()) {
      causes->push_back(NotSupported(path + ".apiGroup", BadValue::String(s.api_group()), {""}));
    }
  } else if (s.kind() == "User" || s.kind() == "Group") {
    if (s.api_group() != kRbacGroup) {
      causes->push_back(
          NotSupported(path + ".apiGroup", BadValue::String(s.api_group()), {kRbacGroup}));
    }
  } else {
    causes->push_back(NotSupported(path + ".kind", BadValue::String(s.kind()),
                                   {"ServiceAccount", "User", "Group"}));
  }
}

std::string GoRoleRef(const rbac::RoleRef& ref) {
  return "rbac.RoleRef{APIGroup:" + BadValue::String(ref.api_group()).text +
         ", Kind:" + BadValue::String(ref.kind()).text +
         ", Name:" + BadValue::String(ref.name()).text + "}";
}

template <class BindingT, bool kNamespaced>
class BindingStrategyImpl : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  void Default(Message* object) const override {
    BindingT& b = As<BindingT>(object);
    DefaultBinding(b.mutable_subjects(), b.mutable_role_ref());
  }

  Causes Validate(const Message& object) const override {
    const BindingT& b = As<BindingT>(object);
    Causes causes;
    const rbac::RoleRef& ref = b.role_ref();
    if (ref.api_group() != kRbacGroup) {
      causes.push_back(
          NotSupported("roleRef.apiGroup", BadValue::String(ref.api_group()), {kRbacGroup}));
    }
    const std::vector<std::string> kinds = kNamespaced
                                               ? std::vector<std::string>{"Role", "ClusterRole"}
                                               : std::vector<std::string>{"ClusterRole"};
    if (std::find(kinds.begin(), kinds.end(), ref.kind()) == kinds.end()) {
      causes.push_back(NotSupported("roleRef.kind", BadValue::String(ref.kind()), kinds));
    }
    if (ref.name().empty()) {
      causes.push_back(Required("roleRef.name"));
    } else {
      AddInvalid(&causes, "roleRef.name", BadValue::String(ref.name()),
                 validation::IsValidPathSegmentName(ref.name()));
    }
    for (int i = 0; i < b.subjects_size(); ++i) {
      ValidateSubject(b.subjects(i), Index("subjects", i), &causes);
    }
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    Causes causes;
    const rbac::RoleRef& now = As<BindingT>(object).role_ref();
    if (!SameMessage(now, As<BindingT>(old).role_ref())) {
      causes.push_back(Invalid("roleRef", BadValue::Raw(GoRoleRef(now)), "cannot change roleRef"));
    }
    return causes;
  }
};

}  // namespace

std::string UnknownSystemPriorityClass(std::string_view name, int32_t value, bool global_default) {
  for (const SystemPriorityClass& spc : kSystemPriorityClasses) {
    if (spc.name != name) continue;
    if (spc.value != value) {
      return "value of " + std::string(spc.name) + " PriorityClass must be " +
             std::to_string(spc.value);
    }
    if (global_default) {
      return "globalDefault of " + std::string(spc.name) + " PriorityClass must be false";
    }
    return "";
  }
  return std::string(name) + " is not a known system priority class";
}

const Strategy& PriorityClassStrategy() {
  static const PriorityClassStrategyImpl strategy;
  return strategy;
}

const Strategy& LeaseStrategy() {
  static const LeaseStrategyImpl strategy;
  return strategy;
}

const Strategy& RoleStrategy() {
  static const RoleStrategyImpl<rbac::Role, true> strategy;
  return strategy;
}

const Strategy& ClusterRoleStrategy() {
  static const RoleStrategyImpl<rbac::ClusterRole, false> strategy;
  return strategy;
}

const Strategy& RoleBindingStrategy() {
  static const BindingStrategyImpl<rbac::RoleBinding, true> strategy;
  return strategy;
}

const Strategy& ClusterRoleBindingStrategy() {
  static const BindingStrategyImpl<rbac::ClusterRoleBinding, false> strategy;
  return strategy;
}

}  // namespace pk::registry
