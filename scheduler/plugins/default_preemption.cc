// DefaultPreemption: its args, PostFilter (Evaluator.Preempt), eligibility and eviction. The
// dry run and the choice of node are in default_preemption_candidates.cc.
#include "scheduler/plugins/default_preemption.h"

#include <set>

#include "scheduler/framework/fit_error.h"
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

namespace {

constexpr std::string_view kPercentageField = "minCandidateNodesPercentage";
constexpr std::string_view kAbsoluteField = "minCandidateNodesAbsolute";

// Kubernetes' field.Invalid(...).Error(): "<path>: Invalid value: <value>: <detail>".
std::string InvalidValue(std::string_view field, int32_t value, std::string_view detail) {
  return std::string(field) + ": Invalid value: " + std::to_string(value) + ": " +
         std::string(detail);
}

// utilerrors.NewAggregate(errs).Error(): one message as is, several deduplicated in brackets.
std::string AggregateMessage(const std::vector<std::string>& errors) {
  if (errors.size() == 1) return errors[0];
  std::set<std::string> seen;
  std::string joined;
  for (const auto& e : errors) {
    if (!seen.insert(e).second) continue;
    if (seen.size() > 1) joined += ", ";
    joined += e;
  }
  return seen.size() == 1 ? joined : "[" + joined + "]";
}

// Reads an int32 field into *out when present; false when it is not an integer.
bool ReadInt32(const YAML::Node& args, std::string_view field, int32_t* out) {
  YAML::Node value = args[std::string(field)];
  if (!value.IsDefined() || value.IsNull()) return true;
  return value.IsScalar() && YAML::convert<int32_t>::decode(value, *out);
}

// The pod is being deleted because the scheduler preempted it (podTerminatingByPreemption).
bool TerminatingByPreemption(const Pod& pod) {
  if (!pod.metadata().has_deletion_timestamp()) return false;
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "DisruptionTarget") {
      return c.status() == "True" && c.reason() == "PreemptionByScheduler";
    }
  }
  return false;
}

// The nodes preemption might help: those whose Filter status is Unschedulable, in snapshot
// order (NodeToStatus.NodesForStatusCode(Unschedulable); absent nodes are unresolvable).
std::vector<const NodeInfo*> PotentialNodes(const Snapshot& snapshot,
                                            const NodeToStatus& statuses) {
  std::vector<const NodeInfo*> out;
  for (const auto& node : snapshot.nodes()) {
    if (node->node() == nullptr) continue;
    auto it = statuses.find(node->name());
    if (it != statuses.end() && it->second.code() == Code::kUnschedulable)
      out.push_back(node.get());
  }
  return out;
}

}  // namespace

Result<DefaultPreemptionArgs> ParseDefaultPreemptionArgs(const YAML::Node& args) {
  DefaultPreemptionArgs out;
  if (!args.IsDefined() || args.IsNull()) return out;
  if (!args.IsMap()) return Status::BadRequest("DefaultPreemption: args must be a mapping");
  for (const auto& kv : args) {
    const std::string key = kv.first.as<std::string>("");
    if (key != kPercentageField && key != kAbsoluteField && key != "apiVersion" && key != "kind") {
      return Status::BadRequest("DefaultPreemption: unknown field \"" + key + "\"");
    }
  }
  for (auto [field, dst] : {std::pair{kPercentageField, &out.min_candidate_nodes_percentage},
                            std::pair{kAbsoluteField, &out.min_candidate_nodes_absolute}}) {
    if (!ReadInt32(args, field, dst)) {
      return Status::BadRequest("DefaultPreemption: " + std::string(field) +
                                ": must be an integer");
    }
  }
  // ValidateDefaultPreemptionArgs.
  std::vector<std::string> errors;
  const int32_t pct = out.min_candidate_nodes_percentage;
  const int32_t abs = out.min_candidate_nodes_absolute;
  if (pct < 0 || pct > 100) {
    errors.push_back(InvalidValue(kPercentageField, pct, "not in valid range [0, 100]"));
  }
  if (abs < 0) errors.push_back(InvalidValue(kAbsoluteField, abs, "not in valid range [0, inf)"));
  if (pct == 0 && abs == 0) {
    errors.push_back(InvalidValue(kPercentageField, pct,
                                  "cannot be zero at the same time as minCandidateNodesAbsolute"));
    errors.push_back(InvalidValue(
        kAbsoluteField, abs, "cannot be zero at the same time as minCandidateNodesPercentage"));
  }
  if (!errors.empty()) return Status::BadRequest("DefaultPreemption: " + AggregateMessage(errors));
  return out;
}

