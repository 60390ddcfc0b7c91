// Leases (coordination.k8s.io), RoleBindings and ClusterRoleBindings (rbac) and
// PriorityClasses (scheduling.k8s.io), as printers.go prints them. Roles and ClusterRoles have
// no printer in Kubernetes: they get the default table. Mutating and validating webhook
// configurations (admissionregistration.k8s.io) print NAME, WEBHOOKS, AGE.
#include "apiserver/printers/printers_internal.h"
#include "proto/admissionregistration/v1/admissionregistration.pb.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/rbac/v1/rbac.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"

namespace pk::printers {

namespace {

using k8s::admissionregistration::v1::MutatingWebhookConfiguration;
using k8s::admissionregistration::v1::ValidatingWebhookConfiguration;
using k8s::coordination::v1::Lease;
using k8s::rbac::v1::ClusterRoleBinding;
using k8s::rbac::v1::RoleBinding;
using k8s::rbac::v1::Subject;
using k8s::scheduling::v1::PriorityClass;

Row LeaseRow(const Lease& lease, int64_t now) {
  return {lease.metadata().name(), lease.spec().holder_identity(), Age(lease.metadata(), now)};
}

// rbac.SubjectsStrings: users, groups and "namespace/name" service accounts, each joined
// with ", " as printRoleBinding does; other kinds are not shown.
Row BindingRow(const k8s::meta::v1::ObjectMeta& meta, const k8s::rbac::v1::RoleRef& ref,
               const google::protobuf::RepeatedPtrField<Subject>& subjects, int64_t now) {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> service_accounts;
  for (const Subject& s : subjects) {
    if (s.kind() == "ServiceAccount") {
      service_accounts.push_back(s.namespace_() + "/" + s.name());
    } else if (s.kind() == "User") {
      users.push_back(s.name());
    } else if (s.kind() == "Group") {
      groups.push_back(s.name());
    }
  }
  return {meta.name(),        ref.kind() + "/" + ref.name(), Age(meta, now), Join(users, ", "),
          Join(groups, ", "), Join(service_accounts, ", ")};
}

Row RoleBindingRow(const RoleBinding& rb, int64_t now) {
  return BindingRow(rb.metadata(), rb.role_ref(), rb.subjects(), now);
}

Row ClusterRoleBindingRow(const ClusterRoleBinding& crb, int64_t now) {
  return BindingRow(crb.metadata(), crb.role_ref(), crb.subjects(), now);
}

Row PriorityClassRow(const PriorityClass& pc, int64_t now) {
  // v1 defaulting sets PreemptLowerPriority, so a stored class always has a policy.
  const std::string policy =
      pc.has_preemption_policy() ? pc.preemption_policy() : "PreemptLowerPriority";
  return {pc.metadata().name(), static_cast<int64_t>(pc.value()), pc.global_default(),
          Age(pc.metadata(), now), policy};
}

template <class Config>
Row WebhookConfigurationRow(const Config& config, int64_t now) {
  return {config.metadata().name(), static_cast<int64_t>(config.webhooks_size()),
          Age(config.metadata(), now)};
}

std::vector<Column> WebhookConfigurationColumns() {
  return {NameColumn(),
          {"Webhooks", "integer", "",
           "Webhooks indicates the number of webhooks registered in this configuration", 0},
          AgeColumn()};
}

std::vector<Column> LeaseColumns() {
  return {NameColumn(),
          {"Holder", "string", "",
           "holderIdentity contains the identity of the holder of a current lease. If "
           "Coordinated Leader Election is used, the holder identity must be equal to the "
           "elected LeaseCandidate.metadata.name field.",
           0},
          AgeColumn()};
}

// `subject_kind` is "roleBinding" or "clusterRoleBinding", as the descriptions spell it.
std::vector<Column> BindingColumns(const std::string& role_description,
                                   const std::string& subject_kind) {
  return {NameColumn(),
          {"Role", "string", "", role_description, 0},
          AgeColumn(),
          {"Users", "string", "", "Users in the " + subject_kind, 1},
          {"Groups", "string", "", "Groups in the " + subject_kind, 1},
          {"ServiceAccounts", "string", "", "ServiceAccounts in the " + subject_kind, 1}};
}

std::vector<Column> PriorityClassColumns() {
  return {NameColumn(),
          {"Value", "integer", "",
           "value represents the integer value of this priority class. This is the actual "
           "priority that pods receive when they have the name of this class in their pod spec.",
           0},
          {"Global-Default", "boolean", "",
           "globalDefault specifies whether this PriorityClass should be considered as the "
           "default priority for pods that do not have any priority class. Only one "
           "PriorityClass can be marked as `globalDefault`. However, if more than one "
           "PriorityClasses exists with their `globalDefault` field set to true, the smallest "
           "value of such global default PriorityClasses will be used as the default priority.",
           0},
          AgeColumn(),
          {"PreemptionPolicy", "string", "",
           "preemptionPolicy is the Policy for preempting pods with lower priority. One of "
           "Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.",
           0}};
}

}  // namespace

void AddClusterPrinters(PrinterMap* map) {
  AddPrinter<Lease>(map, LeaseColumns(), LeaseRow);
  AddPrinter<RoleBinding>(
      map,
      BindingColumns("RoleRef can reference a Role in the current namespace or a ClusterRole in "
                     "the global namespace. If the RoleRef cannot be resolved, the Authorizer "
                     "must return an error.",
                     "roleBinding"),
      RoleBindingRow);
  AddPrinter<ClusterRoleBinding>(
      map,
      BindingColumns("RoleRef can only reference a ClusterRole in the global namespace. If the "
                     "RoleRef cannot be resolved, the Authorizer must return an error.",
                     "clusterRoleBinding"),
      ClusterRoleBindingRow);
  AddPrinter<PriorityClass>(map, PriorityClassColumns(), PriorityClassRow);
  AddPrinter<MutatingWebhookConfiguration>(
      map, WebhookConfigurationColumns(),
      WebhookConfigurationRow<MutatingWebhookConfiguration>);
  AddPrinter<ValidatingWebhookConfiguration>(
      map, WebhookConfigurationColumns(),
      WebhookConfigurationRow<ValidatingWebhookConfiguration>);
}

}  // namespace pk::printers
