// The in-tree plugins (pkg/scheduler/framework/plugins), one file pair each, and the registry
// that names them. A factory reads the plugin's args (YAML, null when none) and fails with
// BadRequest naming the bad argument ("NodeResourcesFit: scoringStrategy.type: Unsupported
// value: \"X\"").
#pragma once

#include <memory>

#include "scheduler/framework/registry.h"

namespace pk::scheduler::plugins {

// Every plugin below by its Kubernetes name.
PluginRegistry InTreeRegistry();

#define PK_SCHEDULER_PLUGIN(Name) \
  Result<std::unique_ptr<Plugin>> New##Name(const YAML::Node& args, Handle& handle)

PK_SCHEDULER_PLUGIN(PrioritySort);                     // queue_sort: priority, then arrival
PK_SCHEDULER_PLUGIN(SchedulingGates);                  // pre_enqueue: spec.schedulingGates
PK_SCHEDULER_PLUGIN(NodeName);                         // spec.nodeName
PK_SCHEDULER_PLUGIN(NodeUnschedulable);                // spec.unschedulable (cordon)
PK_SCHEDULER_PLUGIN(NodeAffinity);                     // nodeSelector, node affinity
PK_SCHEDULER_PLUGIN(TaintToleration);                  // taints and tolerations
PK_SCHEDULER_PLUGIN(NodePorts);                        // hostPort conflicts
PK_SCHEDULER_PLUGIN(NodeResourcesFit);                 // requests vs allocatable; scoring
PK_SCHEDULER_PLUGIN(NodeResourcesBalancedAllocation);  // balanced cpu/memory use
PK_SCHEDULER_PLUGIN(ImageLocality);                    // images already on the node
PK_SCHEDULER_PLUGIN(PodTopologySpread);                // topologySpreadConstraints
PK_SCHEDULER_PLUGIN(InterPodAffinity);                 // pod (anti-)affinity
PK_SCHEDULER_PLUGIN(DefaultPreemption);                // post_filter: evict lower priority
PK_SCHEDULER_PLUGIN(DefaultBinder);                    // bind through pods/binding

#undef PK_SCHEDULER_PLUGIN

}  // namespace pk::scheduler::plugins
