// The scheduler's configuration, shaped like KubeSchedulerConfiguration
// (kubescheduler.config.k8s.io/v1): profiles by schedulerName, plugins enabled and disabled
// per extension point (and multiPoint) with weights, plugin args, percentageOfNodesToScore,
// leader election, pod back-off.
//
//   apiVersion: kubescheduler.config.k8s.io/v1
//   kind: KubeSchedulerConfiguration
//   percentageOfNodesToScore: 50
//   profiles:
//   - schedulerName: default-scheduler
//   - schedulerName: bin-packing
//     plugins:
//       score:
//         disabled: [{name: NodeResourcesBalancedAllocation}]
//         enabled: [{name: NodeResourcesFit, weight: 5}]
//     pluginConfig:
//     - name: NodeResourcesFit
//       args: {scoringStrategy: {type: MostAllocated}}
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"

namespace pk::scheduler {

struct PluginRef {
  std::string name;
  int32_t weight = 0;  // score plugins only; 0: the plugin's default weight
};

struct PluginSet {
  std::vector<PluginRef> enabled;
  std::vector<PluginRef> disabled;  // {name: "*"} disables every default of the point
};

// Extension points by their KubeSchedulerConfiguration names.
enum class ExtensionPoint {
  kPreEnqueue,
  kQueueSort,
  kPreFilter,
  kFilter,
  kPostFilter,
  kPreScore,
  kScore,
  kReserve,
  kPermit,
  kPreBind,
  kBind,
  kPostBind,
  kMultiPoint,
};
// "preEnqueue", "queueSort", ... "multiPoint".
std::string_view ExtensionPointName(ExtensionPoint point);

struct Profile {
  std::string scheduler_name = "default-scheduler";
  std::map<ExtensionPoint, PluginSet> plugins;      // as written; the framework applies defaults
  std::map<std::string, YAML::Node> plugin_config;  // args by plugin name
  std::optional<int32_t> percentage_of_nodes_to_score;
};

struct LeaderElection {
  bool leader_elect = true;
  std::chrono::milliseconds lease_duration = std::chrono::seconds(15);
  std::chrono::milliseconds renew_deadline = std::chrono::seconds(10);
  std::chrono::milliseconds retry_period = std::chrono::seconds(2);
  std::string resource_namespace = "kube-system";
  std::string resource_name = "kube-scheduler";
};

struct SchedulerConfig {
  std::vector<Profile> profiles;  // at least one; schedulerNames unique
  // 0: adaptive (50% minus 1% per 125 nodes, at least 5%), as Kubernetes.
  int32_t percentage_of_nodes_to_score = 0;
  int32_t parallelism = 16;
  std::chrono::milliseconds pod_initial_backoff = std::chrono::seconds(1);
  std::chrono::milliseconds pod_max_backoff = std::chrono::seconds(10);
  LeaderElection leader_election;
};

// The default configuration: one profile, default-scheduler, Kubernetes' default plugins.
SchedulerConfig DefaultConfig();
// Parses a KubeSchedulerConfiguration document (apiVersion kubescheduler.config.k8s.io/v1).
// Errors are BadRequest naming the field ("profiles[1].schedulerName: Duplicate value:
// \"x\""), as Kubernetes' validation words them.
Result<SchedulerConfig> ParseConfig(std::string_view yaml);

// Kubernetes' default plugin set (multiPoint, in order, with score weights): SchedulingGates,
// PrioritySort, NodeUnschedulable, NodeName, TaintToleration (3), NodeAffinity (2), NodePorts,
// NodeResourcesFit (1), PodTopologySpread (2), InterPodAffinity (2), DefaultPreemption,
// NodeResourcesBalancedAllocation (1), ImageLocality (1), DefaultBinder.
std::vector<PluginRef> DefaultMultiPointPlugins();

}  // namespace pk::scheduler
