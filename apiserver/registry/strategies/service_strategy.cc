// The Service strategy: SetDefaults_Service (pkg/apis/core/v1/defaults.go), ValidateService
// (pkg/apis/core/validation) and the IP family fields the REST layer fills on create, v1.32.
#include <set>

#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/core/v1/service.pb.h"

namespace pk::registry {
namespace {

using k8s::core::v1::Service;
using k8s::core::v1::ServiceSpec;

bool Externally(const ServiceSpec& spec) {
  return spec.type() == "LoadBalancer" || spec.type() == "NodePort" ||
         (spec.type() == "ClusterIP" && spec.external_ips_size() > 0);
}

bool IsHeadless(const ServiceSpec& spec) { return spec.cluster_ip() == "None"; }

void DefaultSessionAffinity(ServiceSpec* spec) {
  if (spec->session_affinity().empty()) spec->set_session_affinity("None");
  if (spec->session_affinity() == "None") spec->clear_session_affinity_config();
  if (spec->session_affinity() == "ClientIP") {
    auto* client = spec->mutable_session_affinity_config()->mutable_client_ip();
    if (!client->has_timeout_seconds()) client->set_timeout_seconds(10800);
  }
}

void DefaultPorts(ServiceSpec* spec) {
  for (auto& port : *spec->mutable_ports()) {
    if (port.protocol().empty()) port.set_protocol("TCP");
    const auto& target = port.target_port();
    const bool unset = target.type() == 0 ? target.int_val() == 0 : target.str_val().empty();
    if (unset) {
      port.mutable_target_port()->set_type(0);
      port.mutable_target_port()->set_int_val(port.port());
      port.mutable_target_port()->clear_str_val();
    }
  }
}

// ValidatePortNumOrName.
void ValidateTargetPort(const k8s::util::IntOrString& port, const std::string& path,
                        Causes* causes) {
  if (port.type() == 0) {
    AddInvalid(causes, path, BadValue::Int(port.int_val()),
               validation::IsValidPortNum(port.int_val()));
  } else {
    AddInvalid(causes, path, BadValue::String(port.str_val()),
               validation::IsValidPortName(port.str_val()));
  }
}

void ValidatePorts(const ServiceSpec& spec, Causes* causes) {
  static const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};
  std::set<std::string> names;
  const bool require_name = spec.ports_size() > 1;
  for (int i = 0; i < spec.ports_size(); ++i) {
    const auto& port = spec.ports(i);
    const std::string path = Index("spec.ports", i);
    if (require_name && port.name().empty()) {
      causes->push_back(Required(path + ".name"));
    } else if (!port.name().empty()) {
      AddInvalid(causes, path + ".name", BadValue::String(port.name()),
                 validation::IsDNS1123Label(port.name()));
      if (!names.insert(port.name()).second) {
        causes->push_back(Duplicate(path + ".name", BadValue::String(port.name())));
      }
    }
    AddInvalid(causes, path + ".port", BadValue::Int(port.port()),
               validation::IsValidPortNum(port.port()));
    if (port.protocol().empty()) {
      causes->push_back(Required(path + ".protocol"));
    } else if (std::find(kProtocols.begin(), kProtocols.end(), port.protocol()) ==
               kProtocols.end()) {
      causes->push_back(
          NotSupported(path + ".protocol", BadValue::String(port.protocol()), kProtocols));
    }
    ValidateTargetPort(port.target_port(), path + ".targetPort", causes);
    if (spec.type() == "ClusterIP" && port.node_port() != 0) {
      causes->push_back(
          Forbidden(path + ".nodePort", "may not be used when `type` is 'ClusterIP'"));
    }
  }
}

// patchAllocatedValues of the service REST update: what the apiserver allocated (cluster IPs,
// node ports) stays when the client leaves it out, as `kubectl apply` does.
void PatchAllocatedValues(ServiceSpec* spec, const ServiceSpec& old) {
  if (spec->type() == "ExternalName" || old.type() == "ExternalName") return;
  if (spec->cluster_ip().empty()) {
    spec->set_cluster_ip(old.cluster_ip());
    if (spec->cluster_ips_size() == 0) *spec->mutable_cluster_ips() = old.cluster_ips();
  }
  if (spec->ip_families_size() == 0) *spec->mutable_ip_families() = old.ip_families();
  if (!spec->has_ip_family_policy() && old.has_ip_family_policy()) {
    spec->set_ip_family_policy(old.ip_family_policy());
  }
  if (spec->type() != "NodePort" && spec->type() != "LoadBalancer") return;
  for (auto& port : *spec->mutable_ports()) {
    if (port.node_port() != 0) continue;
    for (const auto& before : old.ports()) {
      if (before.port() == port.port() && before.protocol() == port.protocol()) {
        port.set_node_port(before.node_port());
      }
    }
  }
  if (spec->health_check_node_port() == 0) {
    spec->set_health_check_node_port(old.health_check_node_port());
  }
}

class ServiceStrategyImpl : public Strategy {
 public:
  bool ReturnDeletedObject() const override { return true; }
  void Default(Message* object) const override {
    ServiceSpec* spec = As<Service>(object).mutable_spec();
    DefaultSessionAffinity(spec);
    if (spec->type().empty()) spec->set_type("ClusterIP");
    DefaultPorts(spec);
    if (Externally(*spec) && spec->external_traffic_policy().empty()) {
      spec->set_external_traffic_policy("Cluster");
    }
    const bool internal =
        spec->type() == "ClusterIP" || spec->type() == "NodePort" || spec->type() == "LoadBalancer";
    if (!spec->has_internal_traffic_policy() && internal) {
      spec->set_internal_traffic_policy("Cluster");
    }
    if (spec->type() == "LoadBalancer" && !spec->has_allocate_load_balancer_node_ports()) {
      spec->set_allocate_load_balancer_node_ports(true);
    }
  }

