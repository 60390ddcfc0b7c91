// The pod-flow trace from the runtime's side: each CRI call of a pod's start (RunPodSandbox,
// PullImage, CreateContainer, StartContainer) becomes a span on the fake-cri lifeline, keyed
// by the pod's UID — from the sandbox config the call carries, or from the Kubernetes labels
// the kubelet puts on each container (io.kubernetes.pod.uid/name/namespace).
#pragma once

#include <string>

#include "proto/cri/v1/api.pb.h"
#include "trace/trace.h"

namespace pk::fakecri {

// The pod of a CRI call, owning its strings (a call may finish after its request is gone).
struct TracedPod {
  std::string uid, ns, name;
  static TracedPod Of(const cri::PodSandboxConfig& config) {
    return {config.metadata().uid(), config.metadata().namespace_(), config.metadata().name()};
  }
  static TracedPod OfLabels(const google::protobuf::Map<std::string, std::string>& labels) {
    auto get = [&](const char* key) {
      auto it = labels.find(key);
      return it == labels.end() ? std::string() : it->second;
    };
    return {get("io.kubernetes.pod.uid"), get("io.kubernetes.pod.namespace"),
            get("io.kubernetes.pod.name")};
  }
};

// Records the call `method` of `pod` from `start_unix_nano` until now, when tracing is on and
// the pod is known.
inline void TraceCall(const TracedPod& pod, const char* method, int64_t start_unix_nano,
                      std::string detail) {
  if (pod.uid.empty() || !trace::Global().enabled()) return;
  trace::Global().Record({pod.uid, pod.ns, pod.name}, method, start_unix_nano,
                         trace::NowUnixNano() - start_unix_nano, std::move(detail));
}

}  // namespace pk::fakecri
