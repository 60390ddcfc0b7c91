#include "apiserver/bootstrap.h"

#include "apiserver/authorization/authorization.h"
#include "apiserver/registry/strategies/system_priority_classes.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/service.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"

namespace pk::apiserver {
namespace {

Status CreateIfMissing(const registry::Registry& registry, const std::string& ns,
                       std::unique_ptr<google::protobuf::Message> object) {
  registry::WriteContext ctx;
  ctx.ns = ns;
  ctx.user = "system:apiserver";
  auto created = registry.Create(ctx, std::move(object));
  if (!created.ok() && created.status().reason() != Reason::kAlreadyExists) {
    return created.take_status();
  }
  return Status();
}

std::unique_ptr<google::protobuf::Message> KubernetesService() {
  auto service = std::make_unique<k8s::core::v1::Service>();
  auto* meta = service->mutable_metadata();
  meta->set_name("kubernetes");
  meta->set_namespace_("default");
  (*meta->mutable_labels())["component"] = "apiserver";
  (*meta->mutable_labels())["provider"] = "kubernetes";
  auto* spec = service->mutable_spec();
  spec->set_type("ClusterIP");
  spec->set_cluster_ip("10.96.0.1");
  spec->add_cluster_ips("10.96.0.1");
  auto* port = spec->add_ports();
  port->set_name("https");
  port->set_protocol("TCP");
  port->set_port(443);
  port->mutable_target_port()->set_int_val(6443);
  return service;
}

// The scheduling/bootstrap-system-priority-classes post-start hook's objects.
Status CreateSystemPriorityClasses(const ResourceHandler& resources) {
  const registry::Registry* classes =
      resources.RegistryFor({"scheduling.k8s.io", "priorityclasses"});
  for (const registry::SystemPriorityClass& system : registry::kSystemPriorityClasses) {
    auto pc = std::make_unique<k8s::scheduling::v1::PriorityClass>();
    pc->mutable_metadata()->set_name(std::string(system.name));
    pc->set_value(system.value);
    pc->set_description(std::string(system.description));
    PK_RETURN_IF_ERROR(CreateIfMissing(*classes, "", std::move(pc)));
  }
  return Status();
}

}  // namespace

Status Bootstrap(const ResourceHandler& resources) {
  const registry::Registry* namespaces = resources.RegistryFor({"", "namespaces"});
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    auto ns = std::make_unique<k8s::core::v1::Namespace>();
    ns->mutable_metadata()->set_name(name);
    PK_RETURN_IF_ERROR(CreateIfMissing(*namespaces, "", std::move(ns)));
  }
  PK_RETURN_IF_ERROR(
      CreateIfMissing(*resources.RegistryFor({"", "services"}), "default", KubernetesService()));
  return CreateSystemPriorityClasses(resources);
}

Status BootstrapRBAC(const ResourceHandler& resources) {
  const registry::Registry* roles =
      resources.RegistryFor({"rbac.authorization.k8s.io", "clusterroles"});
  for (auto& role : authorization::BootstrapClusterRoles()) {
    PK_RETURN_IF_ERROR(
        CreateIfMissing(*roles, "", std::make_unique<k8s::rbac::v1::ClusterRole>(std::move(role))));
  }
  const registry::Registry* bindings =
      resources.RegistryFor({"rbac.authorization.k8s.io", "clusterrolebindings"});
  for (auto& binding : authorization::BootstrapClusterRoleBindings()) {
    PK_RETURN_IF_ERROR(CreateIfMissing(
        *bindings, "", std::make_unique<k8s::rbac::v1::ClusterRoleBinding>(std::move(binding))));
  }
  return Status();
}

}  // namespace pk::apiserver
