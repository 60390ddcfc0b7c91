#include "controller-manager/endpoints/endpoint_util.h"

#include <algorithm>

namespace pk::controllers::endpoints {
namespace {

bool IsIpv6(const std::string& ip) { return ip.find(':') != std::string::npos; }

std::optional<int32_t> NamedPort(const k8s::core::v1::Container& container,
                                 const k8s::core::v1::ServicePort& port) {
  for (const auto& p : container.ports()) {
    if (p.name() == port.target_port().str_val() && p.protocol() == port.protocol()) {
      return p.container_port();
    }
  }
  return std::nullopt;
}

const k8s::core::v1::PodCondition* ReadyCondition(const Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return &c;
  }
  return nullptr;
}

}  // namespace

bool ShouldPodBeInEndpoints(const Pod& pod, bool include_terminating) {
  const std::string& phase = pod.status().phase();
  if (phase == "Succeeded" || phase == "Failed") return false;
  if (pod.status().pod_ip().empty() && pod.status().pod_ips_size() == 0) return false;
  return include_terminating || !pod.metadata().has_deletion_timestamp();
}

bool ShouldSetHostname(const Pod& pod, const Service& service) {
  return !pod.spec().hostname().empty() && pod.spec().subdomain() == service.metadata().name() &&
         pod.metadata().namespace_() == service.metadata().namespace_();
}

std::optional<int32_t> FindPort(const Pod& pod, const k8s::core::v1::ServicePort& port) {
  if (port.target_port().type() == 0) return port.target_port().int_val();
  for (const auto& c : pod.spec().containers()) {
    if (auto found = NamedPort(c, port)) return found;
  }
  for (const auto& c : pod.spec().init_containers()) {
    if (c.restart_policy() != "Always") continue;  // only sidecars serve
    if (auto found = NamedPort(c, port)) return found;
  }
  return std::nullopt;
}

std::optional<std::string> PodIpForService(const Service& service, const Pod& pod) {
  const auto& spec = service.spec();
  bool v6 = false;
  if (spec.ip_families_size() > 0) {
    v6 = spec.ip_families(0) == "IPv6";
  } else if (!spec.cluster_ip().empty() && spec.cluster_ip() != "None") {
    v6 = IsIpv6(spec.cluster_ip());
  } else {
    v6 = IsIpv6(pod.status().pod_ip());  // headless: the pod's own family
  }
  std::vector<std::string> ips;
  for (const auto& ip : pod.status().pod_ips()) ips.push_back(ip.ip());
  if (ips.empty() && !pod.status().pod_ip().empty()) ips.push_back(pod.status().pod_ip());
  for (const auto& ip : ips) {
    if (IsIpv6(ip) == v6) return ip;
  }
  return std::nullopt;
}

bool Selects(const Service& service, const Pod& pod) {
  const auto& selector = service.spec().selector();
  const auto& labels = pod.metadata().labels();
  return !selector.empty() && std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
    auto it = labels.find(kv.first);
    return it != labels.end() && it->second == kv.second;
  });
}

std::set<std::string> PodServiceMemberships(const client::Lister<Service>& services,
                                            const Pod& pod) {
  std::set<std::string> keys;
  const std::string& ns = pod.metadata().namespace_();
  for (const auto& service : services.ByNamespace(ns).List()) {
    if (Selects(*service, pod)) keys.insert(ns + "/" + service->metadata().name());
  }
  return keys;
}

int64_t TriggerTimeTracker::Compute(const Service& service,
                                    const std::vector<client::Ptr<Pod>>& pods) {
  const std::string key = service.metadata().namespace_() + "/" + service.metadata().name();
  std::lock_guard lock(mu_);
  auto it = states_.find(key);
  const bool known = it != states_.end();
  State& state = states_[key];
  int64_t min_changed = 0;
  auto consider = [&min_changed](int64_t t) {
    if (min_changed == 0 || t < min_changed) min_changed = t;
  };
  std::map<std::string, int64_t> pod_times;
  for (const auto& pod : pods) {
    const auto* ready = ReadyCondition(*pod);
    int64_t t = ready != nullptr ? ready->last_transition_time().seconds() : 0;
    if (t == 0) continue;
    pod_times[pod->metadata().name()] = t;
    auto last = state.pod_times.find(pod->metadata().name());
    if (last == state.pod_times.end() || t > last->second) consider(t);
  }
  const int64_t service_time = service.metadata().creation_timestamp().seconds();
  if (service_time > state.service_time) consider(service_time);
  state.pod_times = std::move(pod_times);
  state.service_time = service_time;
  return known ? min_changed : service_time;
}

void TriggerTimeTracker::DeleteService(const std::string& key) {
  std::lock_guard lock(mu_);
  states_.erase(key);
}

}  // namespace pk::controllers::endpoints
