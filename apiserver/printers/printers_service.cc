// Services and Endpoints (core/v1), as printers.go prints them.
#include <fmt/format.h>

#include <set>

#include "apiserver/printers/printers_internal.h"
#include "proto/core/v1/service.pb.h"

namespace pk::printers {

namespace {

using k8s::core::v1::Endpoints;
using k8s::core::v1::Service;

// loadBalancerStatusStringer with wide=true (the apiserver never clips): the distinct ingress
// IPs (or hostnames), sorted.
std::vector<std::string> LoadBalancerAddresses(const Service& svc) {
  std::set<std::string> addresses;
  for (const auto& ingress : svc.status().load_balancer().ingress()) {
    if (!ingress.ip().empty()) {
      addresses.insert(ingress.ip());
    } else if (!ingress.hostname().empty()) {
      addresses.insert(ingress.hostname());
    }
  }
  return {addresses.begin(), addresses.end()};
}

// getServiceExternalIP.
std::string ExternalIP(const Service& svc) {
  const auto& spec = svc.spec();
  std::vector<std::string> external(spec.external_ips().begin(), spec.external_ips().end());
  const std::string& type = spec.type();
  if (type == "ClusterIP" || type == "NodePort") {
    return external.empty() ? "<none>" : Join(external, ",");
  }
  if (type == "LoadBalancer") {
    std::vector<std::string> all = LoadBalancerAddresses(svc);
    if (all.empty() && external.empty()) return "<pending>";
    all.insert(all.end(), external.begin(), external.end());
    return Join(all, ",");
  }
  if (type == "ExternalName") return spec.external_name();
  return "<unknown>";
}

// makePortString: "80/TCP,443:30443/TCP".
std::string Ports(const Service& svc) {
  std::vector<std::string> pieces;
  for (const auto& port : svc.spec().ports()) {
    pieces.push_back(port.node_port() > 0
                         ? fmt::format("{}:{}/{}", port.port(), port.node_port(), port.protocol())
                         : fmt::format("{}/{}", port.port(), port.protocol()));
  }
  std::string out = Join(pieces, ",");
  return out.empty() ? "<none>" : out;
}

// clusterIPs[0], "<none>" without one. The apiserver fills clusterIPs from clusterIP when it
// reads an object stored before dual-stack (defaultOnReadService), so printService sees that.
std::string ClusterIP(const k8s::core::v1::ServiceSpec& spec) {
  if (spec.cluster_ips_size() > 0) return spec.cluster_ips(0);
  return spec.cluster_ip().empty() ? "<none>" : spec.cluster_ip();
}

Row ServiceRow(const Service& svc, int64_t now) {
  const auto& spec = svc.spec();
  return {svc.metadata().name(),
          spec.type(),
          ClusterIP(spec),
          ExternalIP(svc),
          Ports(svc),
          Age(svc.metadata(), now),
          FormatLabels(spec.selector())};
}

// net.JoinHostPort: IPv6 addresses in brackets.
std::string HostPort(const std::string& ip, int32_t port) {
  return ip.find(':') != std::string::npos ? fmt::format("[{}]:{}", ip, port)
                                           : fmt::format("{}:{}", ip, port);
}

// formatEndpoints(endpoints, nil): up to three "ip:port" entries, then " + N more...".
std::string FormatEndpoints(const Endpoints& endpoints) {
  if (endpoints.subsets_size() == 0) return "<none>";
  constexpr int kMax = 3;
  std::vector<std::string> list;
  bool more = false;
  int count = 0;
  for (const auto& subset : endpoints.subsets()) {
    if (subset.ports_size() == 0) {  // a headless service without ports
      count += subset.addresses_size();
      for (const auto& address : subset.addresses()) {
        if (static_cast<int>(list.size()) == kMax) {
          more = true;
          break;
        }
        list.push_back(address.ip());
      }
      continue;
    }
    for (const auto& port : subset.ports()) {
      count += subset.addresses_size();
      for (const auto& address : subset.addresses()) {
        if (static_cast<int>(list.size()) == kMax) {
          more = true;
          break;
        }
        list.push_back(HostPort(address.ip(), port.port()));
      }
    }
  }
  std::string out = Join(list, ",");
  return more ? fmt::format("{} + {} more...", out, count - kMax) : out;
}

Row EndpointsRow(const Endpoints& endpoints, int64_t now) {
  return {endpoints.metadata().name(), FormatEndpoints(endpoints), Age(endpoints.metadata(), now)};
}

std::vector<Column> ServiceColumns() {
  return {
      NameColumn(),
      {"Type", "string", "",
       "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
       "ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a "
       "cluster-internal IP address for load-balancing to endpoints. Endpoints are determined "
       "by the selector or if that is not specified, by manual construction of an Endpoints "
       "object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated "
       "and the endpoints are published as a set of endpoints rather than a virtual IP. "
       "\"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the "
       "same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an "
       "external load-balancer (if supported in the current cloud) which routes to the same "
       "endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified "
       "externalName. Several other fields do not apply to ExternalName services. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/"
       "#publishing-services-service-types",
       0},
      {"Cluster-IP", "string", "",
       "clusterIP is the IP address of the service and is usually assigned randomly. If an "
       "address is specified manually, is in-range (as per system configuration), and is not "
       "in use, it will be allocated to the service; otherwise creation of the service will "
       "fail. This field may not be changed through updates unless the type field is also being "
       "changed to ExternalName (which requires this field to be blank) or the type field is "
       "being changed from ExternalName (in which case this field may optionally be specified, "
       "as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP "
       "address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which "
       "is useful when direct endpoint connections are preferred and proxying is not required. "
       " Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is "
       "specified when creating a Service of type ExternalName, creation will fail. This field "
       "will be wiped when updating a Service to type ExternalName. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/"
       "#virtual-ips-and-service-proxies",
       0},
      {"External-IP", "string", "",
       "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
       "traffic for this service.  These IPs are not managed by Kubernetes.  The user is "
       "responsible for ensuring that traffic arrives at a node with this IP.  A common example "
       "is external load-balancers that are not part of the Kubernetes system.",
       0},
      {"Port(s)", "string", "",
       "The list of ports that are exposed by this service. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/"
       "#virtual-ips-and-service-proxies",
       0},
      AgeColumn(),
      {"Selector", "string", "",
       "Route service traffic to pods with label keys and values matching this selector. If "
       "empty or not present, the service is assumed to have an external process managing its "
       "endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, "
       "and LoadBalancer. Ignored if type is ExternalName. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/",
       1},
  };
}

std::vector<Column> EndpointsColumns() {
  return {NameColumn(),
          {"Endpoints", "string", "",
           "The set of all endpoints is the union of all subsets. Addresses are placed into "
           "subsets according to the IPs they share. A single address with multiple ports, some "
           "of which are ready and some of which are not (because they come from different "
           "containers) will result in the address being displayed in different subsets for the "
           "different ports. No address will appear in both Addresses and NotReadyAddresses in "
           "the same subset. Sets of addresses and ports that comprise a service.",
           0},
          AgeColumn()};
}

}  // namespace

void AddServicePrinters(PrinterMap* map) {
  AddPrinter<Service>(map, ServiceColumns(), ServiceRow);
  AddPrinter<Endpoints>(map, EndpointsColumns(), EndpointsRow);
}

}  // namespace pk::printers
