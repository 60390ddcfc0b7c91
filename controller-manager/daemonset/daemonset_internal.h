// The DaemonSet controller's class, shared by its files as Kubernetes splits them:
// daemonset_controller.cc (event handlers, the sync entry point), manage.cc (pods per node,
// creations and deletions, status), update.cc (RollingUpdate) and history.cc (the
// ControllerRevision history).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "client/clientset.h"
#include "client/event_recorder.h"
#include "client/informer_factory.h"
#include "controller-manager/controller.h"
#include "controller-manager/daemonset/daemonset_util.h"
#include "controller-manager/job/expectations.h"
#include "controller-manager/queue_worker.h"
#include "controller-manager/replicaset/pod_control.h"

namespace pk::controllers::daemonset {

using k8s::apps::v1::ControllerRevision;
using DSPtr = client::Ptr<DaemonSet>;
using NodePtr = client::Ptr<Node>;
using RevisionPtr = client::Ptr<ControllerRevision>;
// The daemon pods of a DaemonSet by the node they target (GetTargetNodeName).
using NodeToPods = std::map<std::string, std::vector<PodPtr>>;

inline constexpr char kComponent[] = "daemonset-controller";
// Kubernetes' BurstReplicas: at most this many creations or deletions per sync.
inline constexpr int kBurstReplicas = 250;

// failedPodsBackoff (flowcontrol.Backoff, 1 s doubling to 15 min): how soon a failed daemon
// pod on a node may be deleted again. Thread-safe.
class FailedPodsBackoff {
 public:
  FailedPodsBackoff(const client::Clock& clock, double time_scale);
  // Whether `key` is within its back-off since its last Next (IsInBackOffSinceUpdate).
  bool InBackoff(const std::string& key) const;
  client::Clock::Duration Get(const std::string& key) const;
  // Starts or doubles the back-off of `key` from now.
  void Next(const std::string& key);

 private:
  struct Entry {
    client::Clock::Duration backoff;
    client::Clock::TimePoint last_update;
  };
  const client::Clock& clock_;
  const client::Clock::Duration initial_, max_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
};

class DaemonSetsController : public Controller {
 public:
  explicit DaemonSetsController(const ControllerContext& context);
  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  // --- daemonset_controller.cc ---
  void RegisterHandlers();
  void Enqueue(const DaemonSet& ds);
  void AddPod(const Pod& pod);
  void UpdatePod(const Pod& old, const Pod& cur);
  void DeletePod(const Pod& pod);
  void AddNode(const Node& node);
  void UpdateNode(const Node& old, const Node& cur);
  void AddRevision(const ControllerRevision& revision);
  void UpdateRevision(const ControllerRevision& old, const ControllerRevision& cur);
  void DeleteRevision(const ControllerRevision& revision);
  // The DaemonSet a controllerRef in `ns` names, when the cache has it with that UID.
  DSPtr ResolveControllerRef(const std::string& ns, const k8s::meta::v1::OwnerReference& ref);
  // The DaemonSets whose (non-empty) selector matches an orphan's labels (a pod's or a
  // ControllerRevision's).
  std::vector<DSPtr> DaemonSetsSelecting(const k8s::meta::v1::ObjectMeta& meta);
  // syncDaemonSet.
  Status Sync(const std::string& key);
  // updateDaemonSet: manage, then the rolling update once expectations are met, then the
  // history clean-up.
  Status UpdateDaemonSet(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                         const std::string& hash, const std::string& key,
                         const std::vector<RevisionPtr>& old);

  // --- manage.cc ---
  // RecheckDeletionTimestamp: a fresh read before the first adoption; Conflict when the
  // DaemonSet was replaced or is being deleted.
  Status RecheckDeletionTimestamp(const DaemonSet& ds);
  // getNodesToDaemonPods: claims the DaemonSet's pods (adopting and releasing), grouped by
  // target node; terminal pods being deleted are left out.
  Result<NodeToPods> NodesToDaemonPods(const DaemonSet& ds);
  Status Manage(const DaemonSet& ds, const std::vector<NodePtr>& nodes, const std::string& hash);
  // podsShouldBeOnNode: appends to `create` (node names) and `remove` (pod names).
  void PodsShouldBeOnNode(const Node& node, const NodeToPods& by_node, const DaemonSet& ds,
                          const std::string& hash, std::vector<std::string>* create,
                          std::vector<std::string>* remove);
  // syncNodes: creates a pod for each node of `create` (slow start batches) and deletes the
  // pods of `remove`, with expectations set first.
  Status SyncNodes(const DaemonSet& ds, std::vector<std::string> remove,
                   std::vector<std::string> create, const std::string& hash);
  Status CreateBatch(const DaemonSet& ds, const std::string& key,
                     const k8s::core::v1::PodTemplateSpec& tmpl,
                     const std::vector<std::string>& nodes);
  // updateDaemonSetStatus and storeDaemonSetStatus.
  Status UpdateStatus(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                      const std::string& hash, bool update_observed_generation);
  Status StoreStatus(const DaemonSet& ds, const k8s::apps::v1::DaemonSetStatus& status,
                     bool update_observed_generation);

  // --- update.cc ---
  Status RollingUpdate(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                       const std::string& hash);
  Status SurgingRollingUpdate(const DaemonSet& ds, NodeToPods by_node, int32_t max_surge,
                              int32_t desired, const std::string& hash);

  // --- history.cc ---
  // constructHistory: the current revision (made or renumbered as needed) and the old ones.
  Result<std::pair<RevisionPtr, std::vector<RevisionPtr>>> ConstructHistory(const DaemonSet& ds);
  Result<RevisionPtr> Snapshot(const DaemonSet& ds, int64_t revision);
  Result<RevisionPtr> DedupCurrentHistories(const DaemonSet& ds,
                                            const std::vector<RevisionPtr>& current);
  Status CleanupHistory(const DaemonSet& ds, std::vector<RevisionPtr> old);
  // controlledHistories (ClaimControllerRevisions): the ControllerRevisions the DaemonSet
  // controls, adopting matching orphans and releasing owned ones that stopped matching.
  Result<std::vector<RevisionPtr>> ControlledHistories(const DaemonSet& ds);
  // Adopts or releases `revision` with a strategic merge patch of its ownerReferences.
  Status PatchRevisionOwner(const DaemonSet& ds, const ControllerRevision& revision, bool adopt);

  const client::Clientset& clientset_;
  const client::Clock& clock_;
  client::EventRecorder& recorder_;
  client::SharedIndexInformer<DaemonSet> dss_;
  client::SharedIndexInformer<Pod> pods_;
  client::SharedIndexInformer<Node> nodes_;
  client::SharedIndexInformer<ControllerRevision> revisions_;
  replicaset::PodControl control_;
  Expectations expectations_;
  FailedPodsBackoff failed_pods_backoff_;
  QueueWorker worker_;  // last: its workers use the members above
};

// getPatch: the JSON of {"spec":{"template":TEMPLATE}} with "$patch":"replace" in the
// template, keys sorted (what a ControllerRevision of a DaemonSet holds).
std::string GetPatch(const DaemonSet& ds);
// Match: whether the revision holds the DaemonSet's current template (compared as JSON
// values, so that a re-encoding of the stored bytes does not count).
bool Match(const DaemonSet& ds, const ControllerRevision& revision);

}  // namespace pk::controllers::daemonset
