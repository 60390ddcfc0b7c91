#include "controller-manager/replicaset/replicaset_controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "apimachinery/log.h"
#include "controller-manager/controller_utils.h"
#include "controller-manager/queue_worker.h"
#include "controller-manager/replicaset/claim_pods.h"
#include "controller-manager/replicaset/expectations.h"
#include "controller-manager/replicaset/manage_replicas.h"
#include "controller-manager/replicaset/pod_control.h"
#include "controller-manager/replicaset/replicaset_status.h"

namespace pk::controllers {
namespace {

using k8s::apps::v1::ReplicaSet;
using k8s::core::v1::Pod;
using replicaset::PodPtr;
using RSPtr = client::Ptr<ReplicaSet>;

constexpr char kComponent[] = "replicaset-controller";
constexpr char kControllerUIDIndex[] = "controllerUID";

std::string KeyOf(const k8s::meta::v1::ObjectMeta& meta) {
  return meta.namespace_() + "/" + meta.name();
}

// Kubernetes' ExpectationsTimeout (5 minutes), scaled; never below a second, so that a
// lapse cannot come before a slow watch shows what was done.
client::Clock::Duration ExpectationsTTL(double time_scale) {
  auto ttl =
      std::chrono::duration_cast<client::Clock::Duration>(std::chrono::minutes(5) * time_scale);
  return std::max<client::Clock::Duration>(ttl, std::chrono::seconds(1));
}

class ReplicaSetController : public Controller {
 public:
  explicit ReplicaSetController(const ControllerContext& context)
      : clientset_(*context.clientset),
        clock_(*context.clock),
        rss_(context.factory->ForResource<ReplicaSet>()),
        pods_(context.factory->ForResource<Pod>()),
        control_(clientset_, context.recorder(kComponent)),
        expectations_(clock_, ExpectationsTTL(context.time_scale)),
        worker_("replicaset", [this](const std::string& key) { return Sync(key); }) {
    rss_.AddIndexer(kControllerUIDIndex, [](const ReplicaSet& rs) {
      const auto* ref = replicaset::GetControllerOf(rs.metadata());
      return ref == nullptr ? std::vector<std::string>{} : std::vector<std::string>{ref->uid()};
    });
    rss_.AddEventHandler({
        .on_add = [this](const RSPtr& rs, bool) { worker_.Enqueue(KeyOf(rs->metadata())); },
        .on_update = [this](const RSPtr& old, const RSPtr& cur) { UpdateRS(old, cur); },
        .on_delete =
            [this](const client::Deleted<ReplicaSet>& d) {
              if (d.object != nullptr) DeleteRS(*d.object);
            },
    });
    pods_.AddIndexer(replicaset::kPodControllerUIDIndex, replicaset::PodControllerUIDIndexValues);
    pods_.AddEventHandler({
        .on_add = [this](const PodPtr& pod, bool) { AddPod(*pod); },
        .on_update = [this](const PodPtr& old, const PodPtr& cur) { UpdatePod(*old, *cur); },
        .on_delete =
            [this](const client::Deleted<Pod>& d) {
              if (d.object != nullptr) DeletePod(*d.object);
            },
    });
  }

  void Run(int workers) override { worker_.Run(workers); }
  void Stop() override { worker_.Stop(); }

 private:
  // --- Event handlers: which ReplicaSets to sync, and the expectations observed.

  void UpdateRS(const RSPtr& old, const RSPtr& cur) {
    // A ReplicaSet deleted and created again under the same name between two watch events.
    if (old->metadata().uid() != cur->metadata().uid()) DeleteRS(*old);
    worker_.Enqueue(KeyOf(cur->metadata()));
  }

  void DeleteRS(const ReplicaSet& rs) {
    std::string key = KeyOf(rs.metadata());
    // A ReplicaSet created again with this name starts clean.
    expectations_.DeleteExpectations(key);
    worker_.Enqueue(key);
  }

  void AddPod(const Pod& pod) {
    if (pod.metadata().has_deletion_timestamp()) {
      // Seen for the first time already being deleted (e.g. after a restart): not a creation.
      DeletePod(pod);
      return;
    }
    if (const auto* ref = replicaset::GetControllerOf(pod.metadata()); ref != nullptr) {
      RSPtr rs = ResolveControllerRef(pod.metadata().namespace_(), *ref);
      if (rs == nullptr) return;
      std::string key = KeyOf(rs->metadata());
      expectations_.CreationObserved(key);
      worker_.Enqueue(key);
      return;
    }
    // An orphan: the ReplicaSets that select it may adopt it. No creation is observed.
    for (const RSPtr& rs : PodReplicaSets(pod)) worker_.Enqueue(KeyOf(rs->metadata()));
  }

