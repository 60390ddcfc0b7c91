// The in-tree registry: every factory of plugins.h under its Kubernetes name
// (pkg/scheduler/framework/plugins/registry.go, names.go).
#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {

PluginRegistry InTreeRegistry() {
  PluginRegistry registry;
  registry.Register("PrioritySort", NewPrioritySort);
  registry.Register("SchedulingGates", NewSchedulingGates);
  registry.Register("NodeName", NewNodeName);
  registry.Register("NodeUnschedulable", NewNodeUnschedulable);
  registry.Register("NodeAffinity", NewNodeAffinity);
  registry.Register("TaintToleration", NewTaintToleration);
  registry.Register("NodePorts", NewNodePorts);
  registry.Register("NodeResourcesFit", NewNodeResourcesFit);
  registry.Register("NodeResourcesBalancedAllocation", NewNodeResourcesBalancedAllocation);
  registry.Register("ImageLocality", NewImageLocality);
  registry.Register("PodTopologySpread", NewPodTopologySpread);
  registry.Register("InterPodAffinity", NewInterPodAffinity);
  registry.Register("DefaultPreemption", NewDefaultPreemption);
  registry.Register("DefaultBinder", NewDefaultBinder);
  return registry;
}

}  // namespace pk::scheduler::plugins
