// Cache: the scheduler's view of every node and the pods on it (internal/cache), fed by the
// informers, with assumed pods: once a pod is chosen for a node it is "assumed" there, so the
// next pod is scheduled against the updated node before the bind is confirmed. The informer's
// add of the bound pod confirms the assumption; ForgetPod drops it when the bind fails.
//
// UpdateSnapshot copies into the cycle's Snapshot only the NodeInfos that changed since the
// snapshot was last updated (by generation), so a cycle over 5,000 nodes copies a handful.
//
// Thread-safety: every method from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "apimachinery/status.h"
#include "scheduler/framework/snapshot.h"
#include "scheduler/framework/types.h"

namespace pk::scheduler {

class Cache {
 public:
  Cache();
  ~Cache();

  void AddNode(NodePtr node);
  void UpdateNode(NodePtr node);
  void RemoveNode(const std::string& name);

  // Assigned pods (spec.nodeName set) from the informer. Adding a pod that is assumed
  // confirms it; pods may arrive before their node (kept until the node comes).
  void AddPod(PodPtr pod);
  void UpdatePod(const PodPtr& old_pod, PodPtr new_pod);
  void RemovePod(const Pod& pod);

  // Places `pod` (whose spec.nodeName is set to the chosen node) on that node.
  // AlreadyExists when the pod is already in the cache.
  Status AssumePod(PodPtr pod);
  // Undoes AssumePod (the bind failed); no-op when the pod is not assumed.
  void ForgetPod(const std::string& uid);
  bool IsAssumed(const std::string& uid) const;

  void SetNamespace(const std::string& name, std::map<std::string, std::string> labels);
  void RemoveNamespace(const std::string& name);

  // Brings `snapshot` up to date with the cache.
  void UpdateSnapshot(Snapshot* snapshot);

  size_t NodeCount() const;
  size_t PodCount() const;  // assumed included

 private:
  struct State;  // implementation-defined: NodeInfos by name, pod states by uid, images
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
};

}  // namespace pk::scheduler
