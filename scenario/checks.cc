// The assertions' checks: pure functions of a snapshot of the cluster, each returning whether
// it holds and what the cluster showed, in words a failure message can print.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

#include "apimachinery/quantity.h"
#include "apimachinery/time.h"
#include "scenario/scenario_internal.h"

namespace pk::scenario {
namespace {

const Node* FindNode(const Snapshot& s, const std::string& name) {
  for (const auto& n : s.nodes) {
    if (n->metadata().name() == name) return n.get();
  }
  return nullptr;
}

bool HasLabels(const Node* node, const Labels& labels) {
  if (node == nullptr) return false;
  for (const auto& [k, v] : labels) {
    auto it = node->metadata().labels().find(k);
    if (it == node->metadata().labels().end() || it->second != v) return false;
  }
  return true;
}

bool Terminating(const Pod& pod) { return pod.metadata().has_deletion_timestamp(); }

// The pods a check selects: by name when it has one, and being deleted or not as asked.
std::vector<const Pod*> Selected(const Check& c, const Snapshot& s) {
  std::vector<const Pod*> out;
  for (const auto& p : s.pods) {
    if (!c.name.empty() && p->metadata().name() != c.name) continue;
    if (Terminating(*p) != c.filter.terminating) continue;
    out.push_back(p.get());
  }
  return out;
}

bool Matches(const PodFilter& f, const Pod& pod, const Snapshot& s) {
  const std::string& node_name = pod.spec().node_name();
  if (f.phase && pod.status().phase() != *f.phase) return false;
  if (f.ready && PodReady(pod) != *f.ready) return false;
  if (f.node && node_name != *f.node) return false;
  if (f.bound && node_name.empty() == *f.bound) return false;
  if (!f.on_nodes_with_labels.empty() &&
      !HasLabels(FindNode(s, node_name), f.on_nodes_with_labels)) {
    return false;
  }
  if (!f.not_on_nodes_with_labels.empty() && !node_name.empty() &&
      HasLabels(FindNode(s, node_name), f.not_on_nodes_with_labels)) {
    return false;
  }
  return true;
}

// "web-1 Running on node-0 (ready)", "web-2 Pending, unbound: Unschedulable".
std::string PodLine(const Pod& pod) {
  std::string line = pod.metadata().name() + " " + pod.status().phase();
  if (Terminating(pod)) line += " (terminating)";
  if (pod.spec().node_name().empty()) {
    line += ", unbound";
  } else {
    line += " on " + pod.spec().node_name();
  }
  if (PodReady(pod)) line += ", ready";
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "PodScheduled" && c.status() == "False") line += ": " + c.reason();
  }
  return line;
}

std::string PodLines(const std::vector<const Pod*>& pods, size_t most = 8) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < pods.size() && i < most; ++i) lines.push_back(PodLine(*pods[i]));
  if (pods.size() > most) lines.push_back(fmt::format("and {} more", pods.size() - most));
  return fmt::format("{}", fmt::join(lines, "; "));
}

// Whether `n` satisfies count/min/max; with none of them, `fallback`.
bool CountHolds(const Check& c, size_t n, bool fallback) {
  if (!c.count && !c.min && !c.max) return fallback;
  int v = static_cast<int>(n);
  return (!c.count || v == *c.count) && (!c.min || v >= *c.min) && (!c.max || v <= *c.max);
}

Verdict CheckPods(const Check& c, const Snapshot& s) {
  std::vector<const Pod*> selected = Selected(c, s), matching, others;
  for (const Pod* p : selected) (Matches(c.filter, *p, s) ? matching : others).push_back(p);
  Verdict v;
  v.ok = CountHolds(c, matching.size(), others.empty() && !selected.empty());
  if (c.kind == Check::Kind::kPod && selected.empty()) {
    v.saw = fmt::format("no pod {} in namespace {}", c.name, c.ns);
    return v;
  }
  v.saw = fmt::format("{} of {} selected pods match", matching.size(), selected.size());
  if (!others.empty()) v.saw += "; the others: " + PodLines(others);
  if (!v.ok && !matching.empty()) v.saw += "; matching: " + PodLines(matching);
  for (const Pod* p : others) v.pods_involved.push_back(p->metadata().name());
  return v;
}

