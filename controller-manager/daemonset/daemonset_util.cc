#include "controller-manager/daemonset/daemonset_util.h"

#include <algorithm>
#include <charconv>

#include "controller-manager/deployment/deployment_util.h"
#include "controller-manager/nodelifecycle/taints.h"

namespace pk::controllers::daemonset {
namespace {

using k8s::core::v1::NodeSelectorRequirement;
using k8s::core::v1::NodeSelectorTerm;
using k8s::core::v1::Toleration;

constexpr char kObjectNameField[] = "metadata.name";

Toleration MakeToleration(const std::string& key, const std::string& effect) {
  Toleration t;
  t.set_key(key);
  t.set_operator_("Exists");
  t.set_effect(effect);
  return t;
}

// Toleration.MatchToleration: the same key, operator, value and effect.
bool MatchToleration(const Toleration& a, const Toleration& b) {
  return a.key() == b.key() && a.operator_() == b.operator_() && a.value() == b.value() &&
         a.effect() == b.effect();
}

void AddOrUpdateToleration(k8s::core::v1::PodSpec* spec, const Toleration& toleration) {
  for (Toleration& old : *spec->mutable_tolerations()) {
    if (MatchToleration(old, toleration)) {
      old = toleration;
      return;
    }
  }
  *spec->add_tolerations() = toleration;
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// One matchExpressions entry against the node's labels (labels.Requirement.Matches).
bool MatchesExpression(const NodeSelectorRequirement& r, const Node& node) {
  const auto& labels = node.metadata().labels();
  auto it = labels.find(r.key());
  bool has = it != labels.end();
  const std::string& op = r.operator_();
  if (op == "In" || op == "NotIn") {
    bool in =
        has && std::find(r.values().begin(), r.values().end(), it->second) != r.values().end();
    return op == "In" ? in : !in;
  }
  if (op == "Exists") return has;
  if (op == "DoesNotExist") return !has;
  if (op == "Gt" || op == "Lt") {
    if (!has || r.values_size() != 1) return false;
    auto have = ParseInt(it->second), want = ParseInt(r.values(0));
    if (!have || !want) return false;
    return op == "Gt" ? *have > *want : *have < *want;
  }
  return false;
}

// One matchFields entry: only metadata.name, In or NotIn with exactly one value.
bool MatchesField(const NodeSelectorRequirement& r, const Node& node) {
  if (r.key() != kObjectNameField || r.values_size() != 1) return false;
  bool equal = node.metadata().name() == r.values(0);
  if (r.operator_() == "In") return equal;
  if (r.operator_() == "NotIn") return !equal;
  return false;
}

// A term with neither expressions nor fields selects nothing.
bool MatchesTerm(const NodeSelectorTerm& term, const Node& node) {
  if (term.match_expressions().empty() && term.match_fields().empty()) return false;
  for (const auto& r : term.match_expressions()) {
    if (!MatchesExpression(r, node)) return false;
  }
  for (const auto& r : term.match_fields()) {
    if (!MatchesField(r, node)) return false;
  }
  return true;
}

// v1helper.FindMatchingUntoleratedTaint over the taints whose effect is in `effects`.
bool HasUntoleratedTaint(const Node& node, const k8s::core::v1::PodSpec& spec,
                         const std::vector<std::string>& effects) {
  for (const auto& taint : node.spec().taints()) {
    if (std::find(effects.begin(), effects.end(), taint.effect()) == effects.end()) continue;
    bool tolerated = std::any_of(spec.tolerations().begin(), spec.tolerations().end(),
                                 [&](const Toleration& t) { return ToleratesTaint(t, taint); });
    if (!tolerated) return true;
  }
  return false;
}

int32_t Scaled(const k8s::util::IntOrString& value, int32_t desired) {
  auto scaled = deployment::ScaledValue(value, desired, true);
  return scaled.ok() ? *scaled : 0;
}

}  // namespace

void AddOrUpdateDaemonPodTolerations(k8s::core::v1::PodSpec* spec) {
  AddOrUpdateToleration(spec, MakeToleration(kTaintNodeNotReady, "NoExecute"));
  AddOrUpdateToleration(spec, MakeToleration(kTaintNodeUnreachable, "NoExecute"));
  AddOrUpdateToleration(spec, MakeToleration(kTaintNodeDiskPressure, "NoSchedule"));
  AddOrUpdateToleration(spec, MakeToleration(kTaintNodeMemoryPressure, "NoSchedule"));
  AddOrUpdateToleration(spec, MakeToleration(kTaintNodePIDPressure, "NoSchedule"));
  AddOrUpdateToleration(spec, MakeToleration(kTaintNodeUnschedulable, "NoSchedule"));
  if (spec->host_network()) {
    AddOrUpdateToleration(spec, MakeToleration(kTaintNodeNetworkUnavailable, "NoSchedule"));
  }
}

Result<std::optional<int64_t>> GetTemplateGeneration(const DaemonSet& ds) {
  const auto& annotations = ds.metadata().annotations();
  auto it = annotations.find(kTemplateGenerationAnnotation);
  if (it == annotations.end()) return std::optional<int64_t>();
  auto value = ParseInt(it->second);
  if (!value) {
    return Status::BadRequest("strconv.ParseInt: parsing \"" + it->second + "\": invalid syntax");
  }
  return std::optional<int64_t>(*value);
}

k8s::core::v1::PodTemplateSpec CreatePodTemplate(const k8s::core::v1::PodTemplateSpec& tmpl,
                                                 std::optional<int64_t> generation,
                                                 const std::string& hash) {
  k8s::core::v1::PodTemplateSpec out = tmpl;
  AddOrUpdateDaemonPodTolerations(out.mutable_spec());
  auto& labels = *out.mutable_metadata()->mutable_labels();
  if (generation) labels[kTemplateGenerationLabel] = std::to_string(*generation);
  if (!hash.empty()) labels[kRevisionHashLabel] = hash;
  return out;
}

void ReplaceDaemonSetPodNodeNameNodeAffinity(k8s::core::v1::PodSpec* spec,
                                             const std::string& node_name) {
  auto* required = spec->mutable_affinity()
                       ->mutable_node_affinity()
                       ->mutable_required_during_scheduling_ignored_during_execution();
  required->clear_node_selector_terms();
  auto* field = required->add_node_selector_terms()->add_match_fields();
  field->set_key(kObjectNameField);
  field->set_operator_("In");
  field->add_values(node_name);
}

std::optional<std::string> GetTargetNodeName(const Pod& pod) {
  if (!pod.spec().node_name().empty()) return pod.spec().node_name();
  const auto& affinity = pod.spec().affinity().node_affinity();
  for (const auto& term :
       affinity.required_during_scheduling_ignored_during_execution().node_selector_terms()) {
    for (const auto& field : term.match_fields()) {
      if (field.key() == kObjectNameField && field.operator_() == "In" &&
          field.values_size() == 1) {
        return field.values(0);
      }
    }
  }
  return std::nullopt;
}

bool IsPodUpdated(const Pod& pod, const std::string& hash, std::optional<int64_t> generation) {
  const auto& labels = pod.metadata().labels();
  auto gen = labels.find(kTemplateGenerationLabel);
  bool template_matches =
      generation && gen != labels.end() && gen->second == std::to_string(*generation);
  auto h = labels.find(kRevisionHashLabel);
  bool hash_matches = !hash.empty() && h != labels.end() && h->second == hash;
  return hash_matches || template_matches;
}

bool MatchesNodeSelectorAndAffinity(const k8s::core::v1::PodSpec& spec, const Node& node) {
  const auto& labels = node.metadata().labels();
  for (const auto& [key, value] : spec.node_selector()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  const auto& affinity = spec.affinity().node_affinity();
  if (!affinity.has_required_during_scheduling_ignored_during_execution()) return true;
  const auto& terms =
      affinity.required_during_scheduling_ignored_during_execution().node_selector_terms();
  return std::any_of(terms.begin(), terms.end(),
                     [&](const NodeSelectorTerm& t) { return MatchesTerm(t, node); });
}

NodePlacement NodeShouldRunDaemonPod(const Node& node, const DaemonSet& ds) {
  // NewPod(ds, node.Name): the template's spec with the daemon tolerations.
  k8s::core::v1::PodSpec spec = ds.spec().template_().spec();
  AddOrUpdateDaemonPodTolerations(&spec);
  const std::string& wanted = spec.node_name();
  if (!wanted.empty() && wanted != node.metadata().name()) return {};
  if (!MatchesNodeSelectorAndAffinity(spec, node)) return {};
  if (HasUntoleratedTaint(node, spec, {"NoSchedule", "NoExecute"})) {
    // Scheduled daemon pods continue running if they tolerate the NoExecute taints.
    return {false, !HasUntoleratedTaint(node, spec, {"NoExecute"})};
  }
  return {true, true};
}

bool AllowsSurge(const DaemonSet& ds) { return SurgeCount(ds, 1) > 0; }

int32_t SurgeCount(const DaemonSet& ds, int32_t desired) {
  const auto& strategy = ds.spec().update_strategy();
  if (strategy.type() != "RollingUpdate" || !strategy.rolling_update().has_max_surge()) return 0;
  return Scaled(strategy.rolling_update().max_surge(), desired);
}

int32_t UnavailableCount(const DaemonSet& ds, int32_t desired) {
  const auto& strategy = ds.spec().update_strategy();
  if (strategy.type() != "RollingUpdate" || !strategy.rolling_update().has_max_unavailable()) {
    return 0;
  }
  return Scaled(strategy.rolling_update().max_unavailable(), desired);
}

void SortByCreationTimestampAndPhase(std::vector<PodPtr>* pods) {
  std::sort(pods->begin(), pods->end(), [](const PodPtr& a, const PodPtr& b) {
    bool bound_a = !a->spec().node_name().empty(), bound_b = !b->spec().node_name().empty();
    if (bound_a != bound_b) return bound_a;
    const auto& ta = a->metadata().creation_timestamp();
    const auto& tb = b->metadata().creation_timestamp();
    if (ta.seconds() != tb.seconds() || ta.nanos() != tb.nanos()) {
      return ta.seconds() != tb.seconds() ? ta.seconds() < tb.seconds() : ta.nanos() < tb.nanos();
    }
    return a->metadata().name() < b->metadata().name();
  });
}

}  // namespace pk::controllers::daemonset
