#include "scheduler/framework/types.h"

#include <algorithm>
#include <atomic>

namespace pk::scheduler {
namespace {

using k8s::core::v1::PodAffinityTerm;

std::atomic<int64_t> g_generation{0};

// framework.newAffinityTerm: a nil selector selects nothing; no namespaces and no
// namespaceSelector mean the pod's own namespace.
AffinityTerm NewAffinityTerm(const Pod& pod, const PodAffinityTerm& t,
                             std::vector<std::string>* errors) {
  AffinityTerm term;
  term.topology_key = t.topology_key();
  if (t.has_label_selector()) {
    auto s = LabelSelector::FromProto(t.label_selector());
    if (s.ok()) {
      term.selector = std::move(s).value();
    } else {
      term.selector = LabelSelector::Nothing();
      errors->push_back(s.status().message());
    }
  } else {
    term.selector = LabelSelector::Nothing();
  }
  if (t.namespaces().empty() && !t.has_namespace_selector()) {
    term.namespaces.insert(pod.metadata().namespace_());
  } else {
    term.namespaces.insert(t.namespaces().begin(), t.namespaces().end());
  }
  if (t.has_namespace_selector()) {
    auto s = LabelSelector::FromProto(t.namespace_selector());
    if (s.ok()) {
      term.namespace_selector = std::move(s).value();
    } else {
      errors->push_back(s.status().message());
    }
  }
  return term;
}

template <class Terms>
std::vector<AffinityTerm> Required(const Pod& pod, const Terms& terms,
                                   std::vector<std::string>* errors) {
  std::vector<AffinityTerm> out;
  for (const auto& t : terms) out.push_back(NewAffinityTerm(pod, t, errors));
  return out;
}

template <class Terms>
std::vector<WeightedAffinityTerm> Preferred(const Pod& pod, const Terms& terms,
                                            std::vector<std::string>* errors) {
  std::vector<WeightedAffinityTerm> out;
  for (const auto& t : terms) {
    out.push_back({NewAffinityTerm(pod, t.pod_affinity_term(), errors), t.weight()});
  }
  return out;
}

bool HasAffinity(const Pod& pod) {
  const auto& a = pod.spec().affinity();
  return pod.spec().has_affinity() && (a.has_pod_affinity() || a.has_pod_anti_affinity());
}

bool HasRequiredAntiAffinity(const Pod& pod) {
  return pod.spec().has_affinity() && !pod.spec()
                                           .affinity()
                                           .pod_anti_affinity()
                                           .required_during_scheduling_ignored_during_execution()
                                           .empty();
}

template <class T>
void EraseUid(std::vector<T>* v, const std::string& uid) {
  std::erase_if(*v, [&](const T& p) { return p->pod->metadata().uid() == uid; });
}

}  // namespace

bool AffinityTerm::Matches(const Pod& pod,
                           const std::map<std::string, std::string>& ns_labels) const {
  if (namespaces.count(pod.metadata().namespace_()) || namespace_selector.Matches(ns_labels)) {
    return selector.MatchesMap(pod.metadata().labels());
  }
  return false;
}

PodInfo::PodInfo(PodPtr p) : pod(std::move(p)) {
  const auto& a = pod->spec().affinity();
  required_affinity = Required(
      *pod, a.pod_affinity().required_during_scheduling_ignored_during_execution(), &parse_errors);
  required_anti_affinity =
      Required(*pod, a.pod_anti_affinity().required_during_scheduling_ignored_during_execution(),
               &parse_errors);
  preferred_affinity = Preferred(
      *pod, a.pod_affinity().preferred_during_scheduling_ignored_during_execution(), &parse_errors);
  preferred_anti_affinity =
      Preferred(*pod, a.pod_anti_affinity().preferred_during_scheduling_ignored_during_execution(),
                &parse_errors);
  requests = PodRequests(*pod);
  non_zero_requests = PodRequests(*pod, true);
}

std::vector<HostPort> PodHostPorts(const Pod& pod) {
  std::vector<HostPort> out;
  for (const auto& c : pod.spec().containers()) {
    for (const auto& p : c.ports()) {
      if (p.host_port() <= 0) continue;
      out.push_back({p.host_ip().empty() ? "0.0.0.0" : p.host_ip(),
                     p.protocol().empty() ? "TCP" : p.protocol(), p.host_port()});
    }
  }
  return out;
}

bool PortsConflict(const HostPort& a, const HostPort& b) {
  if (a.protocol != b.protocol || a.port != b.port) return false;
  return a.ip == b.ip || a.ip == "0.0.0.0" || b.ip == "0.0.0.0";
}

const std::string& NodeInfo::name() const {
  static const std::string kNone;
  return node_ ? node_->metadata().name() : kNone;
}

void NodeInfo::Bump() { generation_ = ++g_generation; }

void NodeInfo::SetNode(NodePtr node) {
  node_ = std::move(node);
  allocatable_ = node_ ? Resource::FromList(node_->status().allocatable()) : Resource();
  Bump();
}

void NodeInfo::AddPod(PodInfoPtr pod) {
  requested_.Add(pod->requests);
  non_zero_requested_.Add(pod->non_zero_requests);
  if (HasAffinity(*pod->pod)) pods_with_affinity_.push_back(pod);
  if (HasRequiredAntiAffinity(*pod->pod)) pods_with_required_anti_affinity_.push_back(pod);
  for (HostPort& p : PodHostPorts(*pod->pod)) used_ports_.push_back(std::move(p));
  pods_.push_back(std::move(pod));
  Bump();
}

bool NodeInfo::RemovePod(const std::string& uid) {
  auto it = std::find_if(pods_.begin(), pods_.end(),
                         [&](const PodInfoPtr& p) { return p->pod->metadata().uid() == uid; });
  if (it == pods_.end()) return false;
  PodInfoPtr pod = *it;
  pods_.erase(it);
  EraseUid(&pods_with_affinity_, uid);
  EraseUid(&pods_with_required_anti_affinity_, uid);
  requested_.Sub(pod->requests);
  non_zero_requested_.Sub(pod->non_zero_requests);
  for (const HostPort& p : PodHostPorts(*pod->pod)) {
    auto used = std::find(used_ports_.begin(), used_ports_.end(), p);
    if (used != used_ports_.end()) used_ports_.erase(used);
  }
  Bump();
  return true;
}

int32_t PodPriority(const Pod& pod) {
  return pod.spec().has_priority() ? pod.spec().priority() : 0;
}

std::string PodKey(const Pod& pod) {
  return pod.metadata().namespace_() + "/" + pod.metadata().name();
}

}  // namespace pk::scheduler
