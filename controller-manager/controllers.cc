// The registry of controllers (kube-controller-manager's NewControllerDescriptors): each
// controller's --controllers name and factory. Add a controller here and in its own folder.
#include <fmt/format.h>

#include <set>

#include "controller-manager/controller.h"
#include "controller-manager/daemonset/daemonset_controller.h"
#include "controller-manager/deployment/deployment_controller.h"
#include "controller-manager/endpoints/endpoints_controller.h"
#include "controller-manager/garbagecollector/garbagecollector.h"
#include "controller-manager/job/job_controller.h"
#include "controller-manager/namespace/namespace_controller.h"
#include "controller-manager/nodelifecycle/node_lifecycle_controller.h"
#include "controller-manager/podgc/podgc_controller.h"
#include "controller-manager/replicaset/replicaset_controller.h"
#include "controller-manager/resourcequota/resourcequota_controller.h"
#include "controller-manager/serviceaccount/serviceaccount_controller.h"
#include "controller-manager/statefulset/statefulset_controller.h"
#include "controller-manager/tainteviction/taint_eviction_controller.h"
#include "controller-manager/ttlafterfinished/ttlafterfinished_controller.h"

namespace pk::controllers {

const std::map<std::string, ControllerInfo>& KnownControllers() {
  static const auto* known = new std::map<std::string, ControllerInfo>{
      {"daemonset", {NewDaemonSetController}},
      {"deployment", {NewDeploymentController}},
      {"endpoints", {NewEndpointsController}},
      {"garbagecollector", {NewGarbageCollector}},
      {"job", {NewJobController}},
      {"namespace", {NewNamespaceController}},
      {"nodelifecycle", {NewNodeLifecycleController}},
      {"pod-garbage-collector", {NewPodGCController}},
      {"replicaset", {NewReplicaSetController}},
      {"resourcequota", {NewResourceQuotaController}},
      {"serviceaccount", {NewServiceAccountController}},
      {"statefulset", {NewStatefulSetController}},
      {"taint-eviction-controller", {NewTaintEvictionController}},
      {"ttl-after-finished", {NewTtlAfterFinishedController}},
  };
  return *known;
}

Result<std::vector<std::string>> SelectControllers(const std::vector<std::string>& flag) {
  std::set<std::string> on, off;
  bool star = flag.empty();
  for (const std::string& f : flag) {
    if (f == "*") {
      star = true;
      continue;
    }
    bool disable = !f.empty() && f[0] == '-';
    std::string name = disable ? f.substr(1) : f;
    if (!KnownControllers().count(name)) {
      std::string all;
      for (const auto& [n, info] : KnownControllers()) all += (all.empty() ? "" : ", ") + n;
      return Status::BadRequest(
          fmt::format("\"{}\" is not in the list of known controllers (known: {})", name, all));
    }
    (disable ? off : on).insert(name);
  }
  std::vector<std::string> out;
  for (const auto& [name, info] : KnownControllers()) {
    bool enabled = on.count(name) || (star && info.enabled_by_default);
    if (enabled && !off.count(name)) out.push_back(name);
  }
  return out;
}

}  // namespace pk::controllers
