// SchedulingQueue: the pods waiting to be scheduled (internal/queue.PriorityQueue).
//   activeQ        - ready to be tried, ordered by the profile's QueueSort (priority, then
//                    arrival); Pop blocks on it.
//   backoffQ       - failed recently; each pod waits initial * 2^(attempts-1), capped at max
//                    (1 s .. 10 s), then moves to activeQ (flushed every second).
//   unschedulable  - found no node; moved back (to backoffQ, or activeQ once its back-off is
//                    over) when a cluster event could make it fit (a node added or changed, an
//                    assigned pod deleted or changed), otherwise after 5 minutes.
// A pod that fails while a move request arrived during its attempt goes to backoffQ, not to
// unschedulable (Kubernetes' moveRequestCycle), so no event is lost to the race.
// Also keeps the nominated pods (preemption) by node.
//
// Thread-safety: every method from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/background_thread.h"
#include "client/clock.h"
#include "scheduler/framework/types.h"

namespace pk::scheduler {

// What happened in the cluster that may make unschedulable pods fit.
enum class ClusterEvent {
  kNodeAdd,
  kNodeUpdate,      // labels, taints, allocatable or unschedulable changed
  kAssignedPodAdd,  // a pod bound (affects affinity and spreading)
  kAssignedPodUpdate,
  kAssignedPodDelete,  // resources and ports freed
  kUnschedulableTimeout,
};

struct QueueOptions {
  client::Clock::Duration initial_backoff = std::chrono::seconds(1);
  client::Clock::Duration max_backoff = std::chrono::seconds(10);
  client::Clock::Duration max_unschedulable = std::chrono::minutes(5);
  // Which pod first; defaults to priority (higher first), then earlier timestamp.
  std::function<bool(const QueuedPodInfo&, const QueuedPodInfo&)> less;
  // PreEnqueue: a pod for which this returns false waits in unschedulable (gated) until an
  // update lets it in. Defaults to always true.
  std::function<bool(const Pod&)> pre_enqueue;
  const client::Clock* clock = nullptr;  // RealClock() when null
};

class SchedulingQueue {
 public:
  explicit SchedulingQueue(QueueOptions options = {});
  ~SchedulingQueue();  // Close()

  // Starts the flush thread (backoffQ -> activeQ each second; long-unschedulable pods back
  // every 30 s).
  void Run();
  // Wakes Pop callers (they return nullopt) and stops the flush thread.
  void Close();

  // A new unscheduled pod.
  void Add(PodPtr pod);
  // A change to a pod that is waiting: replaces it; an unschedulable pod whose spec or labels
  // changed is tried again.
  void Update(const PodPtr& old_pod, PodPtr new_pod);
  void Delete(const Pod& pod);

  // The next pod to schedule; blocks until one is ready, nullopt once closed.
  std::optional<QueuedPodInfo> Pop();
  // The pod popped last (by uid) is done with its attempt: either scheduled (Done) or failed
  // (AddUnschedulable). `unschedulable` true: no node fits (waits for an event); false: an
  // error (back-off only).
  void AddUnschedulable(QueuedPodInfo info, bool unschedulable);
  void Done(const std::string& uid);

  // A cluster event: moves unschedulable pods that `event` could help (per the plugins that
  // rejected them) to backoffQ or activeQ.
  void MoveAllToActiveOrBackoff(ClusterEvent event);

  // Nominated pods (preemption): pods that will run on `node` once their victims are gone.
  void AddNominatedPod(PodInfoPtr pod, const std::string& node);
  void DeleteNominatedPodIfExists(const std::string& uid);
  std::vector<PodInfoPtr> NominatedPodsForNode(const std::string& node) const;

  struct Counts {
    size_t active = 0, backoff = 0, unschedulable = 0;
  };
  Counts counts() const;

 private:
  // Implementation-defined members (heap for activeQ and backoffQ, maps by uid, ...).
  struct State;
  void FlushLoop(const std::atomic<bool>& stop);

  const QueueOptions options_;
  const client::Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<State> state_;  // guarded by mu_
  client::BackgroundThread flusher_;
};

// Whether a pod rejected by `plugin` may fit after `event` (the plugins' EventsToRegister).
bool EventMayHelp(const std::string& plugin, ClusterEvent event);

}  // namespace pk::scheduler
