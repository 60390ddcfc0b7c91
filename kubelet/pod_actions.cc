#include "kubelet/pod_actions.h"

#include "kubelet/pod_status.h"

namespace pk::kubelet {
namespace {

using k8s::core::v1::Pod;
using State = ContainerInstance::State;

// Every instance still running (or not yet started) is stopped.
void KillAll(const PodRuntimeState& runtime, PodActions* actions) {
  for (const auto& c : runtime.containers) {
    if (c.state == State::kRunning || c.state == State::kCreated) actions->kill.push_back(c.id);
  }
}

// A new sandbox: everything starts from the first init container (or every container).
void FreshStart(const Pod& pod, const PodRuntimeState& runtime, PodActions* actions) {
  actions->kill_pod = !runtime.sandbox_id.empty();
  actions->create_sandbox = true;
  actions->sandbox_attempt = runtime.sandbox_id.empty() ? 0 : runtime.sandbox_attempt + 1;
  KillAll(runtime, actions);
  if (pod.spec().init_containers_size() > 0) {
    actions->next_init = 0;
    return;
  }
  const std::string& policy = pod.spec().restart_policy();
  for (int i = 0; i < pod.spec().containers_size(); ++i) {
    const ContainerInstance* latest = runtime.Latest(pod.spec().containers(i).name());
    bool succeeded = latest != nullptr && latest->state == State::kExited && latest->exit_code == 0;
    if (succeeded && policy == "OnFailure") continue;
    actions->start.push_back(i);
  }
}

// The init containers run one at a time, in order. False while one is still due or running.
bool InitDone(const Pod& pod, const PodRuntimeState& runtime, PodActions* actions) {
  const std::string& policy = pod.spec().restart_policy();
  for (int i = 0; i < pod.spec().init_containers_size(); ++i) {
    const ContainerInstance* c = runtime.Latest(pod.spec().init_containers(i).name());
    if (c == nullptr) {
      actions->next_init = i;
      return false;
    }
    switch (c->state) {
      case State::kRunning:
        return false;
      case State::kExited:
        if (c->exit_code == 0) continue;
        if (policy == "Never") {
          actions->init_failed = true;
        } else {
          actions->next_init = i;
        }
        return false;
      case State::kCreated:
      case State::kUnknown:
        actions->kill.push_back(c->id);
        actions->next_init = i;
        return false;
    }
  }
  return true;
}

}  // namespace

PodActions ComputePodActions(const Pod& pod, const PodRuntimeState& runtime,
                             const PodSyncState& sync) {
  PodActions actions;
  if (sync.terminating) {
    KillAll(runtime, &actions);
    return actions;
  }
  const std::string& policy = pod.spec().restart_policy();
  if (runtime.sandbox_id.empty() || !runtime.sandbox_ready) {
    // Under restartPolicy Never a pod whose sandbox died after its containers ran is not
    // started again (it fails); otherwise it restarts in a new sandbox.
    if (policy == "Never" && !runtime.sandbox_id.empty() && !runtime.containers.empty()) {
      KillAll(runtime, &actions);
      return actions;
    }
    FreshStart(pod, runtime, &actions);
    return actions;
  }
  if (!InitDone(pod, runtime, &actions)) return actions;
  for (int i = 0; i < pod.spec().containers_size(); ++i) {
    const std::string& name = pod.spec().containers(i).name();
    const ContainerInstance* c = runtime.Latest(name);
    if (c == nullptr) {
      actions.start.push_back(i);
      continue;
    }
    switch (c->state) {
      case State::kRunning: {
        auto failed = sync.liveness_failed.find(name);
        if (failed == sync.liveness_failed.end() || !failed->second) break;
        actions.kill.push_back(c->id);
        if (policy != "Never") actions.start.push_back(i);
        break;
      }
      case State::kExited:
        if (ShouldRestart(policy, c->exit_code)) actions.start.push_back(i);
        break;
      case State::kCreated:
      case State::kUnknown:
        actions.kill.push_back(c->id);
        actions.start.push_back(i);
        break;
    }
  }
  return actions;
}

}  // namespace pk::kubelet
