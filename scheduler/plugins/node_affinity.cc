#include "scheduler/plugins/node_affinity.h"

#include <algorithm>
#include <iterator>

#include "apimachinery/codec.h"
#include "apimachinery/yaml.h"
#include "scheduler/plugins/helper.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

using PodPreferredTerms = std::optional<PreferredSchedulingTerms>;

// Read-only once written, so clones share nothing mutable; copies are cheap enough.
struct PreFilterState : StateData {
  explicit PreFilterState(const Pod& pod) : required(pod) {}
  RequiredNodeAffinity required;
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreFilterState>(*this);
  }
};

struct PreScoreState : StateData {
  PodPreferredTerms preferred;
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreScoreState>(*this);
  }
};

const k8s::core::v1::NodeAffinity* PodNodeAffinity(const Pod& pod) {
  const auto& spec = pod.spec();
  if (!spec.has_affinity() || !spec.affinity().has_node_affinity()) return nullptr;
  return &spec.affinity().node_affinity();
}

// The pod's preferred terms parsed; nullopt when it has none.
Result<PodPreferredTerms> PodPreferred(const Pod& pod) {
  const auto* na = PodNodeAffinity(pod);
  if (!na || na->preferred_during_scheduling_ignored_during_execution().empty()) {
    return PodPreferredTerms();
  }
  auto terms =
      PreferredSchedulingTerms::Parse(na->preferred_during_scheduling_ignored_during_execution());
  if (!terms.ok()) return terms.take_status();
  return PodPreferredTerms(std::move(terms).value());
}

// The nodes the required terms name: nullopt when some term does not pin nodes by
// metadata.name In (terms are ORed, so then every node may match).
std::optional<std::set<std::string>> RequiredNodeNames(const k8s::core::v1::NodeSelector& ns) {
  std::set<std::string> names;
  for (const auto& term : ns.node_selector_terms()) {
    std::optional<std::set<std::string>> term_names;
    for (const auto& r : term.match_fields()) {
      if (r.key() != "metadata.name" || r.operator_() != "In") continue;
      std::set<std::string> values(r.values().begin(), r.values().end());
      if (!term_names) {
        term_names = std::move(values);
        continue;
      }
      // Requirements of one term are ANDed: intersect.
      std::set<std::string> both;
      std::set_intersection(term_names->begin(), term_names->end(), values.begin(), values.end(),
                            std::inserter(both, both.end()));
      term_names = std::move(both);
    }
    if (!term_names) return std::nullopt;
    names.insert(term_names->begin(), term_names->end());
  }
  return names;
}

