#include "controller-manager/daemonset/daemonset_controller.h"

#include "apimachinery/log.h"
#include "apimachinery/selectors.h"
#include "controller-manager/controller_utils.h"
#include "controller-manager/daemonset/daemonset_internal.h"

namespace pk::controllers {
namespace daemonset {
namespace {

std::string KeyOf(const k8s::meta::v1::ObjectMeta& meta) {
  return meta.namespace_() + "/" + meta.name();
}

client::Clock::Duration Scaled(client::Clock::Duration d, double time_scale) {
  return std::chrono::duration_cast<client::Clock::Duration>(d * time_scale);
}

// shouldIgnoreNodeUpdate: of what may change on a node, only labels and taints decide
// placement.
bool ShouldIgnoreNodeUpdate(const Node& old, const Node& cur) {
  if (!SameStringMap(old.metadata().labels(), cur.metadata().labels())) return false;
  if (old.spec().taints_size() != cur.spec().taints_size()) return false;
  for (int i = 0; i < old.spec().taints_size(); ++i) {
    if (old.spec().taints(i).SerializeAsString() != cur.spec().taints(i).SerializeAsString()) {
      return false;
    }
  }
  return true;
}

bool IsReady(const Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return c.status() == "True";
  }
  return false;
}

}  // namespace

FailedPodsBackoff::FailedPodsBackoff(const client::Clock& clock, double time_scale)
    : clock_(clock),
      initial_(std::max<client::Clock::Duration>(Scaled(std::chrono::seconds(1), time_scale),
                                                 std::chrono::milliseconds(10))),
      max_(std::max<client::Clock::Duration>(Scaled(std::chrono::minutes(15), time_scale),
                                             initial_)) {}

bool FailedPodsBackoff::InBackoff(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  return it != entries_.end() && clock_.Now() - it->second.last_update < it->second.backoff;
}

client::Clock::Duration FailedPodsBackoff::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? client::Clock::Duration() : it->second.backoff;
}

void FailedPodsBackoff::Next(const std::string& key) {
  std::lock_guard lock(mu_);
  auto now = clock_.Now();
  auto it = entries_.find(key);
  // An entry idle for twice the maximum starts over (flowcontrol's hasExpired).
  if (it == entries_.end() || now - it->second.last_update > 2 * max_) {
    entries_[key] = {initial_, now};
    return;
  }
  it->second.backoff = std::min(it->second.backoff * 2, max_);
  it->second.last_update = now;
}

DaemonSetsController::DaemonSetsController(const ControllerContext& context)
    : clientset_(*context.clientset),
      clock_(*context.clock),
      recorder_(context.recorder(kComponent)),
      dss_(context.factory->ForResource<DaemonSet>()),
      pods_(context.factory->ForResource<Pod>()),
      nodes_(context.factory->ForResource<Node>()),
      revisions_(context.factory->ForResource<ControllerRevision>()),
      control_(clientset_, recorder_),
      expectations_(clock_),
      failed_pods_backoff_(clock_, context.time_scale),
      worker_("daemonset", [this](const std::string& key) { return Sync(key); }) {
  RegisterHandlers();
}

