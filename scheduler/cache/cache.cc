// Cache (internal/cache.cacheImpl). Each node is a NodeItem: the live NodeInfo the informer
// events change, its images, and the cache version of its last change. A NodeInfo without a
// node holds the pods that arrived before their node (or outlived it); it is not in snapshots.
//
// Snapshots (UpdateSnapshot) own their NodeInfos. As in Kubernetes, a changed node's NodeInfo
// is overwritten in place in the snapshot (`*existing = *clone`), so the snapshot's name
// index stays valid and needs no Rebuild unless the node list or the affinity lists change:
// with 5,000 nodes and one change an update is a scan of 5,000 integers and one copy.
#include "scheduler/cache/cache.h"

#include <utility>
#include <vector>

namespace pk::scheduler {
namespace {

const std::string& Uid(const Pod& pod) { return pod.metadata().uid(); }

}  // namespace

struct Cache::State {
  struct NodeItem {
    NodeInfoPtr info;                 // live; info->node() null while only pods name it
    std::vector<std::string> images;  // every name of every image on the node
    int64_t changed_at = 0;           // `version` at its last change (pods, node, images)
  };
  struct PodState {
    PodPtr pod;
    std::string node;
    bool assumed = false;
  };
  struct ImageState {
    int64_t size = 0;
    std::set<std::string> nodes;
  };

  std::map<std::string, NodeItem> nodes;  // by name; addresses stable for `order`
  std::vector<NodeItem*> order;           // nodes with a Node, in the order they came
  std::map<std::string, PodState> pods;   // by uid
  std::map<std::string, ImageState> images;
  NamespaceLabels namespaces;
  // Bumped by every change; a snapshot whose generation equals it is up to date.
  int64_t version = 1;
  int64_t list_changed_at = 1;  // `version` when a node last came or went

  NodeItem& ItemFor(const std::string& name) {
    NodeItem& item = nodes[name];
    if (!item.info) item.info = std::make_shared<NodeInfo>();
    item.changed_at = version;
    return item;
  }
  void AddPodTo(const std::string& node, PodPtr pod) {
    ItemFor(node).info->AddPod(std::make_shared<PodInfo>(std::move(pod)));
  }
  void RemovePodFrom(const std::string& node, const std::string& uid) {
    auto it = nodes.find(node);
    if (it == nodes.end()) return;
    it->second.info->RemovePod(uid);
    it->second.changed_at = version;
    if (!it->second.info->node() && it->second.info->pods().empty()) nodes.erase(it);
  }
  // Puts `pod` on its spec.nodeName, moving it from where `state` had it.
  void Place(PodState& state, PodPtr pod) {
    if (!state.node.empty()) RemovePodFrom(state.node, Uid(*pod));
    state.node = pod->spec().node_name();
    state.pod = pod;
    AddPodTo(state.node, std::move(pod));
  }

  // Records `node`'s images (addNodeImageStates/removeNodeImageStates); every node sharing an
  // image whose node count changed counts as changed, so its image states are redone.
  void SetImages(const std::string& node, NodeItem& item, const Node* from) {
    std::vector<std::string> names;
    if (from) {
      for (const auto& image : from->status().images()) {
        for (const auto& name : image.names()) {
          names.push_back(name);
          auto [it, added] = images.try_emplace(name);
          if (added) it->second.size = image.size_bytes();
          if (it->second.nodes.insert(node).second) Touch(it->second.nodes);
        }
      }
    }
    std::set<std::string> kept(names.begin(), names.end());
    for (const std::string& name : item.images) {
      if (kept.count(name)) continue;
      auto it = images.find(name);
      if (it == images.end()) continue;
      it->second.nodes.erase(node);
      Touch(it->second.nodes);
      if (it->second.nodes.empty()) images.erase(it);
    }
    item.images = std::move(names);
  }
  void Touch(const std::set<std::string>& names) {
    for (const std::string& name : names) {
      if (auto it = nodes.find(name); it != nodes.end()) it->second.changed_at = version;
    }
  }

  // `dst` becomes a copy of the item's NodeInfo with its image states.
  void CopyInto(NodeInfo& dst, const NodeItem& item) const {
    dst = *item.info;
    auto& states = dst.mutable_image_states();
    states.clear();
    for (const std::string& name : item.images) {
      const ImageState& image = images.at(name);
      states[name] =
          ImageStateSummary{.size = image.size, .num_nodes = static_cast<int>(image.nodes.size())};
    }
  }
  // Overwrites the snapshot's copies of the nodes changed since `since`; false when the
  // snapshot's node list does not match (then it must be rebuilt). Sets `*lists_changed`
  // when a node's membership in the affinity lists may have changed.
  bool UpdateInPlace(Snapshot& snapshot, int64_t since, bool* lists_changed) const {
    if (since == 0 || list_changed_at > since || snapshot.size() != order.size()) return false;
    std::vector<size_t> changed;
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i]->changed_at <= since) continue;
      if (snapshot.nodes()[i]->name() != order[i]->info->name()) return false;
      changed.push_back(i);
    }
    for (size_t i : changed) {
      NodeInfo& dst = *snapshot.mutable_nodes()[i];
      const NodeInfo& src = *order[i]->info;
      *lists_changed = *lists_changed ||
                       dst.pods_with_affinity().empty() != src.pods_with_affinity().empty() ||
                       dst.pods_with_required_anti_affinity().empty() !=
                           src.pods_with_required_anti_affinity().empty();
      CopyInto(dst, *order[i]);
    }
    return true;
  }
  // A new node list: the snapshot's own NodeInfos are kept (and refreshed when changed since
  // `since`), new nodes copied.
  void Relist(Snapshot& snapshot, int64_t since) const {
    std::map<std::string, NodeInfoPtr> old;  // (CopyInto may free a view's string)
    if (since != 0) {
      for (const NodeInfoPtr& n : snapshot.nodes()) old.emplace(n->name(), n);
    }
    std::vector<NodeInfoPtr> nodes;
    nodes.reserve(order.size());
    for (const NodeItem* item : order) {
      auto it = old.find(item->info->name());
      if (it == old.end()) {
        auto copy = std::make_shared<NodeInfo>();
        CopyInto(*copy, *item);
        nodes.push_back(std::move(copy));
        continue;
      }
      if (item->changed_at > since) CopyInto(*it->second, *item);
      nodes.push_back(it->second);
    }
    snapshot.mutable_nodes() = std::move(nodes);
  }
};

