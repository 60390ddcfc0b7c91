// Liveness, readiness and startup probes (Kubernetes' prober manager and workers): each
// probe of each running container runs every periodSeconds after initialDelaySeconds, and
// its result flips after successThreshold successes or failureThreshold failures. Exec
// probes run through CRI ExecSync; httpGet and tcpSocket probes are answered by the
// runtime's simulated container (CRI ProbeContainer). Until a startup probe has succeeded
// the other two do not run. A failed liveness probe asks for a restart; a changed result
// calls `on_change` with the pod's key so the pod is synced.
//
// One scheduler thread runs every probe in turn: cheap for many containers. Thread-safety:
// every method from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "kubelet/runtime_client.h"
#include "kubelet/runtime_state.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::kubelet {

struct ProbeResults {
  std::map<std::string, bool> ready, started, liveness_failed;  // by container name
};

class Prober {
 public:
  using Unhealthy = std::function<void(const k8s::core::v1::Pod&, const std::string& container,
                                       const std::string& message)>;
  // `time_scale` multiplies probe periods and delays; `on_change(pod key)` after a result
  // changed; `unhealthy` for each failed probe (the Unhealthy event).
  Prober(RuntimeClient* runtime, double time_scale,
         std::function<void(const std::string&)> on_change, Unhealthy unhealthy);
  ~Prober();  // stops the thread

  // Probes exactly the running containers of `runtime` that have probes in `pod`.
  void Update(const k8s::core::v1::Pod& pod, const PodRuntimeState& runtime);
  void Forget(const std::string& uid);  // the pod is gone
  ProbeResults Results(const std::string& uid) const;

 private:
  struct Worker;
  void Loop();
  void RunOne(Worker& w);

  RuntimeClient* const runtime_;
  const double time_scale_;
  const std::function<void(const std::string&)> on_change_;
  const Unhealthy unhealthy_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // by container id + probe type
  std::map<std::string, ProbeResults> results_;             // by pod uid
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pk::kubelet
