// The pod evaluator (pkg/quota/v1/evaluator/core/pods.go, v1.32).
#include <google/protobuf/message.h>

#include <map>
#include <string>

#include "quota/evaluators.h"

namespace pk::quota {
namespace {

using google::protobuf::DynamicCastToGenerated;
using google::protobuf::Message;
using k8s::core::v1::Container;
using k8s::core::v1::Pod;

const ResourceNames& PodResourceList() {
  static const auto* names = new ResourceNames{"count/pods",
                                               "cpu",
                                               "memory",
                                               "ephemeral-storage",
                                               "requests.cpu",
                                               "requests.memory",
                                               "requests.ephemeral-storage",
                                               "limits.cpu",
                                               "limits.memory",
                                               "limits.ephemeral-storage",
                                               "pods"};
  return *names;
}

// The resources whose quota obliges every container to declare them.
const ResourceNames& ValidationSet() {
  static const auto* names = new ResourceNames{
      "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"};
  return *names;
}

bool HasPrefix(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// helper.IsExtendedResourceName: a qualified name outside kubernetes.io/, not "requests.".
bool IsExtendedResourceName(const std::string& name) {
  if (name.find('/') == std::string::npos || name.find("kubernetes.io/") != std::string::npos) {
    return false;
  }
  return !HasPrefix(name, "requests.");
}

bool IsExtendedResourceNameForQuota(const std::string& name) {
  return HasPrefix(name, "requests.") && IsExtendedResourceName(name.substr(9));
}

// podComputeUsageHelper: one pod, and its requests and limits under their quota names.
ResourceList ComputeUsage(const ResourceList& requests, const ResourceList& limits) {
  ResourceList out{{"pods", Quantity::FromInt(1)}};
  for (const char* r : {"cpu", "memory", "ephemeral-storage"}) {
    auto req = requests.find(r);
    if (req != requests.end()) {
      out[r] = req->second;
      out[std::string("requests.") + r] = req->second;
    }
    auto lim = limits.find(r);
    if (lim != limits.end()) out[std::string("limits.") + r] = lim->second;
  }
  for (const auto& [name, q] : requests) {
    if (HasPrefix(name, "hugepages-")) {
      out[name] = q;
      out["requests." + name] = q;
    }
    if (IsExtendedResourceName(name)) out["requests." + name] = q;
  }
  return out;
}

// QuotaV1Pod: a terminal pod, or one whose deletion grace period has run out, is not charged
// for compute resources.
bool Charged(const Pod& pod, int64_t now) {
  const std::string& phase = pod.status().phase();
  if (phase == "Failed" || phase == "Succeeded") return false;
  const auto& meta = pod.metadata();
  if (meta.has_deletion_timestamp() && meta.has_deletion_grace_period_seconds()) {
    return now <= meta.deletion_timestamp().seconds() + meta.deletion_grace_period_seconds();
  }
  return true;
}

class PodEvaluator : public Evaluator {
 public:
  GroupResource group_resource() const override { return {"", "pods"}; }

  ResourceNames MatchingResources(const ResourceNames& names) const override {
    ResourceNames out;
    for (const auto& name : names) {
      if (PodResourceList().count(name) || HasPrefix(name, "hugepages-") ||
          HasPrefix(name, "requests.hugepages-") || IsExtendedResourceNameForQuota(name)) {
        out.insert(name);
      }
    }
    return out;
  }

  bool MatchesScope(const Selector& selector, const Message& object, int64_t now) const override {
    const Pod* pod = DynamicCastToGenerated<Pod>(&object);
    return pod != nullptr && PodMatchesScope(selector, *pod);
  }

  std::string Constraints(const ResourceNames& required, const Message& object) const override {
    const Pod* pod = DynamicCastToGenerated<Pod>(&object);
    if (pod == nullptr) return "";
    ResourceNames needed;
    for (const auto& name : required) {
      if (ValidationSet().count(name)) needed.insert(name);
    }
    std::map<std::string, std::set<std::string>> missing;  // resource -> containers
    auto check = [&](const Container& c) {
      ResourceNames has = Names(
          ComputeUsage(FromProto(c.resources().requests()), FromProto(c.resources().limits())));
      for (const auto& name : needed) {
        if (!has.count(name)) missing[name].insert(c.name());
      }
    };
    for (const auto& c : pod->spec().containers()) check(c);
    for (const auto& c : pod->spec().init_containers()) check(c);
    if (missing.empty()) return "";
    std::string out;
    for (const auto& [resource, containers] : missing) {
      if (!out.empty()) out += "; ";
      out += resource + " for: " + PrettyPrintNames(containers);
    }
    return "must specify " + out;
  }

  ResourceList Usage(const Message& object, int64_t now) const override {
    const Pod* pod = DynamicCastToGenerated<Pod>(&object);
    if (pod == nullptr) return {};
    ResourceList out{{"count/pods", Quantity::FromInt(1)}};
    if (!Charged(*pod, now)) return out;
    return Add(out, ComputeUsage(PodRequests(pod->spec(), true), PodLimits(pod->spec(), true)));
  }
};

bool CrossNamespace(const k8s::core::v1::PodAffinityTerm& term) {
  return term.namespaces_size() > 0 || term.has_namespace_selector();
}

// usesCrossNamespacePodAffinity: an affinity or anti-affinity term naming other namespaces.
template <class Affinity>
bool CrossNamespaceTerms(const Affinity& affinity) {
  for (const auto& t : affinity.required_during_scheduling_ignored_during_execution()) {
    if (CrossNamespace(t)) return true;
  }
  for (const auto& t : affinity.preferred_during_scheduling_ignored_during_execution()) {
    if (CrossNamespace(t.pod_affinity_term())) return true;
  }
  return false;
}

bool UsesCrossNamespacePodAffinity(const Pod& pod) {
  const auto& a = pod.spec().affinity();
  return CrossNamespaceTerms(a.pod_affinity()) || CrossNamespaceTerms(a.pod_anti_affinity());
}

}  // namespace

// podMatchesScopeFunc: the scopes of pods; the operator matters to PriorityClass only.
bool PodMatchesScope(const Selector& selector, const Pod& pod) {
  const auto& spec = pod.spec();
  const std::string& scope = selector.scope_name();
  bool terminating = spec.has_active_deadline_seconds() && spec.active_deadline_seconds() >= 0;
  if (scope == "Terminating") return terminating;
  if (scope == "NotTerminating") return !terminating;
  if (scope == "BestEffort") return IsBestEffort(spec);
  if (scope == "NotBestEffort") return !IsBestEffort(spec);
  if (scope == "CrossNamespacePodAffinity") return UsesCrossNamespacePodAffinity(pod);
  if (scope != "PriorityClass") return false;
  const std::string& name = spec.priority_class_name();
  bool has = !name.empty();
  const std::string& op = selector.operator_();
  bool listed = false;
  for (const auto& v : selector.values()) listed = listed || v == name;
  if (op == "Exists") return has;
  if (op == "DoesNotExist") return !has;
  if (op == "In") return has && listed;
  if (op == "NotIn") return !has || !listed;
  return false;
}

const Evaluator& PodEvaluatorInstance() {
  static const PodEvaluator evaluator;
  return evaluator;
}

}  // namespace pk::quota
