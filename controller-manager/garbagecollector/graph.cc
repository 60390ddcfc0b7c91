#include "controller-manager/garbagecollector/graph.h"

#include <algorithm>

namespace pk::controllers::gc {

bool HasFinalizer(const k8s::meta::v1::ObjectMeta& meta, const std::string& finalizer) {
  const auto& f = meta.finalizers();
  return std::find(f.begin(), f.end(), finalizer) != f.end();
}

namespace {

bool Owns(const std::vector<k8s::meta::v1::OwnerReference>& owners, const std::string& uid) {
  return std::any_of(owners.begin(), owners.end(), [&](const auto& o) { return o.uid() == uid; });
}

}  // namespace

void Graph::Unlink(const std::string& owner, const std::string& dependent, Work* work) {
  auto it = nodes_.find(owner);
  if (it == nodes_.end()) return;
  it->second.dependents.erase(dependent);
  if (it->second.deleting_dependents) work->attempt_to_delete.push_back(owner);
}

Work Graph::Upsert(const ObjectRef& ref, const k8s::meta::v1::ObjectMeta& meta) {
  std::lock_guard lock(mu_);
  Work work;
  Node& node = nodes_[ref.uid];
  node.ref = ref;
  node.is_virtual = false;
  std::vector<k8s::meta::v1::OwnerReference> owners(meta.owner_references().begin(),
                                                    meta.owner_references().end());
  for (const auto& old : node.owners) {
    if (!Owns(owners, old.uid())) Unlink(old.uid(), ref.uid, &work);
  }
  for (const auto& owner : owners) {
    auto [it, added] = nodes_.try_emplace(owner.uid());
    if (added) {
      it->second.ref = {owner.api_version(), owner.kind(), owner.name(), ref.ns, owner.uid()};
      it->second.is_virtual = true;
      work.attempt_to_delete.push_back(owner.uid());
    }
    it->second.dependents.insert(ref.uid);
    // A dependent that joins an owner being deleted in the foreground goes too.
    if (it->second.deleting_dependents) work.attempt_to_delete.push_back(ref.uid);
  }
  Node& self = nodes_[ref.uid];  // try_emplace may have rehashed
  self.owners = std::move(owners);
  bool being_deleted = meta.has_deletion_timestamp();
  bool foreground = being_deleted && HasFinalizer(meta, kFinalizerForeground);
  if (foreground) {
    if (!self.deleting_dependents) {
      for (const auto& d : self.dependents) work.attempt_to_delete.push_back(d);
    }
    work.attempt_to_delete.push_back(ref.uid);
  }
  self.deleting_dependents = foreground;
  if (being_deleted && HasFinalizer(meta, kFinalizerOrphan)) {
    work.attempt_to_orphan.push_back(ref.uid);
  }
  return work;
}

Work Graph::Remove(const std::string& uid) {
  std::lock_guard lock(mu_);
  Work work;
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return work;
  Node node = std::move(it->second);
  nodes_.erase(it);
  for (const auto& owner : node.owners) Unlink(owner.uid(), uid, &work);
  for (const auto& d : node.dependents) work.attempt_to_delete.push_back(d);
  return work;
}

std::vector<std::string> Graph::RemoveVirtual(const std::string& uid) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end() || !it->second.is_virtual) return {};
  std::vector<std::string> dependents(it->second.dependents.begin(), it->second.dependents.end());
  nodes_.erase(it);
  return dependents;
}

std::optional<Node> Graph::Get(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Graph::BlockingDependents(const std::string& uid) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto it = nodes_.find(uid);
  if (it == nodes_.end()) return out;
  for (const auto& d : it->second.dependents) {
    auto dep = nodes_.find(d);
    if (dep == nodes_.end()) continue;
    for (const auto& o : dep->second.owners) {
      if (o.uid() == uid && o.block_owner_deletion()) out.push_back(d);
    }
  }
  return out;
}

size_t Graph::size() const {
  std::lock_guard lock(mu_);
  return nodes_.size();
}

}  // namespace pk::controllers::gc
