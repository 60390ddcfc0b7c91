// The ControllerRevision history of a DaemonSet (update.go: constructHistory, snapshot,
// dedupCurHistories, cleanupHistory, controlledHistories, Match, getPatch).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "apimachinery/codec.h"
#include "apimachinery/selectors.h"
#include "controller-manager/daemonset/daemonset_internal.h"
#include "controller-manager/deployment/deployment_util.h"

namespace pk::controllers::daemonset {
namespace {

constexpr char kMergePatch[] = "application/merge-patch+json";

std::string HashOf(const k8s::meta::v1::ObjectMeta& meta) {
  auto it = meta.labels().find(kRevisionHashLabel);
  return it == meta.labels().end() ? "" : it->second;
}

nlohmann::json Parsed(const std::string& raw) {
  return nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

std::string GetPatch(const DaemonSet& ds) {
  // nlohmann::json keeps object keys sorted, as Go's map[string]interface{} marshals them.
  nlohmann::json tmpl = Parsed(json::Encode(ds.spec().template_()));
  tmpl["$patch"] = "replace";
  nlohmann::json patch = {{"spec", {{"template", tmpl}}}};
  std::string out;
  json::AppendValue(&out, nlohmann::ordered_json::parse(patch.dump()));
  return out;
}

bool Match(const DaemonSet& ds, const ControllerRevision& revision) {
  nlohmann::json stored = Parsed(revision.data().raw());
  return !stored.is_discarded() && stored == Parsed(GetPatch(ds));
}

Result<std::vector<RevisionPtr>> DaemonSetsController::ControlledHistories(const DaemonSet& ds) {
  auto selector = LabelSelector::FromProto(ds.spec().selector());
  if (!selector.ok()) return selector.take_status();
  bool deleting = ds.metadata().has_deletion_timestamp();
  std::optional<Status> can_adopt;  // asked once, before the first adoption
  std::vector<RevisionPtr> out;
  for (const RevisionPtr& r :
       revisions_.GetLister().ByNamespace(ds.metadata().namespace_()).List()) {
    bool match = selector->MatchesMap(r->metadata().labels());
    if (const auto* ref = replicaset::GetControllerOf(r->metadata()); ref != nullptr) {
      if (ref->uid() != ds.metadata().uid()) continue;  // someone else's
      if (match) {
        out.push_back(r);
      } else if (!deleting) {
        if (Status s = PatchRevisionOwner(ds, *r, false); !s.ok()) return s;
      }
      continue;
    }
    if (deleting || !match || r->metadata().has_deletion_timestamp()) continue;
    if (!can_adopt) can_adopt = RecheckDeletionTimestamp(ds);
    if (!can_adopt->ok()) return *can_adopt;
    Status s = PatchRevisionOwner(ds, *r, true);
    if (client::IsNotFound(s)) continue;
    if (!s.ok()) return s;
    out.push_back(r);
  }
  return out;
}

Status DaemonSetsController::PatchRevisionOwner(const DaemonSet& ds,
                                                const ControllerRevision& revision, bool adopt) {
  nlohmann::json ref = {{"$patch", "delete"}, {"uid", ds.metadata().uid()}};
  if (adopt) {
    ref = {{"apiVersion", "apps/v1"},    {"kind", "DaemonSet"}, {"name", ds.metadata().name()},
           {"uid", ds.metadata().uid()}, {"controller", true},  {"blockOwnerDeletion", true}};
  }
  // The revision's UID makes the patch fail if it was replaced by another of the same name.
  nlohmann::json patch = {
      {"metadata", {{"ownerReferences", {ref}}, {"uid", revision.metadata().uid()}}}};
  auto patched = clientset_.Resource<ControllerRevision>(revision.metadata().namespace_())
                     .Patch(revision.metadata().name(), "application/strategic-merge-patch+json",
                            patch.dump());
  if (!adopt && !patched.ok() &&
      (client::IsNotFound(patched.status()) || client::IsInvalid(patched.status()))) {
    return {};  // gone, or no longer ours: nothing to release
  }
  return patched.ok() ? Status() : patched.take_status();
}

Result<std::pair<RevisionPtr, std::vector<RevisionPtr>>> DaemonSetsController::ConstructHistory(
    const DaemonSet& ds) {
  auto client = clientset_.Resource<ControllerRevision>(ds.metadata().namespace_());
  auto controlled = ControlledHistories(ds);
  if (!controlled.ok()) return controlled.take_status();
  std::vector<RevisionPtr> current, old;
  for (RevisionPtr history : *controlled) {
    // The unique label, if missing, is the revision's name (no hash collision to mind).
    if (!history->metadata().labels().contains(kRevisionHashLabel)) {
      ControllerRevision labelled = *history;
      (*labelled.mutable_metadata()->mutable_labels())[kRevisionHashLabel] =
          history->metadata().name();
      auto updated = client.Update(labelled);
      if (!updated.ok()) return updated.take_status();
      history = *updated;
    }
    (Match(ds, *history) ? current : old).push_back(history);
  }
  int64_t max_old = 0;
  for (const RevisionPtr& r : old) max_old = std::max(max_old, r->revision());
  int64_t revision = max_old + 1;
  if (current.empty()) {
    auto made = Snapshot(ds, revision);
    if (!made.ok()) return made.take_status();
    return std::make_pair(*made, old);
  }
  auto cur = DedupCurrentHistories(ds, current);
  if (!cur.ok()) return cur.take_status();
  if ((*cur)->revision() < revision) {
    ControllerRevision renumbered = **cur;
    renumbered.set_revision(revision);
    auto updated = client.Update(renumbered);
    if (!updated.ok()) return updated.take_status();
    return std::make_pair(*updated, old);
  }
  return std::make_pair(*cur, old);
}

Result<RevisionPtr> DaemonSetsController::Snapshot(const DaemonSet& ds, int64_t revision) {
  std::optional<int32_t> collisions;
  if (ds.status().has_collision_count()) collisions = ds.status().collision_count();
  std::string hash = deployment::ComputeHash(ds.spec().template_(), collisions);
  const std::string& ns = ds.metadata().namespace_();
  ControllerRevision history;
  auto* meta = history.mutable_metadata();
  meta->set_name(ds.metadata().name() + "-" + hash);
  meta->set_namespace_(ns);
  *meta->mutable_labels() = ds.spec().template_().metadata().labels();
  (*meta->mutable_labels())[kRevisionHashLabel] = hash;
  *meta->mutable_annotations() = ds.metadata().annotations();
  *meta->add_owner_references() =
      replicaset::NewControllerRef(ds.metadata(), "apps/v1", "DaemonSet");
  history.mutable_data()->set_raw(GetPatch(ds));
  history.set_revision(revision);
  auto client = clientset_.Resource<ControllerRevision>(ns);
  auto created = client.Create(history);
  if (created.ok() || !client::IsAlreadyExists(created.status())) return created;
  auto existing = client.Get(meta->name());
  if (!existing.ok()) return existing.take_status();
  if (Match(ds, **existing)) return *existing;
  // A different template hashed to this name: bump collisionCount and try again later.
  auto dss = clientset_.Resource<DaemonSet>(ns);
  auto fresh = dss.Get(ds.metadata().name());
  if (!fresh.ok()) return fresh.take_status();
  DaemonSet bumped = **fresh;
  bumped.mutable_status()->set_collision_count(bumped.status().collision_count() + 1);
  auto written = dss.UpdateStatus(bumped);
  if (!written.ok()) return written.take_status();
  return created.take_status();
}

Result<RevisionPtr> DaemonSetsController::DedupCurrentHistories(
    const DaemonSet& ds, const std::vector<RevisionPtr>& current) {
  if (current.size() == 1) return current.front();
  RevisionPtr keep;
  for (const RevisionPtr& r : current) {
    if (keep == nullptr || r->revision() >= keep->revision()) keep = r;
  }
  const std::string& ns = ds.metadata().namespace_();
  std::string keep_hash = HashOf(keep->metadata());
  for (const RevisionPtr& r : current) {
    if (r == keep) continue;
    // Relabel the pods to the kept revision before the duplicate goes.
    auto pods = NodesToDaemonPods(ds);
    if (!pods.ok()) return pods.take_status();
    for (const auto& [node, list] : *pods) {
      for (const PodPtr& pod : list) {
        if (HashOf(pod->metadata()) == keep_hash) continue;
        nlohmann::json patch = {{"metadata", {{"labels", {{kRevisionHashLabel, keep_hash}}}}}};
        auto patched = clientset_.Pods(ns).Patch(pod->metadata().name(), kMergePatch, patch.dump());
        if (!patched.ok()) return patched.take_status();
      }
    }
    auto deleted = clientset_.Resource<ControllerRevision>(ns).Delete(r->metadata().name());
    if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
  }
  return keep;
}

Status DaemonSetsController::CleanupHistory(const DaemonSet& ds, std::vector<RevisionPtr> old) {
  auto by_node = NodesToDaemonPods(ds);
  if (!by_node.ok()) {
    return Status::InternalError(
        fmt::format("couldn't get node to daemon pod mapping for daemon set \"{}\": {}",
                    ds.metadata().name(), by_node.status().message()));
  }
  int64_t to_kill = static_cast<int64_t>(old.size()) - ds.spec().revision_history_limit();
  if (!ds.spec().has_revision_history_limit()) to_kill = static_cast<int64_t>(old.size()) - 10;
  if (to_kill <= 0) return {};
  std::set<std::string> live_hashes;
  for (const auto& [node, pods] : *by_node) {
    for (const PodPtr& pod : pods) {
      if (std::string h = HashOf(pod->metadata()); !h.empty()) live_hashes.insert(h);
    }
  }
  // Oldest first; revisions that live pods still run stay.
  std::sort(old.begin(), old.end(), [](const RevisionPtr& a, const RevisionPtr& b) {
    return a->revision() < b->revision();
  });
  auto client = clientset_.Resource<ControllerRevision>(ds.metadata().namespace_());
  for (const RevisionPtr& r : old) {
    if (to_kill <= 0) break;
    if (live_hashes.count(HashOf(r->metadata()))) continue;
    auto deleted = client.Delete(r->metadata().name());
    if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
    --to_kill;
  }
  return {};
}

}  // namespace pk::controllers::daemonset
