#include "controller-manager/deployment/deployment_controller.h"

#include "apimachinery/selectors.h"
#include "client/errors.h"
#include "controller-manager/deployment/deployment_internal.h"

namespace pk::controllers {
namespace deployment {
namespace {

const k8s::meta::v1::OwnerReference* ControllerOf(const k8s::meta::v1::ObjectMeta& meta) {
  for (const auto& ref : meta.owner_references()) {
    if (ref.controller()) return &ref;
  }
  return nullptr;
}

std::map<std::string, std::string> SortedLabels(const ReplicaSet& rs) {
  return {rs.metadata().labels().begin(), rs.metadata().labels().end()};
}

bool SelectorEmpty(const Deployment& d) {
  return d.spec().has_selector() && d.spec().selector().match_labels().empty() &&
         d.spec().selector().match_expressions().empty();
}

LabelSelector SelectorOf(const Deployment& d) {
  if (!d.spec().has_selector()) return LabelSelector::Nothing();
  auto selector = LabelSelector::FromProto(d.spec().selector());
  return selector.ok() ? *selector : LabelSelector::Nothing();
}

k8s::meta::v1::OwnerReference ControllerRefTo(const Deployment& d) {
  k8s::meta::v1::OwnerReference ref;
  ref.set_api_version("apps/v1");
  ref.set_kind("Deployment");
  ref.set_name(d.metadata().name());
  ref.set_uid(d.metadata().uid());
  ref.set_controller(true);
  ref.set_block_owner_deletion(true);
  return ref;
}

}  // namespace

DeploymentController::DeploymentController(const ControllerContext& context)
    : clientset_(*context.clientset),
      recorder_(context.recorder("deployment-controller")),
      deployments_(context.factory->ForResource<Deployment>()),
      replica_sets_(context.factory->ForResource<ReplicaSet>()),
      pods_(context.factory->ForResource<Pod>()),
      worker_("deployment", [this](const std::string& key) { return Sync(key); }) {
  RegisterHandlers();
}

void DeploymentController::RegisterHandlers() {
  deployments_.AddEventHandler({
      .on_add = [this](const client::Ptr<Deployment>& d, bool) { Enqueue(*d); },
      .on_update = [this](const client::Ptr<Deployment>&,
                          const client::Ptr<Deployment>& d) { Enqueue(*d); },
      .on_delete = [this](const client::Deleted<Deployment>& d) { Enqueue(*d.object); },
  });
  replica_sets_.AddEventHandler({
      .on_add = [this](const client::Ptr<ReplicaSet>& rs, bool) { OnReplicaSet(rs); },
      .on_update = [this](const client::Ptr<ReplicaSet>& old,
                          const client::Ptr<ReplicaSet>& rs) { OnReplicaSetUpdate(old, rs); },
      .on_delete = [this](const client::Deleted<ReplicaSet>& d) { OnReplicaSet(d.object); },
  });
  pods_.AddEventHandler({
      .on_add = nullptr,
      .on_update = nullptr,
      .on_delete = [this](const client::Deleted<Pod>& d) { OnPodDelete(d.object); },
  });
}

void DeploymentController::Enqueue(const Deployment& d) {
  worker_.Enqueue(d.metadata().namespace_() + "/" + d.metadata().name());
}

// addReplicaSet and deleteReplicaSet: the owner, or for an orphan every Deployment that
// could adopt it.
void DeploymentController::OnReplicaSet(const client::Ptr<ReplicaSet>& rs) {
  if (const auto* ref = ControllerOf(rs->metadata())) {
    if (auto d = ResolveControllerRef(rs->metadata().namespace_(), *ref)) Enqueue(*d);
    return;
  }
  for (const auto& d : DeploymentsForReplicaSet(*rs)) Enqueue(*d);
}

void DeploymentController::OnReplicaSetUpdate(const client::Ptr<ReplicaSet>& old,
                                              const client::Ptr<ReplicaSet>& rs) {
  if (old->metadata().resource_version() == rs->metadata().resource_version()) return;
  const auto* old_ref = ControllerOf(old->metadata());
  const auto* ref = ControllerOf(rs->metadata());
  bool ref_changed =
      (old_ref == nullptr) != (ref == nullptr) || (old_ref && ref && old_ref->uid() != ref->uid());
  if (ref_changed && old_ref) {
    if (auto d = ResolveControllerRef(old->metadata().namespace_(), *old_ref)) Enqueue(*d);
  }
  if (ref) {
    if (auto d = ResolveControllerRef(rs->metadata().namespace_(), *ref)) Enqueue(*d);
    return;
  }
  bool labels_changed = SortedLabels(*old) != SortedLabels(*rs);
  if (labels_changed || ref_changed) {
    for (const auto& d : DeploymentsForReplicaSet(*rs)) Enqueue(*d);
  }
}

// deletePod: a Recreate rollout waits for the old pods to go. (Kubernetes enqueues only when
// the Deployment has no pods left; a sync more is harmless.)
void DeploymentController::OnPodDelete(const client::Ptr<Pod>& pod) {
  const auto* ref = ControllerOf(pod->metadata());
  if (ref == nullptr || ref->kind() != "ReplicaSet") return;
  auto rs = replica_sets_.GetLister().Get(pod->metadata().namespace_(), ref->name());
  if (!rs.ok() || (*rs)->metadata().uid() != ref->uid()) return;
  const auto* rs_ref = ControllerOf((*rs)->metadata());
  if (rs_ref == nullptr) return;
  auto d = ResolveControllerRef(pod->metadata().namespace_(), *rs_ref);
  if (d && d->spec().strategy().type() == "Recreate") Enqueue(*d);
}

client::Ptr<Deployment> DeploymentController::ResolveControllerRef(
    const std::string& ns, const k8s::meta::v1::OwnerReference& ref) {
  if (ref.kind() != "Deployment") return nullptr;
  auto d = deployments_.GetLister().Get(ns, ref.name());
  if (!d.ok() || (*d)->metadata().uid() != ref.uid()) return nullptr;
  return *d;
}

std::vector<client::Ptr<Deployment>> DeploymentController::DeploymentsForReplicaSet(
    const ReplicaSet& rs) {
  std::vector<client::Ptr<Deployment>> out;
  if (rs.metadata().labels().empty()) return out;
  for (const auto& d : deployments_.GetLister().ByNamespace(rs.metadata().namespace_()).List()) {
    LabelSelector selector = SelectorOf(*d);
    if (!selector.Empty() && selector.MatchesMap(rs.metadata().labels())) out.push_back(d);
  }
  return out;
}

// syncDeployment.
Status DeploymentController::Sync(const std::string& key) {
  size_t slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  auto found = deployments_.GetLister().Get(ns, name);
  if (!found.ok()) return {};  // deleted
  Deployment d = **found;
  if (SelectorEmpty(d)) {
    recorder_.Eventf(d, "Warning", "SelectingAll",
                     "This deployment is selecting all pods. A non-empty selector is required.");
    if (d.status().observed_generation() < d.metadata().generation()) {
      d.mutable_status()->set_observed_generation(d.metadata().generation());
      return WriteStatus(&d);
    }
    return {};
  }
  auto rss = ReplicaSetsFor(d);
  if (!rss.ok()) return rss.take_status();
  if (d.metadata().has_deletion_timestamp()) return SyncStatusOnly(&d, *rss);
  PK_RETURN_IF_ERROR(CheckPausedConditions(&d));
  if (d.spec().paused()) return SyncScale(&d, *rss);
  auto scaling = IsScalingEvent(&d, *rss);
  if (!scaling.ok()) return scaling.take_status();
  if (*scaling) return SyncScale(&d, *rss);
  const std::string& type = d.spec().strategy().type();
  // Only Recreate reads the pods (getPodMapForDeployment is a pure read of the cache, so it
  // is done here, not for every sync as Kubernetes does: each pod would cost every sync).
  if (type == "Recreate") return RolloutRecreate(&d, *rss, PodMapFor(d, *rss));
  if (type == "RollingUpdate") return RolloutRolling(&d, *rss);
  return Status::BadRequest("unexpected deployment strategy type: " + type);
}

Result<RSList> DeploymentController::ReplicaSetsFor(const Deployment& d) {
  LabelSelector selector = SelectorOf(d);
  auto client = clientset_.Resource<ReplicaSet>(d.metadata().namespace_());
  bool can_adopt_checked = false, can_adopt = false;
  RSList claimed;
  for (const auto& rs : replica_sets_.GetLister().ByNamespace(d.metadata().namespace_()).List()) {
    const auto* ref = ControllerOf(rs->metadata());
    bool matches = selector.MatchesMap(rs->metadata().labels());
    if (ref != nullptr && ref->uid() != d.metadata().uid()) continue;  // someone else's
    if (ref != nullptr) {
      if (matches || d.metadata().has_deletion_timestamp()) {
        claimed.push_back(rs);
        continue;
      }
      // Release: it no longer matches.
      ReplicaSet copy = *rs;
      auto* refs = copy.mutable_metadata()->mutable_owner_references();
      for (int i = refs->size() - 1; i >= 0; --i) {
        if (refs->Get(i).uid() == d.metadata().uid()) refs->DeleteSubrange(i, 1);
      }
      auto released = client.Update(copy);
      if (!released.ok() && !client::IsNotFound(released.status())) return released.take_status();
      continue;
    }
    if (!matches || d.metadata().has_deletion_timestamp() ||
        rs->metadata().has_deletion_timestamp()) {
      continue;
    }
    if (!can_adopt_checked) {
      // RecheckDeletionTimestamp: adopt only for a live Deployment of the same uid.
      auto fresh =
          clientset_.Resource<Deployment>(d.metadata().namespace_()).Get(d.metadata().name());
      can_adopt = fresh.ok() && (*fresh)->metadata().uid() == d.metadata().uid() &&
                  !(*fresh)->metadata().has_deletion_timestamp();
      can_adopt_checked = true;
    }
    if (!can_adopt) continue;
    ReplicaSet copy = *rs;
    *copy.mutable_metadata()->add_owner_references() = ControllerRefTo(d);
    auto adopted = client.Update(copy);
    if (!adopted.ok()) {
      if (client::IsNotFound(adopted.status())) continue;
      return adopted.take_status();
    }
    claimed.push_back(*adopted);
  }
  return claimed;
}

PodMap DeploymentController::PodMapFor(const Deployment& d, const RSList& rss) {
  PodMap map;
  for (const RSPtr& rs : rss) map[rs->metadata().uid()];
  LabelSelector selector = SelectorOf(d);
  for (const auto& pod : pods_.GetLister().ByNamespace(d.metadata().namespace_()).List(selector)) {
    const auto* ref = ControllerOf(pod->metadata());
    if (ref == nullptr) continue;
    auto it = map.find(ref->uid());
    if (it != map.end()) it->second.push_back(pod);
  }
  return map;
}

}  // namespace deployment

Result<std::unique_ptr<Controller>> NewDeploymentController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new deployment::DeploymentController(context));
}

}  // namespace pk::controllers
