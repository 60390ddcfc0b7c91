// RollingUpdate (update.go): old pods replaced within maxUnavailable, or new pods surged
// within maxSurge.
#include <fmt/format.h>

#include <algorithm>

#include "apimachinery/time.h"
#include "controller-manager/controller_utils.h"
#include "controller-manager/daemonset/daemonset_internal.h"
#include "controller-manager/replicaset/pod_utils.h"

namespace pk::controllers::daemonset {
namespace {

// findUpdatedPodsOnNode: the node's one new and one old pod (not being deleted); false when
// it has more than one of either, which the manage loop prunes first.
bool FindUpdatedPodsOnNode(const DaemonSet& ds, const std::vector<PodPtr>& pods,
                           const std::string& hash, PodPtr* new_pod, PodPtr* old_pod) {
  auto generation = GetTemplateGeneration(ds);
  std::optional<int64_t> gen = generation.ok() ? *generation : std::nullopt;
  for (const PodPtr& pod : pods) {
    if (pod->metadata().has_deletion_timestamp()) continue;
    PodPtr& slot = IsPodUpdated(*pod, hash, gen) ? *new_pod : *old_pod;
    if (slot != nullptr) return false;
    slot = pod;
  }
  return true;
}

}  // namespace

Status DaemonSetsController::RollingUpdate(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                                           const std::string& hash) {
  auto by_node = NodesToDaemonPods(ds);
  if (!by_node.ok()) {
    return Status::InternalError(
        fmt::format("couldn't get node to daemon pod mapping for daemon set \"{}\": {}",
                    ds.metadata().name(), by_node.status().message()));
  }
  // updatedDesiredNodeCounts: every node that should run a pod is in the map.
  int32_t desired = 0;
  for (const NodePtr& node : nodes) {
    if (!NodeShouldRunDaemonPod(*node, ds).should_run) continue;
    ++desired;
    (*by_node)[node->metadata().name()];
  }
  int32_t max_unavailable = UnavailableCount(ds, desired);
  int32_t max_surge = SurgeCount(ds, desired);
  // An impossible configuration (both zero) accepts one unavailable pod.
  if (desired > 0 && max_unavailable == 0 && max_surge == 0) max_unavailable = 1;
  if (max_surge > 0) {
    return SurgingRollingUpdate(ds, std::move(*by_node), max_surge, desired, hash);
  }
  // Not surging: delete just enough old pods to stay within maxUnavailable; the manage loop
  // creates their replacements.
  Timestamp now = WallTimestamp(clock_);
  int32_t min_ready = ds.spec().min_ready_seconds();
  int32_t unavailable = 0;
  std::vector<std::string> replace, candidates;
  for (const auto& [node, pods] : *by_node) {
    PodPtr new_pod, old_pod;
    if (!FindUpdatedPodsOnNode(ds, pods, hash, &new_pod, &old_pod)) {
      ++unavailable;  // the manage loop cleans this node up first
      continue;
    }
    if ((old_pod == nullptr) == (new_pod == nullptr)) {
      ++unavailable;  // the manage loop creates or deletes here
    } else if (new_pod != nullptr) {
      if (!replicaset::IsPodAvailable(*new_pod, min_ready, now)) ++unavailable;
    } else if (!replicaset::IsPodAvailable(*old_pod, min_ready, now)) {
      replace.push_back(old_pod->metadata().name());  // unavailable anyway: replace it
    } else if (unavailable < max_unavailable) {
      candidates.push_back(old_pod->metadata().name());
    }
  }
  int32_t remaining = std::clamp<int32_t>(max_unavailable - unavailable, 0,
                                          static_cast<int32_t>(candidates.size()));
  replace.insert(replace.end(), candidates.begin(), candidates.begin() + remaining);
  return SyncNodes(ds, std::move(replace), {}, hash);
}

// Surging: a new pod is created beside an old one that is unavailable, and beside up to
// maxSurge available old ones; an old pod goes once its node's new pod is available.
Status DaemonSetsController::SurgingRollingUpdate(const DaemonSet& ds, NodeToPods by_node,
                                                  int32_t max_surge, int32_t desired,
                                                  const std::string& hash) {
  Timestamp now = WallTimestamp(clock_);
  int32_t min_ready = ds.spec().min_ready_seconds();
  std::vector<std::string> old_to_delete, should_not_run, candidates, allowed;
  int32_t surge = 0, available = 0;
  auto should_run = [&](const std::string& node) {
    auto n = nodes_.GetLister().Get("", node);
    return n.ok() && NodeShouldRunDaemonPod(**n, ds).should_run;
  };
  for (const auto& [node, pods] : by_node) {
    PodPtr new_pod, old_pod;
    if (!FindUpdatedPodsOnNode(ds, pods, hash, &new_pod, &old_pod)) {
      ++surge;  // the manage loop cleans this node up first
      continue;
    }
    const PodPtr& counted = old_pod != nullptr ? old_pod : new_pod;
    if (counted != nullptr && replicaset::IsPodAvailable(*counted, min_ready, now)) ++available;
    if (old_pod == nullptr) continue;  // the manage loop handles this node
    if (new_pod == nullptr) {
      if (!replicaset::IsPodAvailable(*old_pod, min_ready, now)) {
        if (!should_run(node)) {
          old_to_delete.push_back(old_pod->metadata().name());
        } else {
          allowed.push_back(node);
        }
      } else if (!should_run(node)) {
        should_not_run.push_back(old_pod->metadata().name());
      } else if (surge < max_surge) {
        candidates.push_back(node);
      }
      continue;
    }
    // Already surged onto this node.
    if (!replicaset::IsPodAvailable(*new_pod, min_ready, now)) {
      ++surge;
      continue;
    }
    old_to_delete.push_back(old_pod->metadata().name());
  }
  // Pods on nodes that no longer fit go only once enough pods elsewhere are available.
  if (int32_t deletable = available - desired; deletable > 0) {
    deletable = std::min<int32_t>(deletable, static_cast<int32_t>(should_not_run.size()));
    old_to_delete.insert(old_to_delete.end(), should_not_run.begin(),
                         should_not_run.begin() + deletable);
  }
  int32_t remaining =
      std::clamp<int32_t>(max_surge - surge, 0, static_cast<int32_t>(candidates.size()));
  allowed.insert(allowed.end(), candidates.begin(), candidates.begin() + remaining);
  return SyncNodes(ds, std::move(old_to_delete), std::move(allowed), hash);
}

}  // namespace pk::controllers::daemonset
