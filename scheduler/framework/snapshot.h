// Snapshot: the NodeInfos one scheduling cycle works on (framework's internal cache
// Snapshot). Taken from the cache at the start of a cycle; plugins read it, never write it.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/framework/types.h"

namespace pk::scheduler {

class Snapshot {
 public:
  Snapshot() = default;
  // A snapshot of `nodes` (tests build them directly; the cache keeps one up to date).
  explicit Snapshot(std::vector<NodeInfoPtr> nodes, NamespaceLabels namespaces = {});

  const std::vector<NodeInfoPtr>& nodes() const { return nodes_; }
  // Nodes with at least one pod that has (anti-)affinity terms.
  const std::vector<NodeInfoPtr>& have_pods_with_affinity() const { return with_affinity_; }
  const std::vector<NodeInfoPtr>& have_pods_with_required_anti_affinity() const {
    return with_required_anti_affinity_;
  }
  // Null when the node is unknown.
  const NodeInfo* Get(const std::string& name) const;
  size_t size() const { return nodes_.size(); }
  // Labels of each namespace, for namespaceSelector terms (empty map when unknown).
  const std::map<std::string, std::string>& LabelsOfNamespace(const std::string& ns) const;
  const NamespaceLabels& namespaces() const { return namespaces_; }

  // The cache changes nodes_ (replacing NodeInfos with newer copies, adding, removing), then
  // calls Rebuild: the affinity lists are recomputed (O(nodes), no allocation per node), the
  // name index only when the node list's names changed.
  std::vector<NodeInfoPtr>& mutable_nodes() { return nodes_; }
  NamespaceLabels& mutable_namespaces() { return namespaces_; }
  void Rebuild();
  int64_t generation = 0;  // the cache generation this snapshot reflects

 private:
  std::vector<NodeInfoPtr> nodes_;
  std::vector<NodeInfoPtr> with_affinity_;
  std::vector<NodeInfoPtr> with_required_anti_affinity_;
  std::unordered_map<std::string, size_t> by_name_;  // index into nodes_
  std::vector<std::string> indexed_names_;           // nodes_' names when by_name_ was built
  NamespaceLabels namespaces_;
};

}  // namespace pk::scheduler
