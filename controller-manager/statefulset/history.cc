#include "controller-manager/statefulset/history.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "client/errors.h"
#include "controller-manager/deployment/deployment_util.h"
#include "controller-manager/replicaset/pod_control.h"

namespace pk::controllers::statefulset {
namespace {

// hash/fnv New32: multiply, then xor.
void Fnv1(uint32_t* hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    *hash *= 16777619u;
    *hash ^= c;
  }
}

// The hash label as Go's strconv.ParseInt(s, 10, 32) reads it, if it does.
std::optional<uint32_t> NumericHash(const ControllerRevision& r) {
  const auto& labels = r.metadata().labels();
  auto it = labels.find(kControllerRevisionHashLabel);
  if (it == labels.end()) return std::nullopt;
  int32_t value = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return static_cast<uint32_t>(value);
}

bool SameData(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto ja = nlohmann::json::parse(a, nullptr, false);
  auto jb = nlohmann::json::parse(b, nullptr, false);
  return !ja.is_discarded() && !jb.is_discarded() && ja == jb;
}

}  // namespace

std::string HashControllerRevision(const ControllerRevision& revision,
                                   const int32_t* collision_count) {
  uint32_t hash = 2166136261u;
  Fnv1(&hash, revision.data().raw());
  if (collision_count != nullptr) Fnv1(&hash, std::to_string(*collision_count));
  return deployment::SafeEncodeString(std::to_string(hash));
}

std::string ControllerRevisionName(const std::string& prefix, const std::string& hash) {
  return (prefix.size() > 223 ? prefix.substr(0, 223) : prefix) + "-" + hash;
}

ControllerRevision NewControllerRevision(
    const k8s::meta::v1::ObjectMeta& parent, const std::string& kind,
    const google::protobuf::Map<std::string, std::string>& template_labels, std::string data,
    int64_t revision, const int32_t* collision_count) {
  ControllerRevision cr;
  auto* meta = cr.mutable_metadata();
  *meta->mutable_labels() = template_labels;
  meta->set_namespace_(parent.namespace_());
  *meta->add_owner_references() = replicaset::NewControllerRef(parent, "apps/v1", kind);
  cr.mutable_data()->set_raw(std::move(data));
  cr.set_revision(revision);
  std::string hash = HashControllerRevision(cr, collision_count);
  meta->set_name(ControllerRevisionName(parent.name(), hash));
  (*meta->mutable_labels())[kControllerRevisionHashLabel] = hash;
  return cr;
}

void SortControllerRevisions(std::vector<RevisionPtr>* revisions) {
  std::stable_sort(revisions->begin(), revisions->end(),
                   [](const RevisionPtr& a, const RevisionPtr& b) {
                     if (a->revision() != b->revision()) return a->revision() < b->revision();
                     const auto& ta = a->metadata().creation_timestamp();
                     const auto& tb = b->metadata().creation_timestamp();
                     if (ta.seconds() != tb.seconds()) return ta.seconds() < tb.seconds();
                     return a->metadata().name() < b->metadata().name();
                   });
}

bool EqualRevision(const ControllerRevision& a, const ControllerRevision& b) {
  auto ha = NumericHash(a), hb = NumericHash(b);
  if (ha && hb && *ha != *hb) return false;
  return SameData(a.data().raw(), b.data().raw());
}

std::vector<RevisionPtr> FindEqualRevisions(const std::vector<RevisionPtr>& revisions,
                                            const ControllerRevision& needle) {
  std::vector<RevisionPtr> out;
  for (const RevisionPtr& r : revisions) {
    if (EqualRevision(*r, needle)) out.push_back(r);
  }
  return out;
}

std::vector<RevisionPtr> History::List(const k8s::meta::v1::ObjectMeta& parent,
                                       const LabelSelector& selector) const {
  std::vector<RevisionPtr> out;
  for (const RevisionPtr& r : lister_.ByNamespace(parent.namespace_()).List(selector)) {
    const auto* ref = replicaset::GetControllerOf(r->metadata());
    if (ref == nullptr || ref->uid() == parent.uid()) out.push_back(r);
  }
  return out;
}

Result<RevisionPtr> History::Create(const k8s::meta::v1::ObjectMeta& parent,
                                    const ControllerRevision& revision,
                                    int32_t* collision_count) const {
  ControllerRevision clone = revision;
  auto client = Client(parent.namespace_());
  // Bounded: each round takes another name; Kubernetes loops until one is free.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string hash = HashControllerRevision(revision, collision_count);
    clone.mutable_metadata()->set_name(ControllerRevisionName(parent.name(), hash));
    clone.mutable_metadata()->set_namespace_(parent.namespace_());
    auto created = client.Create(clone);
    if (!client::IsAlreadyExists(created.status())) return created;
    auto exists = client.Get(clone.metadata().name());
    if (!exists.ok()) return exists.take_status();
    if (SameData((*exists)->data().raw(), clone.data().raw())) return *exists;
    ++*collision_count;
  }
  return Status::InternalError("too many ControllerRevision name collisions");
}

Result<RevisionPtr> History::Update(const ControllerRevision& revision,
                                    int64_t new_revision) const {
  auto client = Client(revision.metadata().namespace_());
  RevisionPtr current = std::make_shared<ControllerRevision>(revision);
  for (int attempt = 0;; ++attempt) {
    if (current->revision() == new_revision) return current;
    ControllerRevision next = *current;
    next.set_revision(new_revision);
    auto updated = client.Update(next);
    if (updated.ok() || !client::IsConflict(updated.status()) || attempt >= 4) return updated;
    auto fresh = client.Get(revision.metadata().name());
    if (!fresh.ok()) return fresh.take_status();
    current = *fresh;
  }
}

Status History::Delete(const ControllerRevision& revision) const {
  auto deleted = Client(revision.metadata().namespace_()).Delete(revision.metadata().name());
  return deleted.ok() ? Status() : deleted.take_status();
}

Result<RevisionPtr> History::Adopt(const k8s::meta::v1::ObjectMeta& parent, const std::string& kind,
                                   const ControllerRevision& revision) const {
  nlohmann::json ref = {{"apiVersion", "apps/v1"}, {"kind", kind},
                        {"name", parent.name()},   {"uid", parent.uid()},
                        {"controller", true},      {"blockOwnerDeletion", true}};
  nlohmann::json patch = {
      {"metadata", {{"ownerReferences", {ref}}, {"uid", revision.metadata().uid()}}}};
  return Client(parent.namespace_())
      .Patch(revision.metadata().name(), "application/strategic-merge-patch+json", patch.dump());
}

}  // namespace pk::controllers::statefulset
