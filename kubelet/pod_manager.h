// The pods of one kubelet process (one node, or many hollow nodes over one runtime): a pod
// informer restricted to the process's nodes, a rate-limited work queue so a pod is synced
// by one worker at a time, a PLEG (pod lifecycle event generator) that relists the runtime
// and queues the pods whose containers changed, and the status manager's job: the computed
// status is patched through pods/status only when it changed.
//
// Deletion, as Kubernetes' kubelet does it: a pod with a deletionTimestamp has its containers
// stopped with its grace period, its final status reported, then the kubelet deletes it with
// grace 0 (uid precondition). Runtime pods the API no longer has are killed and removed.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/clientset.h"
#include "client/informer_factory.h"
#include "client/workqueue.h"
#include "kubelet/pod_sync.h"
#include "kubelet/prober.h"
#include "kubelet/runtime_cache.h"

namespace pk::kubelet {

struct PodManagerOptions {
  std::vector<std::string> nodes;                // the nodes this process runs pods for
  std::map<std::string, std::string> pod_cidrs;  // by node
  std::string host_ip = "127.0.0.1";             // the nodes' InternalIP: pods' hostIP
  std::string log_root;
  int workers = 4;
  client::Clock::Duration relist_period = std::chrono::seconds(1);
  client::Clock::Duration resync_period = std::chrono::seconds(10);  // each pod synced again
  client::Clock::Duration crash_backoff_initial = std::chrono::seconds(10);
  client::Clock::Duration crash_backoff_max = std::chrono::minutes(5);
  double probe_time_scale = 1.0;  // multiplies probe periods and delays
};

class PodManager {
 public:
  PodManager(const client::Clientset& clientset, RuntimeClient* runtime, PodEvents* events,
             PodManagerOptions options);
  ~PodManager();  // Stop()

  // Starts the informer, waits (up to `sync_timeout`) for its first list, then the PLEG and
  // the workers. False if the informer did not sync in time (it keeps trying).
  bool Start(std::chrono::milliseconds sync_timeout);
  void Stop();
  // The pod NAMESPACE/NAME of this process's nodes, as the informer has it; null if unknown.
  client::Ptr<k8s::core::v1::Pod> Get(const std::string& ns, const std::string& name) const;

 private:
  struct PodState {
    PodSyncState sync;
  };
  bool IsMine(const k8s::core::v1::Pod& pod) const;  // bound to one of this process's nodes
  // Whether the pod's status is the one this kubelet last wrote: an update that brings only
  // that back needs no sync (Kubernetes' kubelet does not sync on its own status writes).
  bool IsOwnStatus(const k8s::core::v1::Pod& pod);
  void Worker();
  void Relist();
  void TraceSeen(const k8s::core::v1::Pod& pod);
  bool SameAsReported(const std::string& uid, const k8s::core::v1::PodStatus& status);
  Status Sync(const std::string& key);
  Status SyncTerminating(const k8s::core::v1::Pod& pod, const SyncContext& ctx, PodSyncState* sync);
  Status ReportStatus(const k8s::core::v1::Pod& pod, const PodRuntimeState& runtime,
                      const PodSyncState& sync);
  SyncContext ContextFor(const std::string& node);
  void TakeProbeResults(const std::string& uid, PodSyncState* sync);
  // The pod's runtime state as the cache has it (the last relist's or sync's listing); with
  // `fresh`, or before the first relist, listed from the runtime and kept in the cache. A
  // sync lists fresh after it acted: nothing has seen what its actions led to yet.
  PodRuntimeState RuntimeOf(const std::string& uid, bool fresh = false);

  const client::Clientset clientset_;
  RuntimeClient* const runtime_;
  PodEvents* const events_;
  const PodManagerOptions options_;
  client::KeyedBackoff crash_backoff_, pull_backoff_;
  client::SharedInformerFactory factory_;
  client::SharedIndexInformer<k8s::core::v1::Pod> pods_;
  client::RateLimitingQueue queue_;
  std::unique_ptr<Prober> prober_;  // after queue_: its callbacks add to the queue
  RuntimeCache cache_;

  std::mutex mu_;
  std::map<std::string, PodSyncState> sync_;      // by pod uid; guarded by mu_
  std::map<std::string, std::string> reported_;   // by uid: last status written; guarded by mu_
  std::map<std::string, std::string> last_seen_;  // runtime fingerprint by uid; guarded by mu_
  bool runtime_up_ = true;                        // PLEG thread only

  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace pk::kubelet
