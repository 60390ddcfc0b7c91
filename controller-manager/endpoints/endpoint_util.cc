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

bool IsReady(const Pod& pod) {
  const auto* ready = ReadyCondition(pod);
  return ready != nullptr && ready->status() == "True";
}

bool IsTerminal(const Pod& pod) {
  return pod.status().phase() == "Succeeded" || pod.status().phase() == "Failed";
}

// podEndpointsChanged: whether the pod's addresses may have changed (first) and whether the
// services it belongs to may have (second). Go compares deletionTimestamp pointers, which
// differ whenever either is set. A terminal phase counts too: Kubernetes relies on the Ready
// flip the kubelet makes with it, a test or another writer may not make one.
std::pair<bool, bool> PodEndpointsChanged(const Pod& old_pod, const Pod& new_pod) {
  const bool labels_changed =
      std::map<std::string, std::string>(old_pod.metadata().labels().begin(),
                                         old_pod.metadata().labels().end()) !=
          std::map<std::string, std::string>(new_pod.metadata().labels().begin(),
                                             new_pod.metadata().labels().end()) ||
      old_pod.spec().hostname() != new_pod.spec().hostname() ||
      old_pod.spec().subdomain() != new_pod.spec().subdomain();
  if (old_pod.metadata().has_deletion_timestamp() || new_pod.metadata().has_deletion_timestamp()) {
    return {true, labels_changed};
  }
  if (IsReady(old_pod) != IsReady(new_pod) || IsTerminal(old_pod) != IsTerminal(new_pod)) {
    return {true, labels_changed};
  }
  const auto& a = old_pod.status().pod_ips();
  const auto& b = new_pod.status().pod_ips();
  bool ips_changed = a.size() != b.size() || old_pod.status().pod_ip() != new_pod.status().pod_ip();
  for (int i = 0; !ips_changed && i < a.size(); ++i) ips_changed = a[i].ip() != b[i].ip();
  return {ips_changed, labels_changed};
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

std::set<std::string> ServicesToUpdateOnPodChange(const client::Lister<Service>& services,
                                                  const Pod& old_pod, const Pod& new_pod) {
  if (old_pod.metadata().resource_version() == new_pod.metadata().resource_version()) return {};
  auto [pod_changed, labels_changed] = PodEndpointsChanged(old_pod, new_pod);
  if (!pod_changed && !labels_changed) return {};
  std::set<std::string> now = PodServiceMemberships(services, new_pod);
  if (!labels_changed) return now;
  std::set<std::string> before = PodServiceMemberships(services, old_pod);
  std::set<std::string> out;
  // determineNeededServiceUpdates: all of both when the pod changed, else those it left or
  // joined.
  for (const auto& key : now) {
    if (pod_changed || !before.count(key)) out.insert(key);
  }
  for (const auto& key : before) {
    if (pod_changed || !now.count(key)) out.insert(key);
  }
  return out;
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
    const auto* ready = ReadyCondition(*pod);  // getPodTriggerTime
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
