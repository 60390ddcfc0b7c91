#include "scheduler/framework/snapshot.h"

namespace pk::scheduler {

Snapshot::Snapshot(std::vector<NodeInfoPtr> nodes, NamespaceLabels namespaces)
    : nodes_(std::move(nodes)), namespaces_(std::move(namespaces)) {
  Rebuild();
}

void Snapshot::Rebuild() {
  with_affinity_.clear();
  with_required_anti_affinity_.clear();
  bool same_names = indexed_names_.size() == nodes_.size();
  for (size_t i = 0; same_names && i < nodes_.size(); ++i) {
    same_names = indexed_names_[i] == nodes_[i]->name();
  }
  if (!same_names) {
    by_name_.clear();
    indexed_names_.clear();
    for (size_t i = 0; i < nodes_.size(); ++i) {
      by_name_[nodes_[i]->name()] = i;
      indexed_names_.push_back(nodes_[i]->name());
    }
  }
  for (const NodeInfoPtr& n : nodes_) {
    if (!n->pods_with_affinity().empty()) with_affinity_.push_back(n);
    if (!n->pods_with_required_anti_affinity().empty()) {
      with_required_anti_affinity_.push_back(n);
    }
  }
}

const NodeInfo* Snapshot::Get(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : nodes_[it->second].get();
}

const std::map<std::string, std::string>& Snapshot::LabelsOfNamespace(const std::string& ns) const {
  static const std::map<std::string, std::string> kNone;
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? kNone : it->second;
}

}  // namespace pk::scheduler
