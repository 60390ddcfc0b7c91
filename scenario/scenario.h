// Scenarios: integration tests of the scheduling flow as YAML files (format:
// scenarios/README.md). A file parses into a Scenario -- its cluster, a timeline of steps and
// assertions -- which RunScenario plays against a fresh cluster of real processes
// (cluster::Cluster) in a temporary directory, printing each step with PASS or FAIL.
//
//   auto s = ParseScenarioFile("scenarios/taints.yaml");   // errors name the line
//   RunOptions options{.bin_dir = "build/bin"};
//   ScenarioResult result = RunScenario(*s, options, std::cout);
//   WriteJUnit({result}, "report.xml");
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "apimachinery/status.h"

namespace pk::scenario {

using Labels = std::map<std::string, std::string>;

// One entry of cluster.nodes: a node, or a group of nodes simulated by one hollow kubelet.
struct NodeEntry {
  std::string name;
  int count = 1;
  Labels labels;
  std::vector<std::string> zones;   // split among these, topology.kubernetes.io/zone
  Labels capacity;                  // cpu, memory, pods
  std::vector<std::string> taints;  // KEY[=VALUE]:EFFECT
};

struct ClusterSpec {
  std::vector<NodeEntry> nodes;
  double time_scale = 1.0;
  std::string scheduler_config;  // KubeSchedulerConfiguration YAML; empty: the defaults
  std::string controllers;       // the controller-manager's --controllers; empty: all
  bool scheduler = true;
  bool controller_manager = true;
};

// Pod filters of the `pods` and `pod` checks; unset ones do not filter.
struct PodFilter {
  std::optional<std::string> phase;
  std::optional<bool> ready;
  std::optional<std::string> node;
  Labels on_nodes_with_labels;
  Labels not_on_nodes_with_labels;
  std::optional<bool> bound;
  bool terminating = false;  // false: pods being deleted are left out; true: only those
};

// One check of an assertion; `kind` says which fields matter.
struct Check {
  enum class Kind {
    kPods,
    kPod,
    kSpread,
    kWithinCapacity,
    kUnschedulable,
    kEvent,
    kNode,
    kRollout
  };
  Kind kind = Kind::kPods;
  std::string ns = "default";
  std::string selector;  // pods, spread, unschedulable
  std::string name;      // pod, node, rollout (the Deployment), unschedulable (one pod)
  PodFilter filter;
  std::optional<int> count, min, max;
  std::string topology_key;  // spread
  int max_skew = 1;
  std::string message;                // unschedulable: a substring; event: a regex
  std::string reason, object, type;   // event
  std::optional<std::string> ready;   // node: True, False, Unknown
  std::vector<std::string> taints;    // node: taint keys it must have
  std::optional<bool> unschedulable;  // node: cordoned
};

// One step of the timeline: an action, or an assertion (`eventually` / `always`).
struct Step {
  std::string action;  // the key: "apply", "scale", "eventually", ...
  std::string label;   // `name:` beside it, else a description of the step
  int line = 0;        // in the file, for messages
  YAML::Node args;     // the action's value
  // Assertions only.
  Check check;
  std::chrono::milliseconds bound{0};  // within / for
};

struct Scenario {
  std::string file;  // as given
  std::string name;
  uint64_t seed = 1;
  ClusterSpec cluster;
  std::vector<Step> steps;
};

// Parses and checks a whole scenario, so that a mistake is reported before any cluster
// starts: BadRequest "FILE:LINE: what is wrong".
Result<Scenario> ParseScenario(const std::string& yaml, const std::string& file);
Result<Scenario> ParseScenarioFile(const std::string& path);

struct RunOptions {
  std::filesystem::path bin_dir;  // the project's binaries
  std::string kubectl = "/usr/bin/kubectl";
  std::optional<uint64_t> seed;  // overrides the file's
  bool keep = false;             // leave the cluster running afterwards
  bool color = false;
};

struct StepResult {
  std::string label;
  bool passed = false;
  bool skipped = false;  // after an earlier failure
  double seconds = 0;
  std::string failure;  // what was wanted and seen, and what the cluster looked like
};

struct ScenarioResult {
  std::string file, name;
  uint64_t seed = 1;
  bool passed = false;
  std::string error;  // the cluster did not start, or the file did not parse
  double seconds = 0;
  std::vector<StepResult> steps;
};

// Starts a cluster for `scenario` in a new temporary directory, runs its steps and prints
// each as it ends. Stops the cluster and removes the directory unless options.keep.
ScenarioResult RunScenario(const Scenario& scenario, const RunOptions& options, std::ostream& out);

// A JUnit XML report: a test suite per scenario, a test case per step.
Status WriteJUnit(const std::vector<ScenarioResult>& results, const std::filesystem::path& path);

// `picokube scenario FILE...`: parses all, runs each, writes the report; the exit code.
int RunScenarioFiles(const std::vector<std::string>& files, const RunOptions& options,
                     const std::string& junit_path, std::ostream& out);

}  // namespace pk::scenario
