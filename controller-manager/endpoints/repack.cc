#include "controller-manager/endpoints/repack.h"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

namespace pk::controllers::endpoints {
namespace {

using k8s::core::v1::EndpointAddress;
using k8s::core::v1::EndpointPort;

// An EndpointPort as a map key; port -1 is the sentinel for addresses without ports.
using PortKey = std::tuple<std::string, int32_t, std::string, bool, std::string>;

PortKey KeyOf(const EndpointPort& p) {
  return {p.name(), p.port(), p.protocol(), p.has_app_protocol(), p.app_protocol()};
}

// addressKey: two addresses are one when IP and targetRef UID agree.
using AddressKey = std::pair<std::string, std::string>;

AddressKey KeyOf(const EndpointAddress& a) {
  return {a.ip(), a.has_target_ref() ? a.target_ref().uid() : ""};
}

bool LessAddress(const EndpointAddress& a, const EndpointAddress& b) {
  if (a.ip() != b.ip()) return a.ip() < b.ip();
  if (!b.has_target_ref()) return false;
  if (!a.has_target_ref()) return true;
  return a.target_ref().uid() < b.target_ref().uid();
}

// The addresses each port is served by, with their readiness (not ready trumps ready).
struct Mapping {
  std::map<AddressKey, EndpointAddress> addresses;  // first seen copy
  std::map<PortKey, EndpointPort> ports;
  std::map<PortKey, std::map<AddressKey, bool>> ready_by_port;

  void Add(const EndpointAddress& address, const EndpointPort& port, bool ready) {
    AddressKey a = KeyOf(address);
    addresses.emplace(a, address);
    PortKey p = KeyOf(port);
    ports.emplace(p, port);
    auto [it, inserted] = ready_by_port[p].emplace(a, ready);
    if (!inserted && it->second) it->second = ready;
  }
  void AddSubset(const EndpointSubset& subset, const EndpointPort& port) {
    for (const auto& a : subset.addresses()) Add(a, port, true);
    for (const auto& a : subset.not_ready_addresses()) Add(a, port, false);
  }
};

}  // namespace

std::vector<EndpointSubset> RepackSubsets(const std::vector<EndpointSubset>& subsets) {
  Mapping m;
  EndpointPort sentinel;
  sentinel.set_port(-1);
  for (const auto& subset : subsets) {
    if (subset.ports_size() == 0) m.AddSubset(subset, sentinel);
    for (const auto& port : subset.ports()) m.AddSubset(subset, port);
  }
  // Ports grouped by their exact set of (address, ready); the sentinel only makes its set
  // present.
  std::map<std::map<AddressKey, bool>, std::vector<EndpointPort>> ports_by_set;
  for (const auto& [key, set] : m.ready_by_port) {
    auto& ports = ports_by_set[set];
    const EndpointPort& port = m.ports.at(key);
    if (port.port() > 0) ports.push_back(port);
  }
  std::vector<EndpointSubset> out;
  for (const auto& [set, ports] : ports_by_set) {
    EndpointSubset subset;
    for (const auto& [address, ready] : set) {
      *(ready ? subset.add_addresses() : subset.add_not_ready_addresses()) =
          m.addresses.at(address);
    }
    for (const auto& port : ports) *subset.add_ports() = port;
    out.push_back(std::move(subset));
  }
  SortSubsets(&out);
  return out;
}

void SortSubsets(std::vector<EndpointSubset>* subsets) {
  auto sort_addresses = [](auto* addresses) {
    std::stable_sort(addresses->begin(), addresses->end(), LessAddress);
  };
  for (auto& subset : *subsets) {
    sort_addresses(subset.mutable_addresses());
    sort_addresses(subset.mutable_not_ready_addresses());
    std::sort(subset.mutable_ports()->begin(), subset.mutable_ports()->end(),
              [](const EndpointPort& a, const EndpointPort& b) { return KeyOf(a) < KeyOf(b); });
  }
  std::vector<std::pair<std::string, EndpointSubset>> keyed;
  for (auto& subset : *subsets) keyed.emplace_back(subset.SerializeAsString(), std::move(subset));
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  subsets->clear();
  for (auto& [key, subset] : keyed) subsets->push_back(std::move(subset));
}

}  // namespace pk::controllers::endpoints