Verdict CheckSpread(const Check& c, const Snapshot& s) {
  std::map<std::string, int> per_domain;
  for (const auto& n : s.nodes) {
    auto it = n->metadata().labels().find(c.topology_key);
    if (it != n->metadata().labels().end()) per_domain[it->second] += 0;
  }
  int scheduled = 0;
  for (const Pod* p : Selected(c, s)) {
    const Node* node = FindNode(s, p->spec().node_name());
    if (node == nullptr) continue;
    auto it = node->metadata().labels().find(c.topology_key);
    if (it == node->metadata().labels().end()) continue;
    ++per_domain[it->second];
    ++scheduled;
  }
  Verdict v;
  if (per_domain.empty()) {
    v.saw = "no node has the label " + c.topology_key;
    return v;
  }
  auto [lo, hi] =
      std::minmax_element(per_domain.begin(), per_domain.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; });
  int skew = hi->second - lo->second;
  v.ok = scheduled > 0 && skew <= c.max_skew;
  std::vector<std::string> parts;
  for (const auto& [domain, n] : per_domain) parts.push_back(fmt::format("{}: {}", domain, n));
  v.saw = fmt::format("{} scheduled pods by {}: {} (skew {})", scheduled, c.topology_key,
                      fmt::join(parts, ", "), skew);
  return v;
}

// A quantity's milli-value (cpu) or value (memory); 0 when absent or malformed.
int64_t Amount(const google::protobuf::Map<std::string, k8s::resource::Quantity>& m,
               const std::string& key, bool milli) {
  auto it = m.find(key);
  if (it == m.end()) return 0;
  auto q = Quantity::Parse(it->second.string());
  if (!q.ok()) return 0;
  return milli ? q->MilliValue() : q->Value();
}

// Kubernetes' pod request: the containers' sum, or the largest init container if more.
int64_t PodRequest(const Pod& pod, const std::string& key, bool milli) {
  int64_t sum = 0, init = 0;
  for (const auto& c : pod.spec().containers()) sum += Amount(c.resources().requests(), key, milli);
  for (const auto& c : pod.spec().init_containers()) {
    init = std::max(init, Amount(c.resources().requests(), key, milli));
  }
  return std::max(sum, init) + Amount(pod.spec().overhead(), key, milli);
}

Verdict CheckCapacity(const Snapshot& s) {
  struct Used {
    int64_t cpu = 0, memory = 0, pods = 0;
  };
  std::map<std::string, Used> used;
  for (const auto& p : s.pods) {
    const std::string& phase = p->status().phase();
    if (p->spec().node_name().empty() || phase == "Succeeded" || phase == "Failed") continue;
    Used& u = used[p->spec().node_name()];
    u.cpu += PodRequest(*p, "cpu", true);
    u.memory += PodRequest(*p, "memory", false);
    ++u.pods;
  }
  Verdict v;
  std::vector<std::string> over;
  for (const auto& n : s.nodes) {
    const auto& alloc = n->status().allocatable();
    const Used& u = used[n->metadata().name()];
    int64_t cpu = Amount(alloc, "cpu", true), memory = Amount(alloc, "memory", false),
            pods = Amount(alloc, "pods", false);
    if (u.cpu > cpu || u.memory > memory || u.pods > pods) {
      over.push_back(fmt::format("{}: cpu {}m of {}m, memory {} of {}, pods {} of {}",
                                 n->metadata().name(), u.cpu, cpu, u.memory, memory, u.pods, pods));
    }
  }
  v.ok = over.empty();
  v.saw = v.ok ? fmt::format("{} nodes, none over capacity", s.nodes.size())
               : "over capacity: " + fmt::format("{}", fmt::join(over, "; "));
  return v;
}

Verdict CheckUnschedulable(const Check& c, const Snapshot& s) {
  std::vector<const Pod*> selected = Selected(c, s), wrong;
  for (const Pod* p : selected) {
    bool unschedulable = false;
    for (const auto& cond : p->status().conditions()) {
      unschedulable |= cond.type() == "PodScheduled" && cond.status() == "False" &&
                       cond.reason() == "Unschedulable" &&
                       cond.message().find(c.message) != std::string::npos;
    }
    if (!unschedulable || !p->spec().node_name().empty() || p->status().phase() != "Pending") {
      wrong.push_back(p);
    }
  }
  Verdict v;
  v.ok = !selected.empty() && wrong.empty();
  if (selected.empty()) {
    v.saw = "no such pod";
    return v;
  }
  v.saw = fmt::format("{} of {} pods unschedulable as wanted", selected.size() - wrong.size(),
                      selected.size());
  for (const Pod* p : wrong) {
    v.pods_involved.push_back(p->metadata().name());
    std::string why;
    for (const auto& cond : p->status().conditions()) {
      if (cond.type() == "PodScheduled")
        why = cond.status() + " " + cond.reason() + " " + cond.message();
    }
    v.saw += fmt::format("; {}{}", PodLine(*p), why.empty() ? "" : " (PodScheduled " + why + ")");
  }
  return v;
}

