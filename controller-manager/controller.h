// What every controller is and gets (kube-controller-manager's ControllerContext and
// InitFunc): a controller registers its informers' handlers on the shared factory when it is
// made, and runs its workers once the caches are synced. The registry names every controller
// as Kubernetes' --controllers flag does ("replicaset", "deployment", "job", ...).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "apimachinery/status.h"
#include "client/clientset.h"
#include "client/clock.h"
#include "client/event_recorder.h"
#include "client/informer_factory.h"

namespace pk::controllers {

struct ControllerContext {
  const client::Clientset* clientset;
  client::SharedInformerFactory* factory;  // one informer per resource for every controller
  // An event recorder for a controller ("replicaset-controller"); owned by the manager.
  std::function<client::EventRecorder&(const std::string& component)> recorder;
  const client::Clock* clock = &client::RealClock();
  // Multiplies the controllers' own timings (node monitor grace period, eviction delays,
  // TTLs...) for simulations: 0.1 runs ten times faster.
  double time_scale = 1.0;
  // --terminated-pod-gc-threshold: the pod garbage collector keeps this many terminated pods.
  int terminated_pod_gc_threshold = 12500;
  // --resource-quota-sync-period: how often every quota is recounted.
  std::chrono::milliseconds resource_quota_sync_period{std::chrono::minutes(5)};
};

class Controller {
 public:
  virtual ~Controller() = default;
  // Starts `workers` workers (the caches are synced); returns at once.
  virtual void Run(int workers) = 0;
  // Stops the workers and waits for them. Idempotent.
  virtual void Stop() = 0;
};

using ControllerFactory =
    std::function<Result<std::unique_ptr<Controller>>(const ControllerContext& context)>;

struct ControllerInfo {
  ControllerFactory factory;
  bool enabled_by_default = true;
};

// Every controller this binary has, by its --controllers name (controllers.cc).
const std::map<std::string, ControllerInfo>& KnownControllers();

// The controllers --controllers selects, as Kubernetes reads it: "*" (every controller
// enabled by default), "name", "-name"; BadRequest naming an unknown controller.
Result<std::vector<std::string>> SelectControllers(const std::vector<std::string>& flag);

}  // namespace pk::controllers
