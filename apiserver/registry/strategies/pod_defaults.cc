// Pod defaults: SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_ContainerPort and
// SetDefaults_Pod of k8s.io/kubernetes/pkg/apis/core/v1/defaults.go (v1.32).
#include <cctype>

#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

using k8s::core::v1::Container;
using k8s::core::v1::PodSpec;

// The tag parsers.ParseImageName finds: "latest" when the reference names neither tag nor
// digest, "" when it cannot be parsed (empty, upper case repository) or has only a digest.
std::string ImageTag(std::string_view image) {
  if (image.empty()) return "";
  std::string_view name = image;
  const size_t at = name.find('@');
  const bool has_digest = at != std::string_view::npos;
  if (has_digest) name = name.substr(0, at);
  std::string_view tag;
  const size_t slash = name.rfind('/');
  const size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  // Only the registry host may have upper case letters; the repository path may not.
  const std::string_view path = slash == std::string_view::npos ? name : name.substr(slash);
  for (char c : path) {
    if (std::isupper(static_cast<unsigned char>(c)) ||
        std::isspace(static_cast<unsigned char>(c))) {
      return "";
    }
  }
  if (tag.empty() && !has_digest) return "latest";
  return std::string(tag);
}

// SetDefaults_Container (and of the ports it holds).
template <class C>
void DefaultContainer(C* c) {
  if (c->image_pull_policy().empty()) {
    c->set_image_pull_policy(ImageTag(c->image()) == "latest" ? "Always" : "IfNotPresent");
  }
  if (c->termination_message_path().empty()) {
    c->set_termination_message_path("/dev/termination-log");
  }
  if (c->termination_message_policy().empty()) c->set_termination_message_policy("File");
  for (auto& port : *c->mutable_ports()) {
    if (port.protocol().empty()) port.set_protocol("TCP");
  }
}

// defaultHostNetworkPorts: with the host's network, the host port is the container port.
void DefaultHostNetworkPorts(google::protobuf::RepeatedPtrField<Container>* containers) {
  for (Container& c : *containers) {
    for (auto& port : *c.mutable_ports()) {
      if (port.host_port() == 0) port.set_host_port(port.container_port());
    }
  }
}

// Requests default to limits, for pods only (not templates), as SetDefaults_Pod does.
void DefaultRequestsFromLimits(google::protobuf::RepeatedPtrField<Container>* containers) {
  for (Container& c : *containers) {
    auto* requests = c.mutable_resources()->mutable_requests();
    for (const auto& [name, quantity] : c.resources().limits()) {
      if (requests->find(name) == requests->end()) (*requests)[name] = quantity;
    }
  }
}

}  // namespace

void DefaultPodSpec(PodSpec* spec) {
  if (spec->dns_policy().empty()) spec->set_dns_policy("ClusterFirst");
  if (spec->restart_policy().empty()) spec->set_restart_policy("Always");
  if (!spec->has_security_context()) spec->mutable_security_context();
  if (!spec->has_termination_grace_period_seconds()) {
    spec->set_termination_grace_period_seconds(30);
  }
  if (spec->scheduler_name().empty()) spec->set_scheduler_name("default-scheduler");
  for (auto& c : *spec->mutable_init_containers()) DefaultContainer(&c);
  for (auto& c : *spec->mutable_containers()) DefaultContainer(&c);
  for (auto& c : *spec->mutable_ephemeral_containers()) DefaultContainer(&c);
}

void DefaultPod(k8s::core::v1::Pod* pod) {
  PodSpec* spec = pod->mutable_spec();
  DefaultPodSpec(spec);
  DefaultRequestsFromLimits(spec->mutable_containers());
  DefaultRequestsFromLimits(spec->mutable_init_containers());
  if (!spec->has_enable_service_links()) spec->set_enable_service_links(true);
  if (spec->host_network()) {
    DefaultHostNetworkPorts(spec->mutable_containers());
    DefaultHostNetworkPorts(spec->mutable_init_containers());
  }
}

}  // namespace pk::registry
