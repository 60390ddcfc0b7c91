// manage, syncNodes and the status (daemon_controller.go).
#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <set>

#include "apimachinery/time.h"
#include "controller-manager/controller_utils.h"
#include "controller-manager/daemonset/daemonset_internal.h"
#include "controller-manager/replicaset/claim_pods.h"
#include "controller-manager/replicaset/pod_utils.h"

namespace pk::controllers::daemonset {
namespace {

std::string KeyOf(const k8s::meta::v1::ObjectMeta& meta) {
  return meta.namespace_() + "/" + meta.name();
}

bool IsTerminal(const Pod& pod) {
  return pod.status().phase() == "Failed" || pod.status().phase() == "Succeeded";
}

// failedPodsBackoffKey.
std::string BackoffKey(const DaemonSet& ds, const std::string& node) {
  return fmt::format("{}/{}/{}", ds.metadata().uid(), ds.status().observed_generation(), node);
}

}  // namespace

Status DaemonSetsController::RecheckDeletionTimestamp(const DaemonSet& ds) {
  auto fresh = clientset_.Resource<DaemonSet>(ds.metadata().namespace_()).Get(ds.metadata().name());
  if (!fresh.ok()) return fresh.take_status();
  const auto& meta = (*fresh)->metadata();
  if (meta.uid() != ds.metadata().uid()) {
    return Status::Conflict(
        {"apps", "daemonsets"}, ds.metadata().name(),
        fmt::format("original DaemonSet {}/{} is gone: got uid {}, wanted {}", meta.namespace_(),
                    meta.name(), meta.uid(), ds.metadata().uid()));
  }
  if (meta.has_deletion_timestamp()) {
    return Status::Conflict(
        {"apps", "daemonsets"}, ds.metadata().name(),
        fmt::format("{}/{} has just been deleted at {}", meta.namespace_(), meta.name(),
                    FormatRfc3339(meta.deletion_timestamp().seconds())));
  }
  return {};
}

Result<NodeToPods> DaemonSetsController::NodesToDaemonPods(const DaemonSet& ds) {
  auto selector = LabelSelector::FromProto(ds.spec().selector());
  if (!selector.ok()) return selector.take_status();
  auto can_adopt = [this, &ds] { return RecheckDeletionTimestamp(ds); };
  replicaset::ClaimContext context{&control_,   &ds.metadata(), "apps/v1",
                                   "DaemonSet", *selector,      can_adopt};
  auto pods = pods_.GetLister().ByNamespace(ds.metadata().namespace_()).List();
  auto claim = replicaset::ClaimPods(context, pods);
  if (!claim.status.ok()) return claim.status;
  NodeToPods out;
  for (const PodPtr& pod : claim.claimed) {
    if (IsTerminal(*pod) && pod->metadata().has_deletion_timestamp()) continue;
    if (auto node = GetTargetNodeName(*pod)) out[*node].push_back(pod);
  }
  return out;
}

Status DaemonSetsController::Manage(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                                    const std::string& hash) {
  auto by_node = NodesToDaemonPods(ds);
  if (!by_node.ok()) {
    return Status::InternalError(
        fmt::format("couldn't get node to daemon pod mapping for daemon set \"{}\": {}",
                    ds.metadata().name(), by_node.status().message()));
  }
  std::vector<std::string> create, remove;
  std::set<std::string> existing;
  for (const NodePtr& node : nodes) {
    existing.insert(node->metadata().name());
    PodsShouldBeOnNode(*node, *by_node, ds, hash, &create, &remove);
  }
  // getUnscheduledPodsWithoutNode: pods not yet bound to a node that is gone.
  for (const auto& [node, pods] : *by_node) {
    if (existing.count(node)) continue;
    for (const PodPtr& pod : pods) {
      if (pod->spec().node_name().empty()) remove.push_back(pod->metadata().name());
    }
  }
  return SyncNodes(ds, std::move(remove), std::move(create), hash);
}

void DaemonSetsController::PodsShouldBeOnNode(const Node& node, const NodeToPods& by_node,
                                              const DaemonSet& ds, const std::string& hash,
                                              std::vector<std::string>* create,
                                              std::vector<std::string>* remove) {
  NodePlacement placement = NodeShouldRunDaemonPod(node, ds);
  const std::string& name = node.metadata().name();
  auto it = by_node.find(name);
  bool exists = it != by_node.end() && !it->second.empty();
  if (placement.should_run && !exists) {
    create->push_back(name);
    return;
  }
  if (!exists) return;
  if (!placement.should_continue_running) {
    // Not supposed to run here: every daemon pod on the node goes.
    for (const PodPtr& pod : it->second) {
      if (!pod->metadata().has_deletion_timestamp()) remove->push_back(pod->metadata().name());
    }
    return;
  }
  std::vector<PodPtr> running;
  for (const PodPtr& pod : it->second) {
    if (pod->metadata().has_deletion_timestamp()) continue;
    if (pod->status().phase() == "Failed") {
      // The DaemonSet often fights a kubelet that rejects its pods: back off.
      std::string key = BackoffKey(ds, name);
      if (failed_pods_backoff_.InBackoff(key)) {
        worker_.EnqueueAfter(KeyOf(ds.metadata()), failed_pods_backoff_.Get(key));
        continue;
      }
      failed_pods_backoff_.Next(key);
      recorder_.Eventf(ds, "Warning", "FailedDaemonPod",
                       "Found failed daemon pod {}/{} on node {}, will try to kill it",
                       pod->metadata().namespace_(), pod->metadata().name(), name);
      remove->push_back(pod->metadata().name());
    } else if (pod->status().phase() == "Succeeded") {
      recorder_.Eventf(ds, "Normal", "SucceededDaemonPod",
                       "Found succeeded daemon pod {}/{} on node {}, will try to delete it",
                       pod->metadata().namespace_(), pod->metadata().name(), name);
      remove->push_back(pod->metadata().name());
    } else {
      running.push_back(pod);
    }
  }
  SortByCreationTimestampAndPhase(&running);
  if (!AllowsSurge(ds)) {
    // More than one running pod on a node: all but the oldest go.
    for (size_t i = 1; i < running.size(); ++i) remove->push_back(running[i]->metadata().name());
    return;
  }
  if (running.size() <= 1) {
    if (running.empty() && placement.should_run) create->push_back(name);
    return;
  }
  // Surging: an old and a new pod may both stay only while the new one is not yet
  // available and the old one is ready; every other pod goes.
  PodPtr oldest_new, oldest_old;
  for (const PodPtr& pod : running) {
    auto h = pod->metadata().labels().find(kRevisionHashLabel);
    bool is_new = h != pod->metadata().labels().end() && h->second == hash;
    PodPtr& slot = is_new ? oldest_new : oldest_old;
    if (slot == nullptr) {
      slot = pod;
      continue;
    }
    remove->push_back(pod->metadata().name());
  }
  if (oldest_new != nullptr && oldest_old != nullptr) {
    if (!replicaset::IsPodReady(*oldest_old) ||
        replicaset::IsPodAvailable(*oldest_new, ds.spec().min_ready_seconds(),
                                   WallTimestamp(clock_))) {
      remove->push_back(oldest_old->metadata().name());
    }
  }
}

Status DaemonSetsController::SyncNodes(const DaemonSet& ds, std::vector<std::string> remove,
                                       std::vector<std::string> create, const std::string& hash) {
  std::string key = KeyOf(ds.metadata());
  if (create.size() > kBurstReplicas) create.resize(kBurstReplicas);
  if (remove.size() > kBurstReplicas) remove.resize(kBurstReplicas);
  expectations_.Expect(key, static_cast<int>(create.size()), static_cast<int>(remove.size()));
  // A template generation that does not parse counts as none: the hash decides.
  auto generation = GetTemplateGeneration(ds);
  auto tmpl =
      CreatePodTemplate(ds.spec().template_(), generation.ok() ? *generation : std::nullopt, hash);
  Status first_error = CreateBatch(ds, key, tmpl, create);
  std::vector<std::future<Status>> deletes;
  for (const std::string& pod : remove) {
    deletes.push_back(std::async(std::launch::async, [this, &ds, &key, pod]() -> Status {
      Status s = control_.DeletePod(ds.metadata().namespace_(), pod, ds);
      if (s.ok()) return {};
      expectations_.DeletionObserved(key);
      return client::IsNotFound(s) ? Status() : s;
    }));
  }
  for (auto& f : deletes) {
    Status s = f.get();
    if (first_error.ok()) first_error = s;
  }
  return first_error;
}

// The creations of syncNodes in slow-start batches (1, 2, 4...): after a batch with a
// failure the rest are skipped and no longer expected.
Status DaemonSetsController::CreateBatch(const DaemonSet& ds, const std::string& key,
                                         const k8s::core::v1::PodTemplateSpec& tmpl,
                                         const std::vector<std::string>& nodes) {
  auto ref = replicaset::NewControllerRef(ds.metadata(), "apps/v1", "DaemonSet");
  const std::string& ns = ds.metadata().namespace_();
  Status first_error;
  size_t pos = 0, batch = std::min<size_t>(1, nodes.size());
  while (pos < nodes.size()) {
    std::vector<std::future<Status>> creates;
    for (size_t i = pos; i < pos + batch; ++i) {
      creates.push_back(std::async(std::launch::async, [&, node = nodes[i]]() -> Status {
        k8s::core::v1::PodTemplateSpec pod_template = tmpl;
        ReplaceDaemonSetPodNodeNameNodeAffinity(pod_template.mutable_spec(), node);
        Status s = control_.CreatePod(ns, pod_template, ds, ref);
        if (replicaset::IsNamespaceTerminating(s)) return {};  // expected to go on failing
        if (!s.ok()) expectations_.CreationObserved(key);
        return s;
      }));
    }
    bool failed = false;
    for (auto& f : creates) {
      Status s = f.get();
      if (s.ok()) continue;
      failed = true;
      if (first_error.ok()) first_error = s;
    }
    pos += batch;
    if (failed && pos < nodes.size()) {
      expectations_.Lower(key, static_cast<int>(nodes.size() - pos), 0);
      break;
    }
    batch = std::min(2 * batch, nodes.size() - pos);
  }
  return first_error;
}

Status DaemonSetsController::UpdateStatus(const DaemonSet& ds, const std::vector<NodePtr>& nodes,
                                          const std::string& hash,
                                          bool update_observed_generation) {
  auto by_node = NodesToDaemonPods(ds);
  if (!by_node.ok()) {
    return Status::InternalError(
        fmt::format("couldn't get node to daemon pod mapping for daemon set \"{}\": {}",
                    ds.metadata().name(), by_node.status().message()));
  }
  auto generation = GetTemplateGeneration(ds);
  std::optional<int64_t> gen = generation.ok() ? *generation : std::nullopt;
  Timestamp now = WallTimestamp(clock_);
  int32_t desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  for (const NodePtr& node : nodes) {
    bool should_run = NodeShouldRunDaemonPod(*node, ds).should_run;
    auto it = by_node->find(node->metadata().name());
    bool scheduled = it != by_node->end() && !it->second.empty();
    if (!should_run) {
      if (scheduled) ++misscheduled;
      continue;
    }
    ++desired;
    if (!scheduled) continue;
    ++current;
    std::vector<PodPtr> pods = it->second;
    SortByCreationTimestampAndPhase(&pods);  // the oldest counts
    const Pod& pod = *pods.front();
    if (replicaset::IsPodReady(pod)) {
      ++ready;
      if (replicaset::IsPodAvailable(pod, ds.spec().min_ready_seconds(), now)) ++available;
    }
    if (IsPodUpdated(pod, hash, gen)) ++updated;
  }
  k8s::apps::v1::DaemonSetStatus status = ds.status();
  status.set_desired_number_scheduled(desired);
  status.set_current_number_scheduled(current);
  status.set_number_misscheduled(misscheduled);
  status.set_number_ready(ready);
  status.set_number_available(available);
  status.set_updated_number_scheduled(updated);
  status.set_number_unavailable(desired - available);
  if (Status s = StoreStatus(ds, status, update_observed_generation); !s.ok()) return s;
  // Resync once the ready pods may have become available.
  if (ds.spec().min_ready_seconds() > 0 && ready != available) {
    worker_.EnqueueAfter(KeyOf(ds.metadata()), std::chrono::seconds(ds.spec().min_ready_seconds()));
  }
  return {};
}

Status DaemonSetsController::StoreStatus(const DaemonSet& ds,
                                         const k8s::apps::v1::DaemonSetStatus& status,
                                         bool update_observed_generation) {
  // Nothing new (Kubernetes writes the same counts again while observedGeneration lags; a
  // write that cannot raise it is skipped here).
  if (status.SerializeAsString() == ds.status().SerializeAsString() &&
      (!update_observed_generation ||
       ds.status().observed_generation() >= ds.metadata().generation())) {
    return {};
  }
  auto client = clientset_.Resource<DaemonSet>(ds.metadata().namespace_());
  DaemonSet to_update = ds;
  Status last;
  // StatusUpdateRetries (1): one more try on a fresh read.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto* out = to_update.mutable_status();
    out->set_desired_number_scheduled(status.desired_number_scheduled());
    out->set_current_number_scheduled(status.current_number_scheduled());
    out->set_number_misscheduled(status.number_misscheduled());
    out->set_number_ready(status.number_ready());
    out->set_number_available(status.number_available());
    out->set_updated_number_scheduled(status.updated_number_scheduled());
    out->set_number_unavailable(status.number_unavailable());
    if (update_observed_generation) out->set_observed_generation(ds.metadata().generation());
    auto written = client.UpdateStatus(to_update);
    if (written.ok()) return {};
    last = written.take_status();
    auto fresh = client.Get(ds.metadata().name());
    if (!fresh.ok()) return fresh.take_status();
    to_update = **fresh;
  }
  return last;
}

}  // namespace pk::controllers::daemonset
