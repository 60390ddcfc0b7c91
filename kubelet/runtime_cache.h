// The PLEG's picture of the runtime, as Kubernetes' kubelet keeps it (pkg/kubelet/container
// cache.go): each pod's runtime state with the time the listing that produced it began. A
// sync reads its pod's state here instead of asking the runtime again, and lists the runtime
// itself only after it acted (what the actions led to is not listed anywhere yet).
//
// Newer wins: a relist begun before a sync's own listing never overwrites that listing, so a
// container the sync just started is not forgotten by a relist that missed it.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kubelet/runtime_state.h"

namespace pk::kubelet {

class RuntimeCache {
 public:
  using Time = std::chrono::steady_clock::time_point;

  // A complete relist begun at `at`: every pod the runtime has, by uid. Entries set by a
  // listing begun after `at` stay; the others are replaced or, when not listed, dropped.
  void SetAll(std::map<std::string, PodRuntimeState> pods, Time at);
  // One pod's state from a listing begun at `at`; ignored when the entry is newer, or when
  // the pod has none and a complete relist begun after `at` did not list it.
  void Set(const std::string& uid, PodRuntimeState state, Time at);
  // The runtime state of pod `uid` as last listed. A pod absent from a complete relist has
  // no runtime pod (the empty state). Nullopt before the first complete relist: ask the runtime.
  std::optional<PodRuntimeState> Get(const std::string& uid) const;

 private:
  struct Entry {
    PodRuntimeState state;
    Time at;
  };
  void SetLocked(const std::string& uid, PodRuntimeState state, Time at);  // mu_ held

  mutable std::mutex mu_;
  std::map<std::string, Entry> pods_;  // guarded by mu_
  std::optional<Time> relisted_;       // start of the newest complete relist; guarded by mu_
};

}  // namespace pk::kubelet
