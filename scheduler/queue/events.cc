// EventMayHelp: which cluster events each in-tree plugin registers for (the plugins'
// EventsToRegister in Kubernetes v1.32), folded onto picokube's coarser ClusterEvent: every
// Node/UpdateNodeXxx action is kNodeUpdate, every assigned-Pod action its Add/Update/Delete.
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "scheduler/queue/scheduling_queue.h"

namespace pk::scheduler {
namespace {

using E = ClusterEvent;

const std::map<std::string_view, std::set<ClusterEvent>>& EventTable() {
  static const auto* table = new std::map<std::string_view, std::set<ClusterEvent>>{
      // Resources free up when an assigned pod goes away or shrinks, or a node grows.
      {"NodeResourcesFit",
       {E::kNodeAdd, E::kNodeUpdate, E::kAssignedPodDelete, E::kAssignedPodUpdate}},
      {"NodeResourcesBalancedAllocation",
       {E::kNodeAdd, E::kNodeUpdate, E::kAssignedPodAdd, E::kAssignedPodDelete}},
      {"NodePorts", {E::kNodeAdd, E::kAssignedPodDelete}},
      {"TaintToleration", {E::kNodeAdd, E::kNodeUpdate}},
      {"NodeAffinity", {E::kNodeAdd, E::kNodeUpdate}},
      {"NodeUnschedulable", {E::kNodeAdd, E::kNodeUpdate}},
      {"NodeName", {E::kNodeAdd, E::kNodeUpdate}},
      {"InterPodAffinity",
       {E::kNodeAdd, E::kNodeUpdate, E::kAssignedPodAdd, E::kAssignedPodUpdate,
        E::kAssignedPodDelete}},
      {"PodTopologySpread",
       {E::kNodeAdd, E::kNodeUpdate, E::kAssignedPodAdd, E::kAssignedPodUpdate,
        E::kAssignedPodDelete}},
      {"ImageLocality", {E::kNodeAdd, E::kNodeUpdate}},
      {"VolumeBinding", {E::kNodeAdd, E::kNodeUpdate}},
      {"VolumeZone", {E::kNodeAdd, E::kNodeUpdate}},
      {"VolumeRestrictions", {E::kAssignedPodDelete}},
      {"NodeVolumeLimits", {E::kNodeAdd, E::kAssignedPodDelete}},
      // Only an update of the gated pod itself lifts its gates (SchedulingQueue::Update).
      {"SchedulingGates", {}},
  };
  return *table;
}

}  // namespace

bool EventMayHelp(const std::string& plugin, ClusterEvent event) {
  if (event == ClusterEvent::kUnschedulableTimeout) return true;
  const auto& table = EventTable();
  auto it = table.find(plugin);
  // A plugin we know nothing about may be helped by anything (Kubernetes registers
  // out-of-tree plugins without EventsToRegister for all events).
  return it == table.end() || it->second.count(event) > 0;
}

}  // namespace pk::scheduler