void DaemonSetsController::RegisterHandlers() {
  dss_.AddEventHandler({
      .on_add = [this](const DSPtr& ds, bool) { Enqueue(*ds); },
      .on_update =
          [this](const DSPtr& old, const DSPtr& cur) {
            // Deleted and created again under the same name between two watch events.
            if (old->metadata().uid() != cur->metadata().uid()) {
              expectations_.Delete(KeyOf(old->metadata()));
            }
            Enqueue(*cur);
          },
      .on_delete =
          [this](const client::Deleted<DaemonSet>& d) {
            if (d.object == nullptr) return;
            expectations_.Delete(KeyOf(d.object->metadata()));
            Enqueue(*d.object);
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
  nodes_.AddEventHandler({
      .on_add = [this](const NodePtr& node, bool) { AddNode(*node); },
      .on_update = [this](const NodePtr& old, const NodePtr& cur) { UpdateNode(*old, *cur); },
      // Kubernetes leaves pods of deleted nodes to the pod GC; unscheduled ones that target
      // the node are deleted by the next sync, which this starts.
      .on_delete =
          [this](const client::Deleted<Node>&) {
            for (const DSPtr& ds : dss_.GetLister().List()) Enqueue(*ds);
          },
  });
  revisions_.AddEventHandler({
      .on_add = [this](const RevisionPtr& r, bool) { AddRevision(*r); },
      .on_update = [this](const RevisionPtr& old,
                          const RevisionPtr& cur) { UpdateRevision(*old, *cur); },
      .on_delete =
          [this](const client::Deleted<ControllerRevision>& d) {
            if (d.object != nullptr) DeleteRevision(*d.object);
          },
  });
}

void DaemonSetsController::Enqueue(const DaemonSet& ds) { worker_.Enqueue(KeyOf(ds.metadata())); }

void DaemonSetsController::AddPod(const Pod& pod) {
  if (pod.metadata().has_deletion_timestamp()) {
    // Seen for the first time already being deleted (e.g. after a restart).
    DeletePod(pod);
    return;
  }
  if (const auto* ref = replicaset::GetControllerOf(pod.metadata()); ref != nullptr) {
    DSPtr ds = ResolveControllerRef(pod.metadata().namespace_(), *ref);
    if (ds == nullptr) return;
    expectations_.CreationObserved(KeyOf(ds->metadata()));
    Enqueue(*ds);
    return;
  }
  // An orphan: the DaemonSets that select it may adopt it.
  for (const DSPtr& ds : DaemonSetsSelecting(pod.metadata())) Enqueue(*ds);
}

void DaemonSetsController::UpdatePod(const Pod& old, const Pod& cur) {
  if (old.metadata().resource_version() == cur.metadata().resource_version()) return;
  if (cur.metadata().has_deletion_timestamp()) {
    // Graceful deletion started: act now rather than when the pod is gone.
    DeletePod(cur);
    return;
  }
  const auto* cur_ref = replicaset::GetControllerOf(cur.metadata());
  const auto* old_ref = replicaset::GetControllerOf(old.metadata());
  bool ref_changed = (cur_ref == nullptr) != (old_ref == nullptr) ||
                     (cur_ref != nullptr && cur_ref->uid() != old_ref->uid());
  if (ref_changed && old_ref != nullptr) {
    if (DSPtr ds = ResolveControllerRef(old.metadata().namespace_(), *old_ref)) Enqueue(*ds);
  }
  if (cur_ref != nullptr) {
    DSPtr ds = ResolveControllerRef(cur.metadata().namespace_(), *cur_ref);
    if (ds == nullptr) return;
    Enqueue(*ds);
    // Availability comes minReadySeconds after readiness: look again then (+1 s of skew).
    int32_t min_ready = ds->spec().min_ready_seconds();
    if (!IsReady(old) && IsReady(cur) && min_ready > 0) {
      worker_.EnqueueAfter(KeyOf(ds->metadata()), std::chrono::seconds(min_ready + 1));
    }
    return;
  }
  if (ref_changed || !SameStringMap(old.metadata().labels(), cur.metadata().labels())) {
    for (const DSPtr& ds : DaemonSetsSelecting(cur.metadata())) Enqueue(*ds);
  }
}

void DaemonSetsController::DeletePod(const Pod& pod) {
  const auto* ref = replicaset::GetControllerOf(pod.metadata());
  if (ref == nullptr) return;  // nobody waits for an orphan's deletion
  DSPtr ds = ResolveControllerRef(pod.metadata().namespace_(), *ref);
  if (ds == nullptr) return;
  expectations_.DeletionObserved(KeyOf(ds->metadata()));
  Enqueue(*ds);
}

void DaemonSetsController::AddNode(const Node& node) {
  for (const DSPtr& ds : dss_.GetLister().List()) {
    if (NodeShouldRunDaemonPod(node, *ds).should_run) Enqueue(*ds);
  }
}

void DaemonSetsController::UpdateNode(const Node& old, const Node& cur) {
  if (ShouldIgnoreNodeUpdate(old, cur)) return;
  for (const DSPtr& ds : dss_.GetLister().List()) {
    NodePlacement before = NodeShouldRunDaemonPod(old, *ds);
    NodePlacement after = NodeShouldRunDaemonPod(cur, *ds);
    if (before.should_run != after.should_run ||
        before.should_continue_running != after.should_continue_running) {
      Enqueue(*ds);
    }
  }
}

// addHistory: an owned revision needs nothing; an orphan wakes the DaemonSets that may adopt
// it.
void DaemonSetsController::AddRevision(const ControllerRevision& revision) {
  if (revision.metadata().has_deletion_timestamp()) {
    DeleteRevision(revision);
    return;
  }
  if (replicaset::GetControllerOf(revision.metadata()) != nullptr) return;
  for (const DSPtr& ds : DaemonSetsSelecting(revision.metadata())) Enqueue(*ds);
}

// updateHistory: the old and new controllers, or for an orphan whose labels or controller
// changed, the DaemonSets that may adopt it.
void DaemonSetsController::UpdateRevision(const ControllerRevision& old,
                                          const ControllerRevision& cur) {
  if (old.metadata().resource_version() == cur.metadata().resource_version()) return;
  const auto* cur_ref = replicaset::GetControllerOf(cur.metadata());
  const auto* old_ref = replicaset::GetControllerOf(old.metadata());
  bool ref_changed =
      (cur_ref == nullptr) != (old_ref == nullptr) ||
      (cur_ref != nullptr && cur_ref->SerializeAsString() != old_ref->SerializeAsString());
  if (ref_changed && old_ref != nullptr) {
    if (DSPtr ds = ResolveControllerRef(old.metadata().namespace_(), *old_ref)) Enqueue(*ds);
  }
  if (cur_ref != nullptr) {
    if (DSPtr ds = ResolveControllerRef(cur.metadata().namespace_(), *cur_ref)) Enqueue(*ds);
    return;
  }
  if (ref_changed || !SameStringMap(old.metadata().labels(), cur.metadata().labels())) {
    for (const DSPtr& ds : DaemonSetsSelecting(cur.metadata())) Enqueue(*ds);
  }
}

void DaemonSetsController::DeleteRevision(const ControllerRevision& revision) {
  const auto* ref = replicaset::GetControllerOf(revision.metadata());
  if (ref == nullptr) return;  // nobody minds an orphan's deletion
  if (DSPtr ds = ResolveControllerRef(revision.metadata().namespace_(), *ref)) Enqueue(*ds);
}

DSPtr DaemonSetsController::ResolveControllerRef(const std::string& ns,
                                                 const k8s::meta::v1::OwnerReference& ref) {
  return controllers::ResolveControllerRef(dss_.GetLister(), "DaemonSet", ns, ref);
}

std::vector<DSPtr> DaemonSetsController::DaemonSetsSelecting(
    const k8s::meta::v1::ObjectMeta& meta) {
  std::vector<DSPtr> out;
  for (const DSPtr& ds : dss_.GetLister().ByNamespace(meta.namespace_()).List()) {
    if (!ds->spec().has_selector()) continue;
    auto selector = LabelSelector::FromProto(ds->spec().selector());
    if (!selector.ok() || selector->Empty()) continue;
    if (selector->MatchesMap(meta.labels())) out.push_back(ds);
  }
  if (out.size() > 1) {
    pk::Logf("daemonset: user error! more than one daemon is selecting %s/%s\n",
             meta.namespace_().c_str(), meta.name().c_str());
  }
  return out;
}

Status DaemonSetsController::Sync(const std::string& key) {
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto found = dss_.GetLister().Get(ns, name);
  if (!found.ok()) {
    expectations_.Delete(key);
    return {};
  }
  DSPtr ds = *found;
  std::vector<NodePtr> nodes = nodes_.GetLister().List();
  if (ds->spec().has_selector() && ds->spec().selector().match_labels().empty() &&
      ds->spec().selector().match_expressions().empty()) {
    recorder_.Eventf(*ds, "Warning", "SelectingAll",
                     "This daemon set is selecting all pods. A non-empty selector is required.");
    return {};
  }
  // The history of a DaemonSet being deleted may already be gone: no status either.
  if (ds->metadata().has_deletion_timestamp()) return {};
  auto history = ConstructHistory(*ds);
  if (!history.ok()) return history.take_status();
  const auto& labels = history->first->metadata().labels();
  auto hash_it = labels.find(kRevisionHashLabel);
  std::string hash = hash_it == labels.end() ? "" : hash_it->second;
  if (!expectations_.Satisfied(key)) {
    // Status only; observedGeneration stays, as this generation was not acted on.
    return UpdateStatus(*ds, nodes, hash, false);
  }
  Status updated = UpdateDaemonSet(*ds, nodes, hash, key, history->second);
  Status status = UpdateStatus(*ds, nodes, hash, true);
  return updated.ok() ? status : updated;
}

Status DaemonSetsController::UpdateDaemonSet(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                                             const std::string& hash, const std::string& key,
                                             const std::vector<RevisionPtr>& old) {
  if (Status s = Manage(ds, nodes, hash); !s.ok()) return s;
  if (expectations_.Satisfied(key) && ds.spec().update_strategy().type() == "RollingUpdate") {
    if (Status s = RollingUpdate(ds, nodes, hash); !s.ok()) return s;
  }
  return CleanupHistory(ds, old);
}

}  // namespace daemonset

Result<std::unique_ptr<Controller>> NewDaemonSetController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new daemonset::DaemonSetsController(context));
}

}  // namespace pk::controllers
