// What one sync of a pod must do to the runtime, decided from the pod and the runtime's view
// alone (Kubernetes' kuberuntime_manager computePodActions): a pure function, so the
// lifecycle rules are tested without a runtime. Crash back-off is applied when the actions
// are carried out (pod_worker.h), as the kubelet does.
#pragma once

#include <string>
#include <vector>

#include "kubelet/runtime_state.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::kubelet {

struct PodActions {
  bool kill_pod = false;        // stop every container and the old sandbox first
  bool create_sandbox = false;  // then run a new sandbox with `sandbox_attempt`
  uint32_t sandbox_attempt = 0;
  int next_init = -1;             // index in spec.initContainers of the one to start now, or -1
  std::vector<int> start;         // indexes in spec.containers to start (again)
  std::vector<std::string> kill;  // ids of container instances to stop first
  bool init_failed = false;       // an init container failed under restartPolicy Never

  // Whether carrying the actions out touches the runtime at all (false: the runtime's view
  // before the sync is still its view after it).
  bool TouchesRuntime() const {
    return kill_pod || create_sandbox || next_init >= 0 || !start.empty() || !kill.empty();
  }
};

PodActions ComputePodActions(const k8s::core::v1::Pod& pod, const PodRuntimeState& runtime,
                             const PodSyncState& sync);

}  // namespace pk::kubelet