  // Status is the load balancer's to write. The IP family fields are what the REST layer's
  // allocator picks for a single-stack IPv4 cluster (ExternalName services have none).
  void PrepareForCreate(Message* object) const override {
    Service& service = As<Service>(object);
    service.clear_status();
    ServiceSpec* spec = service.mutable_spec();
    if (spec->type() == "ExternalName") return;
    if (!spec->has_ip_family_policy()) spec->set_ip_family_policy("SingleStack");
    if (spec->ip_families_size() == 0) spec->add_ip_families("IPv4");
  }

  void PrepareForUpdate(Message* object, const Message& old) const override {
    Service& service = As<Service>(object);
    *service.mutable_status() = As<Service>(old).status();
    PatchAllocatedValues(service.mutable_spec(), As<Service>(old).spec());
  }

  Causes Validate(const Message& object) const override {
    const ServiceSpec& spec = As<Service>(object).spec();
    Causes causes;
    static const std::vector<std::string> kTypes = {"ClusterIP", "ExternalName", "LoadBalancer",
                                                    "NodePort"};
    if (spec.ports_size() == 0 && !IsHeadless(spec) && spec.type() != "ExternalName") {
      causes.push_back(Required("spec.ports"));
    }
    if (spec.type() == "ExternalName") {
      if (spec.external_name().empty()) {
        causes.push_back(Required("spec.externalName"));
      } else {
        AddInvalid(&causes, "spec.externalName", BadValue::String(spec.external_name()),
                   validation::IsDNS1123Subdomain(spec.external_name()));
      }
    }
    ValidatePorts(spec, &causes);
    Append(&causes, ValidateLabels(spec.selector(), "spec.selector"));
    if (std::find(kTypes.begin(), kTypes.end(), spec.type()) == kTypes.end()) {
      causes.push_back(NotSupported("spec.type", BadValue::String(spec.type()), kTypes));
    }
    if (spec.session_affinity() != "ClientIP" && spec.session_affinity() != "None") {
      causes.push_back(NotSupported(
          "spec.sessionAffinity", BadValue::String(spec.session_affinity()), {"ClientIP", "None"}));
    }
    return causes;
  }

  // A set clusterIP stays (ValidateServiceUpdate: "field is immutable").
  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const ServiceSpec& now = As<Service>(object).spec();
    const ServiceSpec& before = As<Service>(old).spec();
    Causes causes;
    if (!before.cluster_ip().empty() && now.cluster_ip() != before.cluster_ip() &&
        now.type() != "ExternalName" && before.type() != "ExternalName") {
      std::vector<std::string> ips(now.cluster_ips().begin(), now.cluster_ips().end());
      causes.push_back(Invalid("spec.clusterIPs[0]", BadValue::Raw(validation::GoStringSlice(ips)),
                               "may not change once set"));
    }
    return causes;
  }

  // Service field selectors (kube-proxy filters headless services with spec.clusterIP).
  std::vector<std::string> FieldSelectors() const override {
    return {"spec.clusterIP", "spec.type"};
  }
};

}  // namespace

const Strategy& ServiceStrategy() {
  static const ServiceStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
