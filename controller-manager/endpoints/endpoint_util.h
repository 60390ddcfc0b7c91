// The helpers the Endpoints controller shares with Kubernetes' EndpointSlice controller
// (pkg/controller/util/endpoint and pkg/api/v1/pod FindPort, v1.32). Pure functions but
// TriggerTimeTracker, which is thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/lister.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/service.pb.h"

namespace pk::controllers::endpoints {

using k8s::core::v1::Pod;
using k8s::core::v1::Service;

// ShouldPodBeInEndpoints: not terminal (Succeeded/Failed), has an IP, and not being deleted
// unless `include_terminating` (the Service's publishNotReadyAddresses).
bool ShouldPodBeInEndpoints(const Pod& pod, bool include_terminating);

// ShouldSetHostname: the pod names a hostname and its subdomain is this Service's name.
bool ShouldSetHostname(const Pod& pod, const Service& service);

// FindPort: a numeric targetPort as is; a named one looked up (name and protocol) in the
// pod's containers, then in its sidecars (init containers with restartPolicy Always);
// nullopt when the pod has no such port.
std::optional<int32_t> FindPort(const Pod& pod, const k8s::core::v1::ServicePort& port);

// The pod IP of the Service's first IP family (podToEndpointAddressForService); nullopt when
// the pod has none of that family. status.podIP counts when status.podIPs is empty.
std::optional<std::string> PodIpForService(const Service& service, const Pod& pod);

// The Service's selector (a map: every label equal) selects the pod; an empty selector
// selects nothing here (a nil one in Kubernetes; protobuf cannot tell {} from nil).
bool Selects(const Service& service, const Pod& pod);

// GetPodServiceMemberships: "namespace/name" of every Service of the pod's namespace whose
// (non-empty) selector matches the pod's labels.
std::set<std::string> PodServiceMemberships(const client::Lister<Service>& services,
                                            const Pod& pod);

// GetServicesToUpdateOnPodChange: none for a resync (same resourceVersion) or a change no
// Endpoints shows; the pod's services when its deletionTimestamp, readiness, IPs or phase
// (terminal) changed; with changed labels (or hostname, subdomain) also those it left or
// joined.
std::set<std::string> ServicesToUpdateOnPodChange(const client::Lister<Service>& services,
                                                  const Pod& old_pod, const Pod& new_pod);

// TriggerTimeTracker (ComputeEndpointLastChangeTriggerTime): the time of the earliest change
// since a Service's last sync that the Endpoints will reflect: a pod's Ready condition
// lastTransitionTime or the Service's creationTimestamp; the creationTimestamp on a
// Service's first sync; 0 (none) when nothing changed. Times are Unix seconds.
class TriggerTimeTracker {
 public:
  int64_t Compute(const Service& service, const std::vector<client::Ptr<Pod>>& pods);
  void DeleteService(const std::string& key);

 private:
  struct State {
    int64_t service_time = 0;
    std::map<std::string, int64_t> pod_times;  // by pod name
  };
  std::mutex mu_;
  std::map<std::string, State> states_;  // by "namespace/name"
};

}  // namespace pk::controllers::endpoints
