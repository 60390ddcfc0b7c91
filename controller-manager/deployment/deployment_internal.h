// The Deployment controller's class, shared by its files: deployment_controller.cc (events,
// the sync entry point, ReplicaSet adoption), sync.cc (the new ReplicaSet, scaling, clean-up,
// status), rolling.cc, recreate.cc and progress.cc, as Kubernetes splits it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "client/clientset.h"
#include "client/event_recorder.h"
#include "client/informer_factory.h"
#include "controller-manager/controller.h"
#include "controller-manager/deployment/deployment_util.h"
#include "controller-manager/queue_worker.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::deployment {

using k8s::core::v1::Pod;
// Pods by the uid of the ReplicaSet that controls them (for Recreate).
using PodMap = std::map<std::string, std::vector<client::Ptr<Pod>>>;

class DeploymentController : public Controller {
 public:
  explicit DeploymentController(const ControllerContext& context);
  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  // --- deployment_controller.cc ---
  void RegisterHandlers();
  void Enqueue(const Deployment& d);
  void OnReplicaSet(const client::Ptr<ReplicaSet>& rs);
  void OnReplicaSetUpdate(const client::Ptr<ReplicaSet>& old, const client::Ptr<ReplicaSet>& rs);
  void OnPodDelete(const client::Ptr<Pod>& pod);
  // The Deployment `ref` (a controller reference in `ns`) names, if it is in the cache.
  client::Ptr<Deployment> ResolveControllerRef(const std::string& ns,
                                               const k8s::meta::v1::OwnerReference& ref);
  // Deployments whose selector matches an orphan ReplicaSet's labels.
  std::vector<client::Ptr<Deployment>> DeploymentsForReplicaSet(const ReplicaSet& rs);
  Status Sync(const std::string& key);
  // getReplicaSetsForDeployment: the ReplicaSets it controls, adopting matching orphans and
  // releasing owned ones that no longer match.
  Result<RSList> ReplicaSetsFor(const Deployment& d);
  PodMap PodMapFor(const Deployment& d, const RSList& rss);

  // --- sync.cc ---
  Status SyncStatusOnly(Deployment* d, const RSList& rss);
  // sync: scaling events and paused Deployments.
  Status SyncScale(Deployment* d, const RSList& rss);
  Status CheckPausedConditions(Deployment* d);
  struct Sets {
    RSPtr new_rs;    // null when none exists (and none was to be made)
    RSList old_rss;  // every other ReplicaSet
    RSList All() const;
  };
  Result<Sets> GetAllReplicaSetsAndSyncRevision(Deployment* d, const RSList& rss, bool create);
  Result<RSPtr> GetNewReplicaSet(Deployment* d, const RSList& rss, const RSList& old_rss,
                                 bool create);
  Result<RSPtr> CreateNewReplicaSet(Deployment* d, const RSList& old_rss,
                                    const std::string& revision);
  Status Scale(Deployment* d, const RSPtr& new_rs, const RSList& old_rss);
  Status ScaleProportionally(Deployment* d, RSList active);
  // scaleReplicaSetAndRecordEvent (or, with `same_size_too`, scaleReplicaSet: the replica
  // annotations are brought up to date even at the same size): the scaled ReplicaSet, or
  // `rs` itself when nothing changed; `scaled` tells whether its size changed. `operation`
  // ("up"/"down") is the event's word, by default the direction of the change.
  Result<RSPtr> ScaleReplicaSet(const RSPtr& rs, int32_t size, const Deployment& d,
                                bool* scaled = nullptr, std::string operation = "",
                                bool same_size_too = false);
  Status CleanupDeployment(const RSList& old_rss, const Deployment& d);
  Status SyncDeploymentStatus(const RSList& all, const RSPtr& new_rs, Deployment* d);
  Result<bool> IsScalingEvent(Deployment* d, const RSList& rss);
  // UpdateStatus of `d`, refreshing its resourceVersion on success.
  Status WriteStatus(Deployment* d);

  // --- rolling.cc ---
  Status RolloutRolling(Deployment* d, const RSList& rss);
  Result<bool> ReconcileNewReplicaSet(const RSList& all, const RSPtr& new_rs, const Deployment& d);
  Result<bool> ReconcileOldReplicaSets(const RSList& all, RSList old_rss, const RSPtr& new_rs,
                                       const Deployment& d);
  Result<int32_t> CleanupUnhealthyReplicas(RSList* old_rss, const Deployment& d,
                                           int32_t max_cleanup);
  Result<int32_t> ScaleDownOldForRollingUpdate(const RSList& all, RSList old_rss,
                                               const Deployment& d);

  // --- recreate.cc ---
  Status RolloutRecreate(Deployment* d, const RSList& rss, const PodMap& pods);

  // --- progress.cc ---
  Status SyncRolloutStatus(const RSList& all, const RSPtr& new_rs, Deployment* d);
  void RequeueStuckDeployment(const Deployment& d, const DeploymentStatus& status);

  const client::Clientset& clientset_;
  client::EventRecorder& recorder_;
  client::SharedIndexInformer<Deployment> deployments_;
  client::SharedIndexInformer<ReplicaSet> replica_sets_;
  client::SharedIndexInformer<Pod> pods_;
  QueueWorker worker_;
};

}  // namespace pk::controllers::deployment