  void UpdatePod(const Pod& old, const Pod& cur) {
    if (old.metadata().resource_version() == cur.metadata().resource_version()) return;
    bool labels_changed = !SameLabels(old, cur);
    if (cur.metadata().has_deletion_timestamp()) {
      // Graceful deletion started: replace the pod now rather than when it is gone.
      DeletePod(cur);
      if (labels_changed) DeletePod(old);
      return;
    }
    const auto* cur_ref = replicaset::GetControllerOf(cur.metadata());
    const auto* old_ref = replicaset::GetControllerOf(old.metadata());
    bool ref_changed = !SameControllerRef(old, cur);
    if (ref_changed && old_ref != nullptr) {
      if (RSPtr rs = ResolveControllerRef(old.metadata().namespace_(), *old_ref)) {
        worker_.Enqueue(KeyOf(rs->metadata()));
      }
    }
    if (cur_ref != nullptr) {
      RSPtr rs = ResolveControllerRef(cur.metadata().namespace_(), *cur_ref);
      if (rs == nullptr) return;
      std::string key = KeyOf(rs->metadata());
      worker_.Enqueue(key);
      // Availability comes minReadySeconds after readiness: look again then (+1 s of skew).
      int32_t min_ready = rs->spec().min_ready_seconds();
      if (!replicaset::IsPodReady(old) && replicaset::IsPodReady(cur) && min_ready > 0) {
        worker_.EnqueueAfter(key, std::chrono::seconds(min_ready + 1));
      }
      return;
    }
    if (labels_changed || ref_changed) {
      for (const RSPtr& rs : PodReplicaSets(cur)) worker_.Enqueue(KeyOf(rs->metadata()));
    }
  }

  void DeletePod(const Pod& pod) {
    const auto* ref = replicaset::GetControllerOf(pod.metadata());
    if (ref == nullptr) return;  // nobody waits for an orphan's deletion
    RSPtr rs = ResolveControllerRef(pod.metadata().namespace_(), *ref);
    if (rs == nullptr) return;
    std::string key = KeyOf(rs->metadata());
    expectations_.DeletionObserved(key, replicaset::PodKey(pod));
    worker_.Enqueue(key);
  }

  // The ReplicaSet a controllerRef names, if it is one of ours with that UID.
  RSPtr ResolveControllerRef(const std::string& ns, const k8s::meta::v1::OwnerReference& ref) {
    return controllers::ResolveControllerRef(rss_.GetLister(), "ReplicaSet", ns, ref);
  }

  // The ReplicaSets whose (non-empty) selector matches the pod's labels.
  std::vector<RSPtr> PodReplicaSets(const Pod& pod) {
    std::vector<RSPtr> out = ObjectsSelecting(rss_.GetLister(), pod);
    if (out.size() > 1) {
      pk::Logf("replicaset: user error! more than one ReplicaSet is selecting pod %s\n",
               replicaset::PodKey(pod).c_str());
    }
    return out;
  }

  // --- The sync.