// "pod/web-0" or "Pod/web-0" names an involved object; kinds compare case-insensitively.
bool InvolvedIs(const Event& e, const std::string& object) {
  if (object.empty()) return true;
  auto slash = object.find('/');
  std::string kind = object.substr(0, slash), name = object.substr(slash + 1);
  std::string have = e.involved_object().kind();
  std::transform(kind.begin(), kind.end(), kind.begin(), ::tolower);
  std::transform(have.begin(), have.end(), have.begin(), ::tolower);
  return (kind == have || kind + "s" == have || kind == have + "s") &&
         e.involved_object().name() == name;
}

Verdict CheckEvent(const Check& c, const Snapshot& s) {
  std::regex pattern(c.message.empty() ? ".*" : c.message);
  int64_t occurrences = 0;
  std::vector<std::string> same_reason;
  for (const auto& e : s.events) {
    if (e->reason() != c.reason) continue;
    if (!InvolvedIs(*e, c.object) || (!c.type.empty() && e->type() != c.type)) continue;
    if (!std::regex_search(e->message(), pattern)) {
      if (same_reason.size() < 5) same_reason.push_back(e->message());
      continue;
    }
    occurrences += std::max<int32_t>(1, e->count());
  }
  Verdict v;
  v.ok = CountHolds(c, static_cast<size_t>(occurrences), occurrences > 0);
  v.saw = fmt::format("{} matching occurrences", occurrences);
  if (!same_reason.empty()) {
    v.saw += fmt::format("; other {} messages: {}", c.reason, fmt::join(same_reason, " | "));
  }
  return v;
}

Verdict CheckNode(const Check& c, const Snapshot& s) {
  const Node* node = FindNode(s, c.name);
  Verdict v;
  if (node == nullptr) {
    v.saw = "no node " + c.name;
    return v;
  }
  std::string ready = "(none)";
  for (const auto& cond : node->status().conditions()) {
    if (cond.type() == "Ready") ready = cond.status();
  }
  std::vector<std::string> keys;
  for (const auto& t : node->spec().taints()) keys.push_back(t.key() + ":" + t.effect());
  bool taints_ok = std::all_of(c.taints.begin(), c.taints.end(), [&](const std::string& want) {
    return std::any_of(node->spec().taints().begin(), node->spec().taints().end(),
                       [&](const auto& t) { return t.key() == want; });
  });
  v.ok = (!c.ready || *c.ready == ready) && taints_ok &&
         (!c.unschedulable || *c.unschedulable == node->spec().unschedulable());
  v.saw = fmt::format("node {}: Ready {}, taints [{}], {}", c.name, ready, fmt::join(keys, ", "),
                      node->spec().unschedulable() ? "cordoned" : "schedulable");
  return v;
}

// kubectl's DeploymentStatusViewer: the rollout is complete when the controller has seen the
// latest spec, every replica is updated, no old one is left and all updated are available.
Verdict CheckRollout(const Check& c, const Snapshot& s) {
  Verdict v;
  if (!s.deployment) {
    v.saw = "no deployment " + c.name;
    return v;
  }
  const auto& d = *s.deployment;
  const auto& st = d.status();
  int32_t replicas = d.spec().has_replicas() ? d.spec().replicas() : 1;
  bool deadline = false;
  for (const auto& cond : st.conditions()) {
    deadline |= cond.type() == "Progressing" && cond.reason() == "ProgressDeadlineExceeded";
  }
  v.ok = d.metadata().generation() <= st.observed_generation() && !deadline &&
         st.updated_replicas() == replicas && st.replicas() == st.updated_replicas() &&
         st.available_replicas() == st.updated_replicas();
  v.saw = fmt::format(
      "deployment {}: replicas {}, updated {}, total {}, available {}, generation {} observed {}{}",
      c.name, replicas, st.updated_replicas(), st.replicas(), st.available_replicas(),
      d.metadata().generation(), st.observed_generation(),
      deadline ? ", ProgressDeadlineExceeded" : "");
  return v;
}