Cache::Cache() : state_(std::make_unique<State>()) {}
Cache::~Cache() = default;

// Every mutation bumps `version` first: the items it touches record the new value.

void Cache::AddNode(NodePtr node) {
  std::lock_guard lock(mu_);
  ++state_->version;
  const std::string name = node->metadata().name();
  State::NodeItem& item = state_->ItemFor(name);
  if (!item.info->node()) {
    state_->order.push_back(&item);
    state_->list_changed_at = state_->version;
  }
  const Node* raw = node.get();
  item.info->SetNode(std::move(node));
  state_->SetImages(name, item, raw);
}

void Cache::UpdateNode(NodePtr node) { AddNode(std::move(node)); }

// The node's pods stay (on a NodeInfo without node) until their own deletes arrive, as in
// Kubernetes: the informer may deliver the node's delete first.
void Cache::RemoveNode(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = state_->nodes.find(name);
  if (it == state_->nodes.end() || !it->second.info->node()) return;
  ++state_->version;
  state_->list_changed_at = state_->version;
  State::NodeItem& item = it->second;
  std::erase(state_->order, &item);
  state_->SetImages(name, item, nullptr);
  if (item.info->pods().empty()) {
    state_->nodes.erase(it);
    return;
  }
  auto orphans = std::make_shared<NodeInfo>();
  for (const PodInfoPtr& pod : item.info->pods()) orphans->AddPod(pod);
  item.info = std::move(orphans);
}

void Cache::AddPod(PodPtr pod) {
  std::lock_guard lock(mu_);
  if (pod->spec().node_name().empty()) return;
  ++state_->version;
  // New, or assumed (confirmed now: the informer's copy replaces ours, on the node it names),
  // or added before (a repeated add replaces it).
  State::PodState& state = state_->pods[Uid(*pod)];
  state.assumed = false;
  state_->Place(state, std::move(pod));
}

void Cache::UpdatePod(const PodPtr& /*old_pod*/, PodPtr new_pod) {
  if (new_pod->spec().node_name().empty()) {
    RemovePod(*new_pod);
    return;
  }
  AddPod(std::move(new_pod));
}

void Cache::RemovePod(const Pod& pod) {
  std::lock_guard lock(mu_);
  auto it = state_->pods.find(Uid(pod));
  if (it == state_->pods.end()) return;
  ++state_->version;
  state_->RemovePodFrom(it->second.node, it->first);
  state_->pods.erase(it);
}

Status Cache::AssumePod(PodPtr pod) {
  std::lock_guard lock(mu_);
  const std::string uid = Uid(*pod);
  if (state_->pods.count(uid)) {
    return Status::AlreadyExists({"", "pods"}, pod->metadata().name());
  }
  ++state_->version;
  State::PodState& state = state_->pods[uid];
  state.assumed = true;
  state_->Place(state, std::move(pod));
  return {};
}

void Cache::ForgetPod(const std::string& uid) {
  std::lock_guard lock(mu_);
  auto it = state_->pods.find(uid);
  if (it == state_->pods.end() || !it->second.assumed) return;
  ++state_->version;
  state_->RemovePodFrom(it->second.node, uid);
  state_->pods.erase(it);
}

bool Cache::IsAssumed(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = state_->pods.find(uid);
  return it != state_->pods.end() && it->second.assumed;
}

void Cache::SetNamespace(const std::string& name, std::map<std::string, std::string> labels) {
  std::lock_guard lock(mu_);
  state_->namespaces[name] = std::move(labels);
  ++state_->version;
}

void Cache::RemoveNamespace(const std::string& name) {
  std::lock_guard lock(mu_);
  if (state_->namespaces.erase(name)) ++state_->version;
}

// Copies only the NodeInfos that changed since the snapshot's generation (a snapshot is
// meant to be kept up to date by one cache).
void Cache::UpdateSnapshot(Snapshot* snapshot) {
  std::lock_guard lock(mu_);
  const int64_t since = snapshot->generation;
  if (since == state_->version) return;
  bool lists_changed = false;
  if (!state_->UpdateInPlace(*snapshot, since, &lists_changed)) {
    state_->Relist(*snapshot, since);
    lists_changed = true;
  }
  if (lists_changed) snapshot->Rebuild();
  if (snapshot->namespaces() != state_->namespaces) {
    snapshot->mutable_namespaces() = state_->namespaces;
  }
  snapshot->generation = state_->version;
}

size_t Cache::NodeCount() const {
  std::lock_guard lock(mu_);
  return state_->order.size();
}

size_t Cache::PodCount() const {
  std::lock_guard lock(mu_);
  return state_->pods.size();
}

}  // namespace pk::scheduler