  // syncReplicaSet: claims the ReplicaSet's pods, creates or deletes toward spec.replicas
  // when its expectations are satisfied, and writes its status.
  Status Sync(const std::string& key) {
    auto slash = key.find('/');
    std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
    auto found = rss_.GetLister().Get(ns, name);
    if (!found.ok()) {
      expectations_.DeleteExpectations(key);
      return {};
    }
    RSPtr rs = *found;
    bool needs_sync = expectations_.SatisfiedExpectations(key);
    auto selector = SelectorOf(*rs);
    if (!selector.ok()) {
      pk::Logf("replicaset: %s: bad selector: %s\n", key.c_str(),
               selector.status().message().c_str());
      return {};
    }
    // FilterPodsByOwner: the active pods this ReplicaSet controls (those that no longer
    // match are released) and the namespace's orphans (it may adopt them). Pods of other
    // controllers are never claimed, so they are not looked at.
    std::vector<PodPtr> active;
    const auto lister = pods_.GetLister();
    for (const std::string& value : {rs->metadata().uid(), replicaset::OrphanPodIndexKey(ns)}) {
      for (const PodPtr& pod : lister.ByIndex(replicaset::kPodControllerUIDIndex, value)) {
        if (pod->metadata().namespace_() == ns && replicaset::IsPodActive(*pod)) {
          active.push_back(pod);
        }
      }
    }
    auto claim = replicaset::ClaimPods(ClaimContextFor(*rs, *selector), active);
    if (!claim.status.ok()) return claim.status;
    Timestamp now = WallTimestamp(clock_);
    Status manage_error;
    if (needs_sync && !rs->metadata().has_deletion_timestamp()) {
      manage_error =
          replicaset::ManageReplicas(ManageContextFor(*rs, key), *rs, claim.claimed, now);
    }
    auto status = replicaset::CalculateStatus(*rs, claim.claimed, manage_error, now);
    auto updated = replicaset::UpdateReplicaSetStatus(clientset_.Resource<ReplicaSet>(ns), rs,
                                                      std::move(status));
    if (!updated.ok()) return updated.take_status();
    const ReplicaSet& u = **updated;
    // Look again after minReadySeconds, in case no pod event comes when pods become available.
    if (manage_error.ok() && u.spec().min_ready_seconds() > 0 &&
        u.status().ready_replicas() == u.spec().replicas() &&
        u.status().available_replicas() != u.spec().replicas()) {
      worker_.EnqueueAfter(key, std::chrono::seconds(u.spec().min_ready_seconds()));
    }
    return manage_error;
  }

  replicaset::ClaimContext ClaimContextFor(const ReplicaSet& rs, const LabelSelector& selector) {
    // RecheckDeletionTimestamp: a fresh read, as the cache may lag a deletion.
    auto can_adopt = [this, &rs]() -> Status {
      auto fresh =
          clientset_.Resource<ReplicaSet>(rs.metadata().namespace_()).Get(rs.metadata().name());
      if (!fresh.ok()) return fresh.take_status();
      const auto& meta = (*fresh)->metadata();
      if (meta.uid() != rs.metadata().uid()) {
        return Status::Conflict(
            {"apps", "replicasets"}, rs.metadata().name(),
            fmt::format("original ReplicaSet {}/{} is gone: got uid {}, "
                        "wanted {}",
                        meta.namespace_(), meta.name(), meta.uid(), rs.metadata().uid()));
      }
      if (meta.has_deletion_timestamp()) {
        return Status::Conflict(
            {"apps", "replicasets"}, rs.metadata().name(),
            fmt::format("{}/{} has just been deleted at {}", meta.namespace_(), meta.name(),
                        FormatRfc3339(meta.deletion_timestamp().seconds())));
      }
      return {};
    };
    return {&control_, &rs.metadata(), "apps/v1", "ReplicaSet", selector, can_adopt};
  }

  replicaset::ManageContext ManageContextFor(const ReplicaSet& rs, const std::string& key) {
    return {&control_, &expectations_, key, [this, &rs] { return RelatedPods(rs); }};
  }

  // getIndirectlyRelatedPods: the pods of every ReplicaSet with the same controller as `rs`
  // (none when it has no controller, as in Kubernetes: every rank is then 0).
  std::vector<PodPtr> RelatedPods(const ReplicaSet& rs) {
    std::vector<RSPtr> siblings;
    if (const auto* ref = replicaset::GetControllerOf(rs.metadata()); ref != nullptr) {
      siblings = rss_.GetLister().ByIndex(kControllerUIDIndex, ref->uid());
    }
    std::vector<PodPtr> out;
    std::set<std::string> seen;
    auto pods = pods_.GetLister().ByNamespace(rs.metadata().namespace_());
    for (const RSPtr& sibling : siblings) {
      auto selector = SelectorOf(*sibling);
      if (!selector.ok()) continue;
      for (const PodPtr& pod : pods.List(*selector)) {
        if (seen.insert(pod->metadata().uid()).second) out.push_back(pod);
      }
    }
    return out;
  }

  const client::Clientset& clientset_;
  const client::Clock& clock_;
  client::SharedIndexInformer<ReplicaSet> rss_;
  client::SharedIndexInformer<Pod> pods_;
  replicaset::PodControl control_;
  replicaset::ControllerExpectations expectations_;
  QueueWorker worker_;  // last: its workers use the members above
};

}  // namespace

Result<std::unique_ptr<Controller>> NewReplicaSetController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new ReplicaSetController(context));
}

}  // namespace pk::controllers
