// The pod status the kubelet reports, computed from the pod, the runtime's view and the
// kubelet's own knowledge, with Kubernetes' rules (pkg/kubelet/kubelet_pods.go:
// generateAPIPodStatus, getPhase, convertToAPIContainerStatuses; pkg/kubelet/status:
// GeneratePodReadyCondition and friends).
#pragma once

#include "kubelet/runtime_state.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::kubelet {

struct StatusContext {
  std::string host_ip;              // the node's InternalIP
  k8s::meta::v1::Time now;          // transition times of conditions that change now
  std::string runtime = "fakecri";  // containerID prefix: fakecri://ID
};

// The status to report for `pod`. `pod.status()` is the last reported status: its
// condition transition times and startTime are kept when unchanged, and a terminal phase
// (Succeeded, Failed) never goes back.
k8s::core::v1::PodStatus GeneratePodStatus(const k8s::core::v1::Pod& pod,
                                           const PodRuntimeState& runtime, const PodSyncState& sync,
                                           const StatusContext& ctx);

// Kubernetes' getPhase: Pending, Running, Succeeded or Failed from the container statuses.
std::string PodPhase(const k8s::core::v1::PodSpec& spec, const k8s::core::v1::PodStatus& status);

// Whether a container whose latest instance exited with `exit_code` is started again under
// the pod's restartPolicy (Always; OnFailure when it failed; Never).
bool ShouldRestart(const std::string& restart_policy, int32_t exit_code);

}  // namespace pk::kubelet
