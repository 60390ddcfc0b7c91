// Cache (internal/cache.cacheImpl). Each node is a NodeItem: the live NodeInfo the informer
// events change, and the last copy handed to snapshots. A copy is never changed once made, so
// a snapshot shares unchanged NodeInfos with the previous one, and a cycle still holding an
// older snapshot sees a consistent view. A NodeInfo without a node holds the pods that arrived
// before their node (or outlived it); it is not in snapshots.
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
    NodeInfoPtr copy;                 // last copy for snapshots; null when it must be redone
    std::vector<std::string> images;  // every name of every image on the node
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

  NodeItem& ItemFor(const std::string& name) {
    NodeItem& item = nodes[name];
    if (!item.info) item.info = std::make_shared<NodeInfo>();
    return item;
  }
  void AddPodTo(const std::string& node, PodPtr pod) {
    ItemFor(node).info->AddPod(std::make_shared<PodInfo>(std::move(pod)));
  }
  void RemovePodFrom(const std::string& node, const std::string& uid) {
    auto it = nodes.find(node);
    if (it == nodes.end()) return;
    it->second.info->RemovePod(uid);
    if (!it->second.info->node() && it->second.info->pods().empty()) nodes.erase(it);
  }
  // Puts `pod` on its spec.nodeName, moving it from where `state` had it.
  void Place(PodState& state, PodPtr pod) {
    if (!state.node.empty()) RemovePodFrom(state.node, Uid(*pod));
    state.node = pod->spec().node_name();
    state.pod = pod;
    AddPodTo(state.node, std::move(pod));
  }

  // Records `node`'s images (addNodeImageStates/removeNodeImageStates); the copies of every
  // node sharing an image whose node count changed are redone.
  void SetImages(const std::string& node, NodeItem& item, const Node* from) {
    std::vector<std::string> names;
    if (from) {
      for (const auto& image : from->status().images()) {
        for (const auto& name : image.names()) {
          names.push_back(name);
          auto [it, added] = images.try_emplace(name);
          if (added) it->second.size = image.size_bytes();
          if (it->second.nodes.insert(node).second) Invalidate(it->second.nodes);
        }
      }
    }
    std::set<std::string> kept(names.begin(), names.end());
    for (const std::string& name : item.images) {
      if (kept.count(name)) continue;
      auto it = images.find(name);
      if (it == images.end()) continue;
      it->second.nodes.erase(node);
      Invalidate(it->second.nodes);
      if (it->second.nodes.empty()) images.erase(it);
    }
    item.images = std::move(names);
  }
  void Invalidate(const std::set<std::string>& names) {
    for (const std::string& name : names) {
      if (auto it = nodes.find(name); it != nodes.end()) it->second.copy.reset();
    }
  }

  const NodeInfoPtr& CopyOf(NodeItem& item) {
    if (item.copy && item.copy->generation() == item.info->generation()) return item.copy;
    auto copy = std::make_shared<NodeInfo>(*item.info);
    auto& states = copy->mutable_image_states();
    states.clear();
    for (const std::string& name : item.images) {
      const ImageState& image = images.at(name);
      states[name] =
          ImageStateSummary{.size = image.size, .num_nodes = static_cast<int>(image.nodes.size())};
    }
    item.copy = std::move(copy);
    return item.copy;
  }
};

Cache::Cache() : state_(std::make_unique<State>()) {}
Cache::~Cache() = default;

void Cache::AddNode(NodePtr node) {
  std::lock_guard lock(mu_);
  const std::string name = node->metadata().name();
  State::NodeItem& item = state_->ItemFor(name);
  if (!item.info->node()) state_->order.push_back(&item);
  const Node* raw = node.get();
  item.info->SetNode(std::move(node));
  state_->SetImages(name, item, raw);
  ++state_->version;
}

void Cache::UpdateNode(NodePtr node) { AddNode(std::move(node)); }

// The node's pods stay (on a NodeInfo without node) until their own deletes arrive, as in
// Kubernetes: the informer may deliver the node's delete first.
void Cache::RemoveNode(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = state_->nodes.find(name);
  if (it == state_->nodes.end() || !it->second.info->node()) return;
  State::NodeItem& item = it->second;
  std::erase(state_->order, &item);
  state_->SetImages(name, item, nullptr);
  if (item.info->pods().empty()) {
    state_->nodes.erase(it);
  } else {
    auto orphans = std::make_shared<NodeInfo>();
    for (const PodInfoPtr& pod : item.info->pods()) orphans->AddPod(pod);
    item.info = std::move(orphans);
    item.copy.reset();
  }
  ++state_->version;
}

void Cache::AddPod(PodPtr pod) {
  std::lock_guard lock(mu_);
  if (pod->spec().node_name().empty()) return;
  // New, or assumed (confirmed now: the informer's copy replaces ours, on the node it names),
  // or added before (a repeated add replaces it).
  State::PodState& state = state_->pods[Uid(*pod)];
  state.assumed = false;
  state_->Place(state, std::move(pod));
  ++state_->version;
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
  state_->RemovePodFrom(it->second.node, it->first);
  state_->pods.erase(it);
  ++state_->version;
}

Status Cache::AssumePod(PodPtr pod) {
  std::lock_guard lock(mu_);
  const std::string uid = Uid(*pod);
  if (state_->pods.count(uid)) {
    return Status::AlreadyExists({"", "pods"}, pod->metadata().name());
  }
  State::PodState& state = state_->pods[uid];
  state.assumed = true;
  state_->Place(state, std::move(pod));
  ++state_->version;
  return {};
}

void Cache::ForgetPod(const std::string& uid) {
  std::lock_guard lock(mu_);
  auto it = state_->pods.find(uid);
  if (it == state_->pods.end() || !it->second.assumed) return;
  state_->RemovePodFrom(it->second.node, uid);
  state_->pods.erase(it);
  ++state_->version;
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

// Copies only the NodeInfos that changed (or whose images' node counts changed) since their
// last copy; the rest of the snapshot keeps its objects. O(nodes) pointer work plus Rebuild.
void Cache::UpdateSnapshot(Snapshot* snapshot) {
  std::lock_guard lock(mu_);
  if (snapshot->generation == state_->version) return;
  std::vector<NodeInfoPtr> nodes;
  nodes.reserve(state_->order.size());
  for (State::NodeItem* item : state_->order) nodes.push_back(state_->CopyOf(*item));
  if (nodes != snapshot->nodes()) {
    snapshot->mutable_nodes() = std::move(nodes);
    snapshot->Rebuild();
  }
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
