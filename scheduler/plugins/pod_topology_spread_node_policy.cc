// Node inclusion policies of PodTopologySpread: which nodes' pods count for a constraint
// (nodeAffinityPolicy: the pod's nodeSelector and required node affinity; nodeTaintsPolicy:
// the node's NoSchedule/NoExecute taints the pod does not tolerate). The node affinity match
// is component-helpers' nodeaffinity.RequiredNodeAffinity, with its parse errors ignored.
#include <algorithm>
#include <charconv>
#include <optional>

#include "scheduler/plugins/pod_topology_spread.h"

namespace pk::scheduler::plugins::spread {
namespace {

using k8s::core::v1::NodeSelectorRequirement;
using k8s::core::v1::NodeSelectorTerm;

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool Contains(const NodeSelectorRequirement& r, const std::string& v) {
  return std::find(r.values().begin(), r.values().end(), v) != r.values().end();
}

// One matchExpressions requirement against the node's labels; nullopt when it does not parse
// (labels.NewRequirement's checks on the operator and the number of values).
std::optional<bool> MatchExpression(const NodeSelectorRequirement& r, const Node& node) {
  const auto& labels = node.metadata().labels();
  auto it = labels.find(r.key());
  bool has = it != labels.end();
  const std::string& op = r.operator_();
  if (op == "In" || op == "NotIn") {
    if (r.values().empty()) return std::nullopt;
    bool in = has && Contains(r, it->second);
    return op == "In" ? in : !in;
  }
  if (op == "Exists" || op == "DoesNotExist") {
    if (!r.values().empty()) return std::nullopt;
    return op == "Exists" ? has : !has;
  }
  if (op == "Gt" || op == "Lt") {
    if (r.values().size() != 1) return std::nullopt;
    auto want = ParseInt(r.values(0));
    if (!want) return std::nullopt;
    if (!has) return false;
    auto got = ParseInt(it->second);
    if (!got) return false;
    return op == "Gt" ? *got > *want : *got < *want;
  }
  return std::nullopt;
}

// One matchFields requirement: only metadata.name with In/NotIn and one value parses.
std::optional<bool> MatchField(const NodeSelectorRequirement& r, const Node& node) {
  if (r.key() != "metadata.name" || r.values().size() != 1) return std::nullopt;
  bool eq = node.metadata().name() == r.values(0);
  if (r.operator_() == "In") return eq;
  if (r.operator_() == "NotIn") return !eq;
  return std::nullopt;
}

// A term: nullopt when it does not parse; an empty term matches nothing.
std::optional<bool> MatchTerm(const NodeSelectorTerm& term, const Node& node) {
  if (term.match_expressions().empty() && term.match_fields().empty()) return false;
  bool match = true;
  for (const auto& r : term.match_expressions()) {
    auto m = MatchExpression(r, node);
    if (!m) return std::nullopt;
    match = match && *m;
  }
  for (const auto& r : term.match_fields()) {
    auto m = MatchField(r, node);
    if (!m) return std::nullopt;
    match = match && *m;
  }
  return match;
}

// Taint.ToleratedBy for one toleration (v1.Toleration.ToleratesTaint).
bool Tolerates(const k8s::core::v1::Toleration& t, const k8s::core::v1::Taint& taint) {
  if (!t.effect().empty() && t.effect() != taint.effect()) return false;
  if (!t.key().empty() && t.key() != taint.key()) return false;
  if (t.operator_().empty() || t.operator_() == "Equal") return t.value() == taint.value();
  return t.operator_() == "Exists";
}

}  // namespace

bool MatchesRequiredNodeAffinity(const Pod& pod, const Node& node) {
  const auto& labels = node.metadata().labels();
  for (const auto& [k, v] : pod.spec().node_selector()) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  const auto& affinity = pod.spec().affinity();
  if (!affinity.node_affinity().has_required_during_scheduling_ignored_during_execution()) {
    return true;
  }
  for (const auto& term : affinity.node_affinity()
                              .required_during_scheduling_ignored_during_execution()
                              .node_selector_terms()) {
    if (MatchTerm(term, node).value_or(false)) return true;
  }
  return false;
}

bool ToleratesNoScheduleTaints(const Pod& pod, const Node& node) {
  for (const auto& taint : node.spec().taints()) {
    if (taint.effect() != "NoSchedule" && taint.effect() != "NoExecute") continue;
    const auto& tols = pod.spec().tolerations();
    if (std::none_of(tols.begin(), tols.end(),
                     [&](const auto& t) { return Tolerates(t, taint); })) {
      return false;
    }
  }
  return true;
}

}  // namespace pk::scheduler::plugins::spread
