// Carrying out one sync of a pod against the runtime (Kubernetes' kuberuntime SyncPod and
// KillPod): the actions of pod_actions.h, with image pulls by imagePullPolicy, crash-loop and
// image-pull back-off, and the events a user sees in `kubectl describe pod` (Pulling, Pulled,
// Failed, BackOff, Created, Started, Killing) worded as Kubernetes words them.
#pragma once

#include <functional>
#include <string>

#include "client/keyed_backoff.h"
#include "kubelet/runtime_client.h"
#include "kubelet/runtime_state.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::kubelet {

// Where the kubelet's events about a pod go. `field_path` names the container
// ("spec.containers{nginx}"), or is empty for the pod itself.
class PodEvents {
 public:
  virtual ~PodEvents() = default;
  virtual void Record(const k8s::core::v1::Pod& pod, const std::string& field_path,
                      const std::string& type, const std::string& reason,
                      const std::string& message) = 0;
};

// What every sync of one node's pods shares.
struct SyncContext {
  RuntimeClient* runtime = nullptr;
  PodEvents* events = nullptr;
  client::KeyedBackoff* crash_backoff = nullptr;  // by pod uid + container name
  client::KeyedBackoff* pull_backoff = nullptr;   // by pod uid + image
  const client::Clock* clock = &client::RealClock();
  std::string node_name;
  std::string pod_cidr;
  std::string log_root;  // container logs under LOG_ROOT/NAMESPACE_NAME_UID/
  // Called before a step that takes a while — an image pull, or any step in slow motion — so
  // that the API shows what the pod waits for (ContainerCreating) while it waits: Kubernetes'
  // status manager writes that status before the runtime works. A quick start skips it and
  // writes only its outcome (the status manager's coalescing, in effect). May be empty.
  std::function<void(const PodSyncState&)> report_before_slow_step;
};

// One sync of a pod that is not being deleted. `sync` carries the kubelet's knowledge
// between syncs; the waiting reasons it holds are rewritten here. Fails when the runtime
// refused a step (the caller retries with back-off); waiting out a back-off is not a failure.
Status SyncPod(const k8s::core::v1::Pod& pod, const PodRuntimeState& runtime, PodSyncState* sync,
               const SyncContext& ctx);

// Stops every running container of the pod, each given `grace_seconds`, then its sandbox.
// `pod` may be null for a pod the API no longer has (an orphan found in the runtime).
Status KillPod(const k8s::core::v1::Pod* pod, const PodRuntimeState& runtime, int64_t grace_seconds,
               const SyncContext& ctx);

// Removes exited container instances older than the newest two per container, and every
// sandbox but the newest; with `everything`, all of the pod's (it is gone).
void RemoveDeadInstances(const PodRuntimeState& runtime, bool everything, const SyncContext& ctx);

// The pod's log directory: LOG_ROOT/NAMESPACE_NAME_UID, as Kubernetes' /var/log/pods.
std::string PodLogDirectory(const std::string& log_root, const k8s::core::v1::Pod& pod);

}  // namespace pk::kubelet
