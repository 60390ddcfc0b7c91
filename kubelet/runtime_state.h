// What the kubelet knows about one pod: the runtime's view (sandbox and container
// instances, from CRI) and the kubelet's own (why a container waits, probe results). Both
// are plain values, so status generation and sync decisions are pure functions of them
// (pod_status.h, pod_actions.h), tested without a runtime.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pk::kubelet {

// One instance (attempt) of a container, as CRI ContainerStatus reports it.
struct ContainerInstance {
  enum class State { kCreated, kRunning, kExited, kUnknown };
  std::string id;
  std::string name;      // the pod spec's container name
  uint32_t attempt = 0;  // 0 for the first instance; the restart count
  State state = State::kUnknown;
  int32_t exit_code = 0;
  std::string reason;  // Completed, Error, OOMKilled
  std::string message;
  int64_t created_at = 0, started_at = 0, finished_at = 0;  // ns since the Unix epoch
  std::string image;      // as the runtime names it: docker.io/library/nginx:latest
  std::string image_ref;  // the image id
  std::string pod_uid;    // from the labels the kubelet put on it
  std::string node;
};

// The runtime's view of a pod: its newest sandbox and every container instance the runtime
// still holds (the kubelet keeps the latest two per name: the current and the previous one).
struct PodRuntimeState {
  std::string sandbox_id;  // empty: no sandbox
  bool sandbox_ready = false;
  uint32_t sandbox_attempt = 0;
  std::string ip;
  std::vector<ContainerInstance> containers;

  // The newest instance of container `name` (highest attempt), or null.
  const ContainerInstance* Latest(const std::string& name) const;
  // The instance before the newest one, or null.
  const ContainerInstance* Previous(const std::string& name) const;
};

// The kubelet's own knowledge of a pod's containers, by container name.
struct PodSyncState {
  struct Waiting {
    std::string reason;  // ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerError
    std::string message;
  };
  std::map<std::string, Waiting> waiting;  // why a container is not running, when the kubelet knows
  std::map<std::string, bool> ready;       // readiness probe results (absent: no probe yet)
  std::map<std::string, bool> started;     // startup probe results (absent: no probe yet)
  std::map<std::string, bool> liveness_failed;  // a liveness probe asked for a restart
  bool terminating = false;                     // deletionTimestamp set: nothing starts
};

}  // namespace pk::kubelet