PluginStatus DefaultPreemption::PostFilter(CycleState& state, const Pod& pod,
                                           const NodeToStatus& statuses, PostFilterResult* result) {
  PluginStatus status = Preempt(state, pod, statuses, result);
  std::string msg = status.Message();
  if (msg.empty()) return status;
  return PluginStatus(status.code(), "preemption: " + msg);
}

PluginStatus DefaultPreemption::Preempt(CycleState& state, const Pod& pod,
                                        const NodeToStatus& statuses, PostFilterResult* result) {
  // 1) Is the pod eligible to preempt?
  auto nominated = statuses.find(pod.status().nominated_node_name());
  std::string why =
      PodEligibleToPreemptOthers(pod, nominated == statuses.end() ? nullptr : &nominated->second);
  if (!why.empty()) return PluginStatus::Unschedulable(why);

  // 2) Dry run on the nodes where preemption might help.
  const Snapshot& snapshot = handle_.snapshot();
  if (snapshot.nodes().empty()) return PluginStatus::Error("no nodes available");
  std::vector<const NodeInfo*> potential = PotentialNodes(snapshot, statuses);
  DryRunResult dry;
  if (!potential.empty()) {
    dry = DryRunPreemption(state, pod, potential, /*offset=*/0,
                           NumCandidates(static_cast<int32_t>(potential.size())));
  }
  if (dry.candidates.empty() && !dry.errors.empty()) {
    return PluginStatus::Error(AggregateMessage(dry.errors));
  }
  if (dry.candidates.empty()) {
    // A FitError over every node: the dry run's statuses, the others not helped at all.
    NodeToStatus all = std::move(dry.statuses);
    for (const auto& node : snapshot.nodes()) {
      if (node->node() == nullptr || all.count(node->name())) continue;
      all[node->name()] = PluginStatus::Unresolvable("Preemption is not helpful for scheduling");
    }
    if (result) result->nominated_node_name = "";
    return PluginStatus::Unschedulable(FitErrorMessage(static_cast<int>(snapshot.size()), all));
  }

  // 3) Pick the node, evict its victims, nominate it.
  std::string best = PickOneNodeForPreemption(dry.candidates);
  for (const Candidate& c : dry.candidates) {
    if (c.node != best) continue;
    PluginStatus s = PrepareCandidate(c, pod);
    if (!s.ok()) return s;
    if (result) result->nominated_node_name = best;
    return {};
  }
  return PluginStatus::Unschedulable("no candidate node for preemption");
}

std::string DefaultPreemption::PodEligibleToPreemptOthers(
    const Pod& pod, const PluginStatus* nominated_node_status) const {
  if (pod.spec().has_preemption_policy() && pod.spec().preemption_policy() == "Never") {
    return "not eligible due to preemptionPolicy=Never.";
  }
  const std::string& nominated = pod.status().nominated_node_name();
  if (nominated.empty()) return "";
  // A nominated node the filters now find unresolvable: look for another (absent nodes count
  // as unresolvable).
  if (nominated_node_status == nullptr ||
      nominated_node_status->code() == Code::kUnschedulableAndUnresolvable) {
    return "";
  }
  const NodeInfo* node = handle_.snapshot().Get(nominated);
  if (node == nullptr) return "";
  const int32_t priority = PodPriority(pod);
  for (const auto& p : node->pods()) {
    if (PodPriority(*p->pod) < priority && TerminatingByPreemption(*p->pod)) {
      return "not eligible due to a terminating pod on the nominated node.";
    }
  }
  return "";
}

int32_t DefaultPreemption::NumCandidates(int32_t num_nodes) const {
  int32_t n = static_cast<int32_t>(static_cast<int64_t>(num_nodes) *
                                   args_.min_candidate_nodes_percentage / 100);
  if (n < args_.min_candidate_nodes_absolute) n = args_.min_candidate_nodes_absolute;
  if (n > num_nodes) n = num_nodes;
  return n;
}

PluginStatus DefaultPreemption::PrepareCandidate(const Candidate& candidate, const Pod& pod) {
  // Kubernetes evicts in parallel; Handle::Evict is not promised to be thread-safe, so one by
  // one here. A victim already being deleted needs no call; one already gone is no failure.
  for (const PodInfoPtr& victim : candidate.victims) {
    if (victim->pod->metadata().has_deletion_timestamp()) continue;
    Status s = handle_.Evict(*victim->pod, pod, candidate.node);
    if (!s.ok() && s.reason() != Reason::kNotFound) return PluginStatus::Error(s.message());
  }
  return {};
}

Result<std::unique_ptr<Plugin>> NewDefaultPreemption(const YAML::Node& args, Handle& handle) {
  auto parsed = ParseDefaultPreemptionArgs(args);
  if (!parsed.ok()) return parsed.take_status();
  return std::unique_ptr<Plugin>(std::make_unique<DefaultPreemption>(handle, *parsed));
}

}  // namespace pk::scheduler::plugins
