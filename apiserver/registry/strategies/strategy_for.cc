// StrategyFor: the table of resources with rules of their own; the rest get the generic
// strategy, whose only rules are the metadata ones the registry applies to every resource.
#include <map>
#include <utility>

#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

class GenericStrategy : public Strategy {};

// Generic rules, but PUT may create (Kubernetes' endpoints strategy).
class CreateOnUpdateStrategy : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
};

// Generic rules; DELETE answers with the object (Kubernetes' serviceaccounts registry).
class ReturnDeletedStrategy : public Strategy {
 public:
  bool ReturnDeletedObject() const override { return true; }
};

const Strategy& ReturnDeleted() {
  static const ReturnDeletedStrategy strategy;
  return strategy;
}

const Strategy& CreateOnUpdate() {
  static const CreateOnUpdateStrategy strategy;
  return strategy;
}

using TableKey = std::pair<std::string, std::string>;  // group, resource

const std::map<TableKey, const Strategy*>& Table() {
  static const auto* table = new std::map<TableKey, const Strategy*>{
      {{"", "pods"}, &PodStrategy()},
      {{"", "namespaces"}, &NamespaceStrategy()},
      {{"", "nodes"}, &NodeStrategy()},
      {{"", "services"}, &ServiceStrategy()},
      {{"", "events"}, &EventStrategy()},
      {{"", "secrets"}, &SecretStrategy()},
      {{"", "configmaps"}, &ConfigMapStrategy()},
      {{"", "endpoints"}, &CreateOnUpdate()},
      {{"", "serviceaccounts"}, &ReturnDeleted()},
      {{"", "limitranges"}, &LimitRangeStrategy()},
      {{"", "resourcequotas"}, &ResourceQuotaStrategy()},
      {{"apps", "deployments"}, &DeploymentStrategy()},
      {{"apps", "replicasets"}, &ReplicaSetStrategy()},
      {{"apps", "statefulsets"}, &StatefulSetStrategy()},
      {{"apps", "daemonsets"}, &DaemonSetStrategy()},
      {{"batch", "jobs"}, &JobStrategy()},
      {{"scheduling.k8s.io", "priorityclasses"}, &PriorityClassStrategy()},
      {{"coordination.k8s.io", "leases"}, &LeaseStrategy()},
      {{"rbac.authorization.k8s.io", "roles"}, &RoleStrategy()},
      {{"rbac.authorization.k8s.io", "clusterroles"}, &ClusterRoleStrategy()},
      {{"rbac.authorization.k8s.io", "rolebindings"}, &RoleBindingStrategy()},
      {{"rbac.authorization.k8s.io", "clusterrolebindings"}, &ClusterRoleBindingStrategy()},
      {{"admissionregistration.k8s.io", "mutatingwebhookconfigurations"},
       &MutatingWebhookConfigurationStrategy()},
      {{"admissionregistration.k8s.io", "validatingwebhookconfigurations"},
       &ValidatingWebhookConfigurationStrategy()},
  };
  return *table;
}

}  // namespace

const Strategy& StrategyFor(const ResourceType& type) {
  static const GenericStrategy generic;
  auto it = Table().find(TableKey{type.kind.group, type.resource});
  return it == Table().end() ? generic : *it->second;
}

}  // namespace pk::registry
