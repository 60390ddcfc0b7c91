// PodTopologySpread: construction, the pod's constraints, and what filtering and scoring share
// (podtopologyspread/plugin.go and common.go).
#include "scheduler/plugins/pod_topology_spread.h"

#include <climits>

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

using k8s::core::v1::TopologySpreadConstraint;

// The selector of a constraint with the pod's values of its matchLabelKeys added (ANDed), as
// mergeLabelSetWithSelector. A nil labelSelector selects nothing unless a key adds a value.
Result<LabelSelector> ConstraintSelector(const TopologySpreadConstraint& c, const Pod& pod) {
  k8s::meta::v1::LabelSelector merged = c.label_selector();
  bool added = false;
  const auto& labels = pod.metadata().labels();
  for (const std::string& key : c.match_label_keys()) {
    auto it = labels.find(key);
    if (it == labels.end()) continue;
    auto* req = merged.add_match_expressions();
    req->set_key(key);
    req->set_operator_("In");
    req->add_values(it->second);
    added = true;
  }
  if (!c.has_label_selector() && !added) return LabelSelector::Nothing();
  return LabelSelector::FromProto(merged);
}

// The two constraints Kubernetes applies with defaultingType System.
std::vector<TopologySpreadConstraint> SystemDefaultConstraints() {
  std::vector<TopologySpreadConstraint> out(2);
  out[0].set_topology_key("kubernetes.io/hostname");
  out[0].set_when_unsatisfiable("ScheduleAnyway");
  out[0].set_max_skew(3);
  out[1].set_topology_key("topology.kubernetes.io/zone");
  out[1].set_when_unsatisfiable("ScheduleAnyway");
  out[1].set_max_skew(5);
  return out;
}

}  // namespace

CriticalPaths::CriticalPaths() {
  paths[0].match_num = INT_MAX;
  paths[1].match_num = INT_MAX;
}

void CriticalPaths::Update(const std::string& value, int num) {
  int i = value == paths[0].topology_value ? 0 : value == paths[1].topology_value ? 1 : -1;
  if (i >= 0) {
    paths[i].match_num = num;
    if (paths[0].match_num > paths[1].match_num) std::swap(paths[0], paths[1]);
  } else if (num < paths[0].match_num) {
    paths[1] = paths[0];
    paths[0] = {value, num};
  } else if (num < paths[1].match_num) {
    paths[1] = {value, num};
  }
}

int SpreadPreFilterState::MinMatchNum(size_t i, int32_t min_domains) const {
  if (tp_value_to_match_num[i].size() < static_cast<size_t>(min_domains)) return 0;
  return critical_paths[i].paths[0].match_num;
}

namespace spread {

Result<std::vector<SpreadConstraint>> FilterConstraints(
    const google::protobuf::RepeatedPtrField<TopologySpreadConstraint>& constraints, const Pod& pod,
    std::string_view action) {
  std::vector<SpreadConstraint> out;
  for (const auto& c : constraints) {
    if (c.when_unsatisfiable() != action) continue;
    auto selector = ConstraintSelector(c, pod);
    if (!selector.ok()) return selector.take_status();
    SpreadConstraint sc;
    sc.max_skew = c.max_skew();
    sc.topology_key = c.topology_key();
    sc.selector = std::move(selector).value();
    if (c.has_min_domains()) sc.min_domains = c.min_domains();
    if (c.has_node_affinity_policy()) sc.honor_node_affinity = c.node_affinity_policy() == "Honor";
    if (c.has_node_taints_policy()) sc.honor_node_taints = c.node_taints_policy() == "Honor";
    out.push_back(std::move(sc));
  }
  return out;
}

bool NodeHasAllTopologyKeys(const Node& node, const std::vector<SpreadConstraint>& constraints) {
  const auto& labels = node.metadata().labels();
  for (const auto& c : constraints) {
    if (!labels.contains(c.topology_key)) return false;
  }
  return true;
}

bool MatchNodeInclusionPolicies(const SpreadConstraint& c, const Pod& pod, const Node& node) {
  if (c.honor_node_affinity && !MatchesRequiredNodeAffinity(pod, node)) return false;
  if (c.honor_node_taints && !ToleratesNoScheduleTaints(pod, node)) return false;
  return true;
}

int CountPodsMatchSelector(const std::vector<PodInfoPtr>& pods, const LabelSelector& selector,
                           const std::string& ns) {
  int count = 0;
  for (const auto& p : pods) {
    // Terminating pods do not count (kubernetes#87621).
    if (p->pod->metadata().has_deletion_timestamp() || p->pod->metadata().namespace_() != ns) {
      continue;
    }
    if (selector.MatchesMap(p->pod->metadata().labels())) ++count;
  }
  return count;
}

}  // namespace spread

