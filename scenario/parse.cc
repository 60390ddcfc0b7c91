// Parsing a scenario file (scenarios/README.md) into a Scenario. Every mistake is found here,
// before a cluster starts, and named with its line: "taints.yaml:12: unknown step 'aply'".
#include <fmt/format.h>

#include <fstream>
#include <set>
#include <sstream>

#include "apimachinery/time.h"
#include "scenario/scenario.h"
#include "scenario/scenario_internal.h"

namespace pk::scenario {
namespace {

// Throws nothing: errors travel as a Status built by Fail.
class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  Status Fail(const YAML::Node& at, const std::string& what) const {
    return Status::BadRequest(fmt::format("{}:{}: {}", file_, at.Mark().line + 1, what));
  }

  // Every key of `map` must be in `known`.
  Status OnlyKeys(const YAML::Node& map, const std::set<std::string>& known,
                  const std::string& where) const {
    if (!map.IsMap()) return Fail(map, where + " must be a map");
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (known.count(key) == 0) {
        return Fail(kv.first, fmt::format("unknown key '{}' in {}; expected one of: {}", key, where,
                                          fmt::join(known, ", ")));
      }
    }
    return {};
  }

  Result<std::string> String(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) return Fail(n, what + " must be a string");
    return n.Scalar();
  }
  Result<int> Int(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) return Fail(n, what + " must be a number");
    try {
      size_t used = 0;
      int v = std::stoi(n.Scalar(), &used);
      if (used == n.Scalar().size()) return v;
    } catch (const std::exception&) {
    }
    return Fail(n, fmt::format("{} must be a whole number, not '{}'", what, n.Scalar()));
  }
  Result<bool> Bool(const YAML::Node& n, const std::string& what) const {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      return n.Scalar() == "true";
    }
    return Fail(n, what + " must be true or false");
  }
  Result<std::chrono::milliseconds> Duration(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) return Fail(n, what + " must be a duration (500ms, 2s, 1m30s)");
    auto nanos = ParseGoDuration(n.Scalar());
    if (!nanos.ok() || *nanos < 0) {
      return Fail(
          n, fmt::format("{} must be a duration (500ms, 2s, 1m30s), not '{}'", what, n.Scalar()));
    }
    return std::chrono::milliseconds(*nanos / 1000000);
  }
  Result<Labels> Map(const YAML::Node& n, const std::string& what) const {
    if (!n.IsMap()) return Fail(n, what + " must be a map of strings");
    Labels out;
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) return Fail(kv.second, what + " values must be strings");
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
  }
  Result<std::vector<std::string>> List(const YAML::Node& n, const std::string& what) const {
    if (!n.IsSequence()) return Fail(n, what + " must be a list");
    std::vector<std::string> out;
    for (const auto& item : n) {
      if (!item.IsScalar()) return Fail(item, what + " items must be strings");
      out.push_back(item.Scalar());
    }
    return out;
  }

  Result<NodeEntry> ParseNode(const YAML::Node& n) const {
    PK_RETURN_IF_ERROR(
        OnlyKeys(n, {"name", "count", "labels", "zones", "capacity", "taints"}, "a node entry"));
    NodeEntry e;
    if (!n["name"]) return Fail(n, "a node entry needs a name");
    PK_ASSIGN_OR_RETURN(e.name, String(n["name"], "name"));
    if (n["count"]) PK_ASSIGN_OR_RETURN(e.count, Int(n["count"], "count"));
    if (e.count < 1) return Fail(n["count"], "count must be at least 1");
    if (n["labels"]) PK_ASSIGN_OR_RETURN(e.labels, Map(n["labels"], "labels"));
    if (n["capacity"]) PK_ASSIGN_OR_RETURN(e.capacity, Map(n["capacity"], "capacity"));
    if (n["taints"]) PK_ASSIGN_OR_RETURN(e.taints, List(n["taints"], "taints"));
    if (n["zones"]) {
      PK_ASSIGN_OR_RETURN(e.zones, List(n["zones"], "zones"));
      if (e.zones.empty() || e.count % static_cast<int>(e.zones.size()) != 0) {
        return Fail(n["zones"], fmt::format("count {} does not split evenly among {} zones",
                                            e.count, e.zones.size()));
      }
    }
    return e;
  }

  Status ParseCluster(const YAML::Node& n, ClusterSpec* c) const {
    PK_RETURN_IF_ERROR(OnlyKeys(n,
                                {"nodes", "time-scale", "scheduler-config", "controllers",
                                 "scheduler", "controller-manager"},
                                "cluster"));
    if (n["nodes"]) {
      if (!n["nodes"].IsSequence()) return Fail(n["nodes"], "nodes must be a list");
      std::set<std::string> names;
      for (const auto& item : n["nodes"]) {
        NodeEntry e;
        PK_ASSIGN_OR_RETURN(e, ParseNode(item));
        if (!names.insert(e.name).second) return Fail(item, "two node entries named " + e.name);
        c->nodes.push_back(std::move(e));
      }
    }
    if (n["time-scale"]) {
      try {
        c->time_scale = n["time-scale"].as<double>();
      } catch (const YAML::Exception&) {
        return Fail(n["time-scale"], "time-scale must be a number");
      }
      if (c->time_scale <= 0) return Fail(n["time-scale"], "time-scale must be above 0");
    }
    if (n["scheduler-config"]) {
      PK_ASSIGN_OR_RETURN(c->scheduler_config, String(n["scheduler-config"], "scheduler-config"));
    }
    if (n["controllers"])
      PK_ASSIGN_OR_RETURN(c->controllers, String(n["controllers"], "controllers"));
    if (n["scheduler"]) PK_ASSIGN_OR_RETURN(c->scheduler, Bool(n["scheduler"], "scheduler"));
    if (n["controller-manager"]) {
      PK_ASSIGN_OR_RETURN(c->controller_manager,
                          Bool(n["controller-manager"], "controller-manager"));
    }
    if (c->nodes.empty()) {
      NodeEntry one;
      one.name = "node";
      c->nodes.push_back(one);
    }
    return {};
  }

  Status ParseFilter(const YAML::Node& n, PodFilter* f) const {
    if (n["phase"]) {
      std::string phase;
      PK_ASSIGN_OR_RETURN(phase, String(n["phase"], "phase"));
      static const std::set<std::string> kPhases{"Pending", "Running", "Succeeded", "Failed",
                                                 "Unknown"};
      if (kPhases.count(phase) == 0) {
        return Fail(n["phase"], "phase must be Pending, Running, Succeeded, Failed or Unknown");
      }
      f->phase = phase;
    }
    if (n["ready"]) PK_ASSIGN_OR_RETURN(f->ready, Bool(n["ready"], "ready"));
    if (n["node"]) PK_ASSIGN_OR_RETURN(f->node, String(n["node"], "node"));
    if (n["bound"]) PK_ASSIGN_OR_RETURN(f->bound, Bool(n["bound"], "bound"));
    if (n["terminating"])
      PK_ASSIGN_OR_RETURN(f->terminating, Bool(n["terminating"], "terminating"));
    if (n["on-nodes-with-labels"]) {
      PK_ASSIGN_OR_RETURN(f->on_nodes_with_labels,
                          Map(n["on-nodes-with-labels"], "on-nodes-with-labels"));
    }
    if (n["not-on-nodes-with-labels"]) {
      PK_ASSIGN_OR_RETURN(f->not_on_nodes_with_labels,
                          Map(n["not-on-nodes-with-labels"], "not-on-nodes-with-labels"));
    }
    return {};
  }

  Status ParseCounts(const YAML::Node& n, Check* c) const {
    for (auto [key, field] : {std::pair{"count", &c->count}, {"min", &c->min}, {"max", &c->max}}) {
      if (n[key]) PK_ASSIGN_OR_RETURN(*field, Int(n[key], key));
    }
    return {};
  }

  Status ParseCheck(const std::string& kind, const YAML::Node& n, Check* c) const {
    static const std::set<std::string> kFilterKeys{
        "phase", "ready",      "node", "on-nodes-with-labels", "not-on-nodes-with-labels",
        "bound", "terminating"};
    auto keys = [&](std::set<std::string> own) {
      own.insert("namespace");
      return own;
    };
    if (kind == "within-capacity") {  // a scalar: yaml-cpp throws on n["..."] of a scalar
      c->kind = Check::Kind::kWithinCapacity;
      auto on = Bool(n, "within-capacity");
      if (!on.ok() || !*on) return Fail(n, "within-capacity takes true");
      return {};
    }
    if (!n.IsMap()) return Fail(n, kind + " takes a map");
    if (n["namespace"]) PK_ASSIGN_OR_RETURN(c->ns, String(n["namespace"], "namespace"));
    if (n["selector"]) PK_ASSIGN_OR_RETURN(c->selector, String(n["selector"], "selector"));
    if (kind == "pods" || kind == "pod") {
      std::set<std::string> own = kFilterKeys;
      own.insert(kind == "pods" ? "selector" : "name");
      if (kind == "pods") own.insert({"count", "min", "max"});
      PK_RETURN_IF_ERROR(OnlyKeys(n, keys(own), "a " + kind + " check"));
      c->kind = kind == "pods" ? Check::Kind::kPods : Check::Kind::kPod;
      if (kind == "pod") {
        if (!n["name"]) return Fail(n, "a pod check needs the pod's name");
        PK_ASSIGN_OR_RETURN(c->name, String(n["name"], "name"));
      }
      PK_RETURN_IF_ERROR(ParseCounts(n, c));
      return ParseFilter(n, &c->filter);
    }
    if (kind == "spread") {
      PK_RETURN_IF_ERROR(OnlyKeys(n, keys({"selector", "topology-key", "max-skew"}), "spread"));
      c->kind = Check::Kind::kSpread;
      if (!n["topology-key"]) return Fail(n, "spread needs a topology-key");
      PK_ASSIGN_OR_RETURN(c->topology_key, String(n["topology-key"], "topology-key"));
      if (n["max-skew"]) PK_ASSIGN_OR_RETURN(c->max_skew, Int(n["max-skew"], "max-skew"));
      return {};
    }
    if (kind == "unschedulable") {
      PK_RETURN_IF_ERROR(OnlyKeys(n, keys({"selector", "pod", "message"}), "unschedulable"));
      c->kind = Check::Kind::kUnschedulable;
      if (n["pod"]) PK_ASSIGN_OR_RETURN(c->name, String(n["pod"], "pod"));
      if (n["message"]) PK_ASSIGN_OR_RETURN(c->message, String(n["message"], "message"));
      if (c->name.empty() && c->selector.empty()) {
        return Fail(n, "unschedulable needs a pod or a selector");
      }
      return {};
    }
    if (kind == "event") {
      PK_RETURN_IF_ERROR(OnlyKeys(
          n, keys({"reason", "message", "object", "type", "count", "min", "max"}), "event"));
      c->kind = Check::Kind::kEvent;
      if (!n["reason"]) return Fail(n, "an event check needs a reason");
      PK_ASSIGN_OR_RETURN(c->reason, String(n["reason"], "reason"));
      if (n["message"]) PK_ASSIGN_OR_RETURN(c->message, String(n["message"], "message"));
      if (n["object"]) PK_ASSIGN_OR_RETURN(c->object, String(n["object"], "object"));
      if (n["type"]) PK_ASSIGN_OR_RETURN(c->type, String(n["type"], "type"));
      if (!c->message.empty() && !ValidRegex(c->message)) {
        return Fail(n["message"], "message is not a valid regular expression: " + c->message);
      }
      return ParseCounts(n, c);
    }
    if (kind == "node") {
      PK_RETURN_IF_ERROR(OnlyKeys(n, {"name", "ready", "taints", "unschedulable"}, "node"));
      c->kind = Check::Kind::kNode;
      if (!n["name"]) return Fail(n, "a node check needs the node's name");
      PK_ASSIGN_OR_RETURN(c->name, String(n["name"], "name"));
      if (n["ready"]) PK_ASSIGN_OR_RETURN(c->ready, String(n["ready"], "ready"));
      if (n["taints"]) PK_ASSIGN_OR_RETURN(c->taints, List(n["taints"], "taints"));
      if (n["unschedulable"]) {
        PK_ASSIGN_OR_RETURN(c->unschedulable, Bool(n["unschedulable"], "unschedulable"));
      }
      return {};
    }
    if (kind == "rollout") {
      PK_RETURN_IF_ERROR(OnlyKeys(n, keys({"deployment"}), "rollout"));
      c->kind = Check::Kind::kRollout;
      if (!n["deployment"]) return Fail(n, "rollout needs a deployment");
      PK_ASSIGN_OR_RETURN(c->name, String(n["deployment"], "deployment"));
      return {};
    }
    return Fail(n, fmt::format("unknown check '{}'; expected one of: pods, pod, spread, "
                               "within-capacity, unschedulable, event, node, rollout",
                               kind));
  }

  Status ParseAssertion(const YAML::Node& n, Step* step) const {
    const bool always = step->action == "always";
    const std::string bound_key = always ? "for" : "within";
    if (!n.IsMap()) return Fail(n, step->action + " takes a map: a check and `" + bound_key + "`");
    step->bound = always ? std::chrono::seconds(5) : std::chrono::seconds(30);
    std::string kind;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      if (key == bound_key) {
        PK_ASSIGN_OR_RETURN(step->bound, Duration(kv.second, bound_key));
      } else if (!kind.empty()) {
        return Fail(kv.first, fmt::format("one check per assertion: '{}' and '{}'", kind, key));
      } else {
        kind = key;
        PK_RETURN_IF_ERROR(ParseCheck(key, kv.second, &step->check));
      }
    }
    if (kind.empty()) return Fail(n, step->action + " needs a check (pods, pod, spread, ...)");
    return {};
  }

  Result<Step> ParseStep(const YAML::Node& n) const {
    if (!n.IsMap()) return Fail(n, "a step must be a map with one action");
    Step step;
    step.line = n.Mark().line + 1;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      if (key == "name") {
        PK_ASSIGN_OR_RETURN(step.label, String(kv.second, "name"));
      } else if (!step.action.empty()) {
        return Fail(kv.first, fmt::format("one action per step: '{}' and '{}'", step.action, key));
      } else {
        step.action = key;
        step.args = kv.second;
      }
    }
    if (step.action.empty()) return Fail(n, "a step needs an action (apply, scale, eventually...)");
    if (step.action == "eventually" || step.action == "always") {
      PK_RETURN_IF_ERROR(ParseAssertion(step.args, &step));
    } else {
      const ActionSpec* spec = FindAction(step.action);
      if (spec == nullptr) {
        return Fail(
            n, fmt::format("unknown step '{}'; expected one of: {}", step.action, ActionNames()));
      }
      Status ok = spec->validate(step.args);
      if (!ok.ok()) return Fail(step.args, step.action + ": " + ok.message());
    }
    if (step.label.empty()) step.label = Describe(step);
    return step;
  }

  Result<Scenario> Parse(const YAML::Node& root) const {
    Scenario s;
    s.file = file_;
    PK_RETURN_IF_ERROR(OnlyKeys(root, {"name", "seed", "cluster", "steps"}, "the scenario"));
    if (!root["name"]) return Fail(root, "a scenario needs a name (what it shows)");
    PK_ASSIGN_OR_RETURN(s.name, String(root["name"], "name"));
    if (root["seed"]) {
      int seed = 0;
      PK_ASSIGN_OR_RETURN(seed, Int(root["seed"], "seed"));
      s.seed = static_cast<uint64_t>(seed);
    }
    PK_RETURN_IF_ERROR(ParseCluster(
        root["cluster"] ? root["cluster"] : YAML::Node(YAML::NodeType::Map), &s.cluster));
    if (!root["steps"] || !root["steps"].IsSequence() || root["steps"].size() == 0) {
      return Fail(root, "a scenario needs steps: a list of actions and assertions");
    }
    for (const auto& item : root["steps"]) {
      Step step;
      PK_ASSIGN_OR_RETURN(step, ParseStep(item));
      s.steps.push_back(std::move(step));
    }
    return s;
  }

 private:
  std::string file_;
};

}  // namespace

Result<Scenario> ParseScenario(const std::string& yaml, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::BadRequest(fmt::format("{}:{}: {}", file, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) {
    return Status::BadRequest(file + ": a scenario is a YAML map (name, cluster, steps)");
  }
  // The parser checks shapes before it reads; yaml-cpp's exceptions (a subscript of a scalar,
  // a failed conversion) are a last line, turned into the same kind of message.
  try {
    return Parser(file).Parse(root);
  } catch (const YAML::Exception& e) {
    return Status::BadRequest(fmt::format("{}:{}: {}", file, e.mark.line + 1, e.msg));
  }
}

Result<Scenario> ParseScenarioFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::BadRequest(fmt::format("{}: cannot read the file", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseScenario(text.str(), path);
}

}  // namespace pk::scenario
