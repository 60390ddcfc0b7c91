#include "controller-manager/statefulset/statefulset_controller.h"

#include <fmt/format.h>

#include "apimachinery/log.h"
#include "controller-manager/controller_utils.h"
#include "controller-manager/queue_worker.h"
#include "controller-manager/replicaset/claim_pods.h"
#include "controller-manager/replicaset/pod_control.h"
#include "controller-manager/statefulset/history.h"
#include "controller-manager/statefulset/stateful_pod_control.h"
#include "controller-manager/statefulset/stateful_set_control.h"

namespace pk::controllers {
namespace {

using k8s::apps::v1::ControllerRevision;
using k8s::apps::v1::StatefulSet;
using k8s::core::v1::Pod;
using statefulset::PodPtr;
using SetPtr = client::Ptr<StatefulSet>;

constexpr char kComponent[] = "statefulset-controller";

std::string KeyOf(const k8s::meta::v1::ObjectMeta& meta) {
  return meta.namespace_() + "/" + meta.name();
}

class StatefulSetController : public Controller {
 public:
  explicit StatefulSetController(const ControllerContext& context)
      : clientset_(*context.clientset),
        sets_(context.factory->ForResource<StatefulSet>()),
        pods_(context.factory->ForResource<Pod>()),
        revisions_(context.factory->ForResource<ControllerRevision>()),
        patcher_(clientset_, context.recorder(kComponent)),
        pod_control_(clientset_, context.recorder(kComponent)),
        history_(clientset_, revisions_.GetLister()),
        control_(clientset_, pod_control_, history_, *context.clock),
        worker_("statefulset", [this](const std::string& key) { return Sync(key); }) {
    sets_.AddEventHandler({
        .on_add = [this](const SetPtr& s, bool) { worker_.Enqueue(KeyOf(s->metadata())); },
        .on_update = [this](const SetPtr&,
                            const SetPtr& cur) { worker_.Enqueue(KeyOf(cur->metadata())); },
        .on_delete =
            [this](const client::Deleted<StatefulSet>& d) {
              if (d.object != nullptr) worker_.Enqueue(KeyOf(d.object->metadata()));
            },
    });
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
  // --- Event handlers: which StatefulSets to sync.

  void AddPod(const Pod& pod) {
    if (pod.metadata().has_deletion_timestamp()) {
      DeletePod(pod);
      return;
    }
    if (const auto* ref = replicaset::GetControllerOf(pod.metadata()); ref != nullptr) {
      if (SetPtr set = ResolveControllerRef(pod.metadata().namespace_(), *ref)) {
        worker_.Enqueue(KeyOf(set->metadata()));
      }
      return;
    }
    // An orphan: the sets that select it may adopt it.
    for (const SetPtr& set : PodStatefulSets(pod)) worker_.Enqueue(KeyOf(set->metadata()));
  }

  void UpdatePod(const Pod& old, const Pod& cur) {
    if (old.metadata().resource_version() == cur.metadata().resource_version()) return;
    bool labels_changed = !SameLabels(old, cur);
    bool ref_changed = !SameControllerRef(old, cur);
    const auto* old_ref = replicaset::GetControllerOf(old.metadata());
    if (ref_changed && old_ref != nullptr) {
      if (SetPtr set = ResolveControllerRef(old.metadata().namespace_(), *old_ref)) {
        worker_.Enqueue(KeyOf(set->metadata()));
      }
    }
    if (const auto* ref = replicaset::GetControllerOf(cur.metadata()); ref != nullptr) {
      SetPtr set = ResolveControllerRef(cur.metadata().namespace_(), *ref);
      if (set == nullptr) return;
      std::string key = KeyOf(set->metadata());
      worker_.Enqueue(key);
      // Availability comes minReadySeconds after readiness: look again then.
      int32_t min_ready = set->spec().min_ready_seconds();
      if (!replicaset::IsPodReady(old) && replicaset::IsPodReady(cur) && min_ready > 0) {
        worker_.EnqueueAfter(key, std::chrono::seconds(min_ready));
      }
      return;
    }
    if (labels_changed || ref_changed) {
      for (const SetPtr& set : PodStatefulSets(cur)) worker_.Enqueue(KeyOf(set->metadata()));
    }
  }

  void DeletePod(const Pod& pod) {
    const auto* ref = replicaset::GetControllerOf(pod.metadata());
    if (ref == nullptr) return;
    if (SetPtr set = ResolveControllerRef(pod.metadata().namespace_(), *ref)) {
      worker_.Enqueue(KeyOf(set->metadata()));
    }
  }

  // The StatefulSet a controllerRef names, if it is one of ours with that UID.
  SetPtr ResolveControllerRef(const std::string& ns, const k8s::meta::v1::OwnerReference& ref) {
    return controllers::ResolveControllerRef(sets_.GetLister(), "StatefulSet", ns, ref);
  }

  // getStatefulSetsForPod: the sets whose (non-empty) selector matches the pod's labels.
  std::vector<SetPtr> PodStatefulSets(const Pod& pod) {
    std::vector<SetPtr> out = ObjectsSelecting(sets_.GetLister(), pod);
    if (out.size() > 1) {
      pk::Logf("statefulset: user error! more than one StatefulSet is selecting pod %s/%s\n",
               pod.metadata().namespace_().c_str(), pod.metadata().name().c_str());
    }
    return out;
  }

  // --- The sync.

  // sync: adopts orphaned revisions, claims the set's pods, and reconciles.
  Status Sync(const std::string& key) {
    auto slash = key.find('/');
    auto found = sets_.GetLister().Get(key.substr(0, slash), key.substr(slash + 1));
    if (!found.ok()) return {};  // deleted: its pods and revisions go with the GC
    SetPtr set = *found;
    auto selector = SelectorOf(*set);
    if (!selector.ok()) {
      pk::Logf("statefulset: %s: bad selector: %s\n", key.c_str(),
               selector.status().message().c_str());
      return {};
    }
    if (Status s = AdoptOrphanRevisions(*set); !s.ok()) return s;
    auto claimed = ClaimPods(*set, *selector);
    if (!claimed.ok()) return claimed.take_status();
    auto status = control_.UpdateStatefulSet(*set, *claimed);
    if (!status.ok()) return status.take_status();
    // Look again after minReadySeconds, in case no pod event comes when pods become available.
    int32_t min_ready = set->spec().min_ready_seconds();
    if (min_ready > 0 && status->available_replicas() != set->spec().replicas()) {
      worker_.EnqueueAfter(key, std::chrono::seconds(min_ready));
    }
    return {};
  }

  Status AdoptOrphanRevisions(const StatefulSet& set) {
    auto revisions = control_.ListRevisions(set);
    if (!revisions.ok()) return revisions.take_status();
    std::vector<statefulset::RevisionPtr> orphans;
    for (const auto& r : *revisions) {
      if (replicaset::GetControllerOf(r->metadata()) == nullptr) orphans.push_back(r);
    }
    if (orphans.empty()) return {};
    if (Status s = CanAdopt(set); !s.ok()) {
      return Status(s.reason(), "can't adopt ControllerRevisions: " + s.message());
    }
    return control_.AdoptOrphanRevisions(set, orphans);
  }

  // RecheckDeletionTimestamp: a fresh read, as the cache may lag a deletion or replacement.
  Status CanAdopt(const StatefulSet& set) {
    const auto& meta = set.metadata();
    auto fresh = clientset_.Resource<StatefulSet>(meta.namespace_()).Get(meta.name());
    if (!fresh.ok()) return fresh.take_status();
    const auto& now = (*fresh)->metadata();
    if (now.uid() != meta.uid()) {
      return Status::Conflict({"apps", "statefulsets"}, meta.name(),
                              fmt::format("original StatefulSet {}/{} is gone: got uid {}, "
                                          "wanted {}",
                                          meta.namespace_(), meta.name(), now.uid(), meta.uid()));
    }
    if (now.has_deletion_timestamp()) {
      return Status::Conflict(
          {"apps", "statefulsets"}, meta.name(),
          fmt::format("{}/{} has just been deleted at {}", meta.namespace_(), meta.name(),
                      FormatRfc3339(now.deletion_timestamp().seconds())));
    }
    return {};
  }

  replicaset::ClaimContext ClaimContextFor(const StatefulSet& set, const LabelSelector& selector) {
    replicaset::ClaimContext c;
    c.control = &patcher_;
    c.controller = &set.metadata();
    c.api_version = "apps/v1";
    c.kind = "StatefulSet";
    c.selector = selector;
    c.can_adopt = [this, &set] { return CanAdopt(set); };
    return c;
  }

  // getPodsForStatefulSet: the pods the set owns after adopting matching orphans named as
  // its own (NAME-ORDINAL) and releasing owned pods that stopped matching its selector.
  // Kubernetes also releases owned pods not named as its own; those are only ignored here.
  Result<std::vector<PodPtr>> ClaimPods(const StatefulSet& set, const LabelSelector& selector) {
    std::vector<PodPtr> candidates;
    for (const PodPtr& pod : pods_.GetLister().ByNamespace(set.metadata().namespace_()).List()) {
      const auto* ref = replicaset::GetControllerOf(pod->metadata());
      bool owned = ref != nullptr && ref->uid() == set.metadata().uid();
      if (owned || statefulset::IsMemberOf(set, *pod)) candidates.push_back(pod);
    }
    auto claim = replicaset::ClaimPods(ClaimContextFor(set, selector), candidates);
    if (!claim.status.ok()) return claim.status;
    std::vector<PodPtr> out;
    for (const PodPtr& pod : claim.claimed) {
      if (statefulset::IsMemberOf(set, *pod)) out.push_back(pod);
    }
    return out;
  }

  const client::Clientset& clientset_;
  client::SharedIndexInformer<StatefulSet> sets_;
  client::SharedIndexInformer<Pod> pods_;
  client::SharedIndexInformer<ControllerRevision> revisions_;
  replicaset::PodControl patcher_;  // adoption and release patches
  statefulset::StatefulPodControl pod_control_;
  statefulset::History history_;
  statefulset::StatefulSetControl control_;
  QueueWorker worker_;  // last: its workers use the members above
};

}  // namespace

Result<std::unique_ptr<Controller>> NewStatefulSetController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new StatefulSetController(context));
}

}  // namespace pk::controllers