// NodeAffinityArgs.addedAffinity decoded from the YAML args.
Result<k8s::core::v1::NodeAffinity> DecodeAddedAffinity(const YAML::Node& args) {
  k8s::core::v1::NodeAffinity out;
  if (!args || args.IsNull() || !args["addedAffinity"] || args["addedAffinity"].IsNull()) {
    return out;
  }
  YAML::Emitter emitter;
  emitter << YAML::Flow << args["addedAffinity"];
  auto docs = YamlToJsonDocuments(emitter.c_str());
  if (!docs.ok()) return docs.take_status();
  if (docs->empty()) return out;
  json::DecodeReport report;
  Status s = json::DecodeValue((*docs)[0], &out, &report);
  if (!s.ok()) return Status::BadRequest("addedAffinity: " + s.message());
  if (!report.unknown_fields.empty()) {
    return Status::BadRequest("addedAffinity: unknown field \"" + report.unknown_fields[0] + "\"");
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<NodeAffinity>> NodeAffinity::New(const YAML::Node& args) {
  if (args && !args.IsNull() && !args.IsMap()) {
    return Status::BadRequest("NodeAffinity: args must be a mapping (NodeAffinityArgs)");
  }
  if (args && args.IsMap()) {
    for (const auto& kv : args) {
      const std::string key = kv.first.as<std::string>();
      if (key != "addedAffinity" && key != "apiVersion" && key != "kind") {
        return Status::BadRequest("NodeAffinity: unknown field \"" + key + "\"");
      }
    }
  }
  auto added = DecodeAddedAffinity(args);
  if (!added.ok()) return Status::BadRequest("NodeAffinity: " + added.status().message());
  auto plugin = std::make_unique<NodeAffinity>();
  if (added->has_required_during_scheduling_ignored_during_execution()) {
    auto ns = NodeSelector::Parse(added->required_during_scheduling_ignored_during_execution(),
                                  "addedAffinity.requiredDuringSchedulingIgnoredDuringExecution");
    if (!ns.ok()) return Status::BadRequest("NodeAffinity: " + ns.status().message());
    plugin->added_node_selector_ = std::move(ns).value();
  }
  const auto& preferred = added->preferred_during_scheduling_ignored_during_execution();
  if (!preferred.empty()) {
    auto terms = PreferredSchedulingTerms::Parse(
        preferred, "addedAffinity.preferredDuringSchedulingIgnoredDuringExecution");
    if (!terms.ok()) return Status::BadRequest("NodeAffinity: " + terms.status().message());
    plugin->added_pref_terms_ = std::move(terms).value();
  }
  return plugin;
}

PluginStatus NodeAffinity::PreFilter(CycleState& state, const Pod& pod, PreFilterResult* result) {
  const auto* na = PodNodeAffinity(pod);
  const bool no_required = !na || !na->has_required_during_scheduling_ignored_during_execution();
  if (no_required && !added_node_selector_ && pod.spec().node_selector().empty()) {
    return PluginStatus::Skip();
  }
  state.Write(std::string(kPreFilterStateKey), std::make_unique<PreFilterState>(pod));
  if (no_required) return {};
  const auto& required = na->required_during_scheduling_ignored_during_execution();
  if (required.node_selector_terms().empty()) return {};
  std::optional<std::set<std::string>> names = RequiredNodeNames(required);
  if (!names) return {};
  if (names->empty()) return PluginStatus::Unresolvable(std::string(kErrReasonConflict));
  if (result) result->node_names = std::move(names);
  return {};
}

PluginStatus NodeAffinity::Filter(const CycleState& state, const Pod& pod,
                                  const NodeInfo& node) const {
  if (!node.node()) return PluginStatus::Error("node not found");
  if (added_node_selector_ && !added_node_selector_->Matches(*node.node())) {
    return PluginStatus::Unresolvable(std::string(kErrReasonEnforced));
  }
  const auto* s = state.Read<PreFilterState>(std::string(kPreFilterStateKey));
  // Without PreFilter (disabled), the pod's terms are parsed here.
  const bool match =
      s ? s->required.Matches(*node.node()) : RequiredNodeAffinity(pod).Matches(*node.node());
  if (!match) return PluginStatus::Unresolvable(std::string(kErrReasonPod));
  return {};
}

PluginStatus NodeAffinity::PreScore(CycleState& state, const Pod& pod,
                                    const std::vector<const NodeInfo*>&) {
  auto preferred = PodPreferred(pod);
  if (!preferred.ok()) return PluginStatus::Error(preferred.status().message());
  if (!*preferred && !added_pref_terms_) return PluginStatus::Skip();
  auto s = std::make_unique<PreScoreState>();
  s->preferred = std::move(preferred).value();
  state.Write(std::string(kPreScoreStateKey), std::move(s));
  return {};
}

PluginStatus NodeAffinity::Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                                 int64_t* score) const {
  if (!node.node()) return PluginStatus::Error("node not found");
  int64_t count = added_pref_terms_ ? added_pref_terms_->Score(*node.node()) : 0;
  const auto* s = state.Read<PreScoreState>(std::string(kPreScoreStateKey));
  if (s) {
    if (s->preferred) count += s->preferred->Score(*node.node());
  } else {
    // Without PreScore (disabled), the pod's terms are parsed here.
    auto preferred = PodPreferred(pod);
    if (!preferred.ok()) return PluginStatus::Error(preferred.status().message());
    if (*preferred) count += (*preferred)->Score(*node.node());
  }
  *score = count;
  return {};
}

PluginStatus NodeAffinity::NormalizeScore(const CycleState&, const Pod&,
                                          std::vector<NodeScore>& scores) const {
  return DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/false, scores);
}

Result<std::unique_ptr<Plugin>> NewNodeAffinity(const YAML::Node& args, Handle&) {
  auto plugin = NodeAffinity::New(args);
  if (!plugin.ok()) return plugin.take_status();
  return std::unique_ptr<Plugin>(std::move(plugin).value());
}

}  // namespace pk::scheduler::plugins
