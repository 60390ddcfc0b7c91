#include "kubelet/node_status.h"

#include <fmt/format.h>

namespace pk::kubelet {
namespace {

using k8s::core::v1::NodeCondition;
using k8s::core::v1::NodeStatus;

struct ConditionSpec {
  const char* type;
  const char* good_status;  // what the status is when all is well
  const char* reason;
  const char* message;
};

// Kubernetes' wording for a healthy node.
constexpr ConditionSpec kPressure[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
};

void SetCondition(const std::string& type, const std::string& value, const std::string& reason,
                  const std::string& message, const k8s::meta::v1::Time& now, NodeStatus* status) {
  for (NodeCondition& c : *status->mutable_conditions()) {
    if (c.type() != type) continue;
    if (c.status() != value) *c.mutable_last_transition_time() = now;
    c.set_status(value);
    c.set_reason(reason);
    c.set_message(message);
    *c.mutable_last_heartbeat_time() = now;
    return;
  }
  NodeCondition* c = status->add_conditions();
  c->set_type(type);
  c->set_status(value);
  c->set_reason(reason);
  c->set_message(message);
  *c->mutable_last_heartbeat_time() = now;
  *c->mutable_last_transition_time() = now;
}

}  // namespace

Result<k8s::core::v1::Taint> ParseTaint(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Status::BadRequest(fmt::format("invalid taint \"{}\": want KEY[=VALUE]:EFFECT", text));
  }
  std::string effect = text.substr(colon + 1), kv = text.substr(0, colon);
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
    return Status::BadRequest(fmt::format(
        "invalid taint effect \"{}\": want NoSchedule, PreferNoSchedule or NoExecute", effect));
  }
  k8s::core::v1::Taint taint;
  auto eq = kv.find('=');
  taint.set_key(kv.substr(0, eq));
  if (eq != std::string::npos) taint.set_value(kv.substr(eq + 1));
  taint.set_effect(effect);
  if (taint.key().empty())
    return Status::BadRequest(fmt::format("invalid taint \"{}\": empty key", text));
  return taint;
}

k8s::core::v1::Node NewNode(const NodeConfig& config) {
  k8s::core::v1::Node node;
  auto* meta = node.mutable_metadata();
  meta->set_name(config.name);
  auto& labels = *meta->mutable_labels();
  labels["beta.kubernetes.io/arch"] = "amd64";
  labels["beta.kubernetes.io/os"] = "linux";
  labels["kubernetes.io/arch"] = "amd64";
  labels["kubernetes.io/hostname"] = config.name;
  labels["kubernetes.io/os"] = "linux";
  for (const auto& [k, v] : config.labels) labels[k] = v;
  (*meta->mutable_annotations())["node.alpha.kubernetes.io/ttl"] = "0";
  if (!config.pod_cidr.empty()) {
    node.mutable_spec()->set_pod_cidr(config.pod_cidr);
    node.mutable_spec()->add_pod_cidrs(config.pod_cidr);
  }
  for (const auto& t : config.taints) *node.mutable_spec()->add_taints() = t;
  return node;
}

void SetNodeStatus(const NodeConfig& config, bool runtime_ready, const std::string& runtime_message,
                   const k8s::meta::v1::Time& now, NodeStatus* status) {
  for (const auto& [name, value] : config.capacity) {
    (*status->mutable_capacity())[name].set_string(value);
    (*status->mutable_allocatable())[name].set_string(value);
  }
  for (const ConditionSpec& c : kPressure) {
    SetCondition(c.type, c.good_status, c.reason, c.message, now, status);
  }
  if (runtime_ready) {
    SetCondition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now, status);
  } else {
    SetCondition("Ready", "False", "KubeletNotReady",
                 "container runtime is down: " + runtime_message, now, status);
  }
  status->clear_addresses();
  auto* ip = status->add_addresses();
  ip->set_type("InternalIP");
  ip->set_address(config.address);
  auto* host = status->add_addresses();
  host->set_type("Hostname");
  host->set_address(config.name);
  status->mutable_daemon_endpoints()->mutable_kubelet_endpoint()->set_port(config.kubelet_port);
  auto* info = status->mutable_node_info();
  info->set_machine_id(config.name);
  info->set_system_uuid(config.name);
  info->set_boot_id(config.name);
  info->set_kernel_version("6.1.0-picokube");
  info->set_os_image("picokube (simulated node)");
  info->set_container_runtime_version(config.runtime_version);
  info->set_kubelet_version("v1.32.0");
  info->set_kube_proxy_version("v1.32.0");
  info->set_operating_system("linux");
  info->set_architecture("amd64");
}

k8s::coordination::v1::Lease NewNodeLease(const k8s::core::v1::Node& node, int32_t duration_seconds,
                                          const k8s::meta::v1::MicroTime& now) {
  k8s::coordination::v1::Lease lease;
  lease.mutable_metadata()->set_name(node.metadata().name());
  lease.mutable_metadata()->set_namespace_("kube-node-lease");
  auto* owner = lease.mutable_metadata()->add_owner_references();
  owner->set_api_version("v1");
  owner->set_kind("Node");
  owner->set_name(node.metadata().name());
  owner->set_uid(node.metadata().uid());
  lease.mutable_spec()->set_holder_identity(node.metadata().name());
  lease.mutable_spec()->set_lease_duration_seconds(duration_seconds);
  *lease.mutable_spec()->mutable_renew_time() = now;
  return lease;
}

}  // namespace pk::kubelet