std::string LabelText(const Labels& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(k + "=" + v);
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string DescribeFilter(const PodFilter& f) {
  std::vector<std::string> parts;
  if (f.phase) parts.push_back(*f.phase);
  if (f.ready) parts.push_back(*f.ready ? "ready" : "not ready");
  if (f.node) parts.push_back("on " + *f.node);
  if (f.bound) parts.push_back(*f.bound ? "bound" : "unbound");
  if (!f.on_nodes_with_labels.empty())
    parts.push_back("on nodes " + LabelText(f.on_nodes_with_labels));
  if (!f.not_on_nodes_with_labels.empty()) {
    parts.push_back("not on nodes " + LabelText(f.not_on_nodes_with_labels));
  }
  if (f.terminating) parts.push_back("terminating");
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string DescribeCounts(const Check& c) {
  std::vector<std::string> parts;
  if (c.count) parts.push_back(fmt::format("count {}", *c.count));
  if (c.min) parts.push_back(fmt::format("at least {}", *c.min));
  if (c.max) parts.push_back(fmt::format("at most {}", *c.max));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string Join(std::initializer_list<std::string> parts, const char* sep) {
  std::vector<std::string> kept;
  for (const auto& p : parts) {
    if (!p.empty()) kept.push_back(p);
  }
  return fmt::format("{}", fmt::join(kept, sep));
}

}  // namespace

bool PodReady(const Pod& pod) {
  if (Terminating(pod) || pod.status().phase() != "Running") return false;
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

bool ValidRegex(const std::string& pattern) {
  try {
    std::regex re(pattern);
    return true;
  } catch (const std::regex_error&) {
    return false;
  }
}

bool NeedsNodes(const Check& c) {
  return c.kind == Check::Kind::kSpread || c.kind == Check::Kind::kWithinCapacity ||
         c.kind == Check::Kind::kNode || !c.filter.on_nodes_with_labels.empty() ||
         !c.filter.not_on_nodes_with_labels.empty();
}

Verdict Evaluate(const Check& check, const Snapshot& snapshot) {
  switch (check.kind) {
    case Check::Kind::kPods:
    case Check::Kind::kPod:
      return CheckPods(check, snapshot);
    case Check::Kind::kSpread:
      return CheckSpread(check, snapshot);
    case Check::Kind::kWithinCapacity:
      return CheckCapacity(snapshot);
    case Check::Kind::kUnschedulable:
      return CheckUnschedulable(check, snapshot);
    case Check::Kind::kEvent:
      return CheckEvent(check, snapshot);
    case Check::Kind::kNode:
      return CheckNode(check, snapshot);
    case Check::Kind::kRollout:
      return CheckRollout(check, snapshot);
  }
  return {};
}

std::string DescribeCheck(const Check& c) {
  const std::string selector = c.selector.empty() ? "(all)" : c.selector;
  switch (c.kind) {
    case Check::Kind::kPods:
      return Join({"pods " + selector + ":", DescribeFilter(c.filter), DescribeCounts(c)}, " ");
    case Check::Kind::kPod:
      return Join({"pod " + c.name + ":", DescribeFilter(c.filter)}, " ");
    case Check::Kind::kSpread:
      return fmt::format("pods {} spread over {} with max skew {}", selector, c.topology_key,
                         c.max_skew);
    case Check::Kind::kWithinCapacity:
      return "every node within its capacity";
    case Check::Kind::kUnschedulable:
      return Join({"unschedulable " + (c.name.empty() ? selector : c.name),
                   c.message.empty() ? "" : "'" + c.message + "'"},
                  ": ");
    case Check::Kind::kEvent:
      return Join({"event " + c.reason, c.object.empty() ? "" : "on " + c.object,
                   c.message.empty() ? "" : "/" + c.message + "/", DescribeCounts(c)},
                  " ");
    case Check::Kind::kNode:
      return Join({"node " + c.name + ":", c.ready ? "Ready " + *c.ready : "",
                   c.taints.empty() ? "" : fmt::format("taints {}", fmt::join(c.taints, ",")),
                   c.unschedulable ? (*c.unschedulable ? "cordoned" : "schedulable") : ""},
                  " ");
    case Check::Kind::kRollout:
      return "rollout of deployment/" + c.name + " complete";
  }
  return "";
}

std::string Describe(const Step& step) {
  if (step.action == "eventually" || step.action == "always") {
    return fmt::format("{} {}: {}", step.action, FormatGoDuration(step.bound.count() * 1000000),
                       DescribeCheck(step.check));
  }
  std::string arg;
  if (step.args.IsScalar()) {
    arg = step.args.Scalar();
    arg = arg.substr(0, arg.find('\n'));
  } else if (step.args.IsMap()) {
    std::vector<std::string> parts;
    for (const auto& kv : step.args) {
      if (kv.second.IsScalar() && kv.second.Scalar().find('\n') == std::string::npos) {
        parts.push_back(kv.first.Scalar() + " " + kv.second.Scalar());
      }
    }
    arg = fmt::format("{}", fmt::join(parts, ", "));
  }
  if (step.action == "apply" || arg.size() > 60)
    arg = step.action == "apply" ? "" : arg.substr(0, 57) + "...";
  return arg.empty() ? step.action : step.action + " " + arg;
}

}  // namespace pk::scenario
