// Shared by the scenario runner's files: the step table, the checks over a snapshot of the
// cluster, and what a running scenario carries.
#pragma once

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "client/clientset.h"
#include "cluster/cluster.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "scenario/scenario.h"

// Assigns the value of `expr` (a Result) to `lhs`, an existing lvalue, or returns its Status.
#define PK_ASSIGN_OR_RETURN(lhs, expr)                     \
  do {                                                     \
    auto pk_result_ = (expr);                              \
    if (!pk_result_.ok()) return pk_result_.take_status(); \
    lhs = std::move(pk_result_).value();                   \
  } while (0)

namespace pk::scenario {

using k8s::core::v1::Event;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;

// --- A running scenario.

struct RunContext {
  const Scenario& scenario;
  const RunOptions& options;
  cluster::Cluster& cluster;
  std::filesystem::path dir;  // the cluster's directory (manifests go to dir/manifests)
  std::mt19937_64 rng;
  std::map<std::string, std::string> entry_of_node;  // node name -> its kubelet's entry

  // `kubectl ARGS` against the cluster: its output, or an error carrying the exit code and
  // output. ARGS is shell words, as typed after `kubectl`.
  Result<std::string> Kubectl(const std::string& args) const;
  // Writes `text` to a new file under dir/manifests; its path.
  std::filesystem::path WriteManifest(const std::string& text) const;
  // The component names of each entry: kubelet-ENTRY, fake-cri-ENTRY.
  std::vector<std::string> Entries() const;
};

// The kubelet entries (cluster::KubeletGroup) of a cluster spec: zoned entries split per zone.
std::vector<cluster::KubeletGroup> KubeletGroups(const ClusterSpec& spec);
// Node name -> the entry of its kubelet.
std::map<std::string, std::string> NodeEntries(const std::vector<cluster::KubeletGroup>& groups);

// Runs `command` with /bin/sh, stdout and stderr together; the exit code (-1: did not run).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command);
std::string ShellQuote(const std::string& word);

// --- Actions (actions.cc).

struct ActionSpec {
  const char* name;
  Status (*validate)(const YAML::Node& args);  // at parse time: the shape of the value
  Status (*run)(RunContext& ctx, const Step& step);
};
const ActionSpec* FindAction(const std::string& name);
std::string ActionNames();  // "apply, create, ..."
// The `create` step's text: `count` copies of `manifest`, {{i}} replaced by k and
// metadata.name suffixed -k in the k-th; quoted scalars stay quoted ("0" is not 0).
Result<std::string> CreateManifests(const std::string& manifest, int count);

// --- Checks (checks.cc): pure functions over what the runner read from the cluster.

struct Snapshot {
  std::vector<client::Ptr<Pod>> pods;  // the check's namespace (and selector, when it has one)
  std::vector<client::Ptr<Node>> nodes;
  std::vector<client::Ptr<Event>> events;             // the check's namespace; event checks only
  client::Ptr<k8s::apps::v1::Deployment> deployment;  // rollout checks only
};

struct Verdict {
  bool ok = false;
  std::string saw;  // what the cluster showed, in a line or a few
  // Pods the check was about that are not where the check wanted them: the failure report
  // shows the scheduler's explanation for each.
  std::vector<std::string> pods_involved;
};

Verdict Evaluate(const Check& check, const Snapshot& snapshot);
std::string Describe(const Step& step);  // "pods app=web: phase Running, count 3"
std::string DescribeCheck(const Check& check);
bool ValidRegex(const std::string& pattern);
bool PodReady(const Pod& pod);
// What the runner must read for `check` (the selector it lists pods with, etc.).
bool NeedsNodes(const Check& check);

}  // namespace pk::scenario