std::string MatchCountCache::SelectorKey(const LabelSelector& selector, const std::string& ns) {
  return ns + '\n' + selector.String();
}

int MatchCountCache::Count(const NodeInfo& info, const LabelSelector& selector,
                           const std::string& ns, const std::string& key) {
  // Nothing (a nil selector) prints as the empty selector does, but matches no pod.
  if (selector.requirements().empty() && !selector.Empty()) return 0;
  {
    std::lock_guard lock(mu_);
    auto by_node = counts_.find(key);
    if (by_node != counts_.end()) {
      auto it = by_node->second.find(info.name());
      if (it != by_node->second.end() && it->second.generation == info.generation()) {
        return it->second.count;
      }
    }
  }
  int count = spread::CountPodsMatchSelector(info.pods(), selector, ns);
  std::lock_guard lock(mu_);
  if (counts_.size() >= kMaxSelectors && !counts_.count(key)) counts_.clear();
  counts_[key][info.name()] = {info.generation(), count};
  return count;
}

PodTopologySpread::PodTopologySpread(PodTopologySpreadArgs args, Handle& handle,
                                     DefaultSelectorFn default_selector)
    : handle_(handle),
      default_constraints_(std::move(args.default_constraints)),
      default_selector_(std::move(default_selector)) {
  if (args.defaulting_type == PodTopologySpreadArgs::Defaulting::kSystem) {
    default_constraints_ = SystemDefaultConstraints();
    system_defaulted_ = true;
  }
}

Result<std::vector<SpreadConstraint>> PodTopologySpread::Constraints(
    const Pod& pod, std::string_view action) const {
  if (!pod.spec().topology_spread_constraints().empty()) {
    return spread::FilterConstraints(pod.spec().topology_spread_constraints(), pod, action);
  }
  return DefaultConstraints(pod, action);
}

// buildDefaultConstraints: the default constraints for `action`, each with the selector of
// the pod's Services and controllers; none when that selector is empty.
Result<std::vector<SpreadConstraint>> PodTopologySpread::DefaultConstraints(
    const Pod& pod, std::string_view action) const {
  google::protobuf::RepeatedPtrField<TopologySpreadConstraint> defaults(
      default_constraints_.begin(), default_constraints_.end());
  auto constraints = spread::FilterConstraints(defaults, pod, action);
  if (!constraints.ok() || constraints->empty()) return constraints;
  LabelSelector selector = default_selector_ ? default_selector_(pod) : LabelSelector();
  if (selector.Empty()) return std::vector<SpreadConstraint>{};
  for (auto& c : *constraints) c.selector = selector;
  return constraints;
}

Result<std::unique_ptr<Plugin>> NewPodTopologySpread(const YAML::Node& args, Handle& handle) {
  auto parsed = PodTopologySpreadArgs::Parse(args);
  if (!parsed.ok()) {
    return Status::BadRequest("PodTopologySpread: " + parsed.status().message());
  }
  // Default constraints apply to pods that Services, ReplicaSets or StatefulSets select.
  return std::unique_ptr<Plugin>(std::make_unique<PodTopologySpread>(
      std::move(parsed).value(), handle,
      [&handle](const Pod& pod) { return handle.DefaultSelectorFor(pod); }));
}

}  // namespace pk::scheduler::plugins
