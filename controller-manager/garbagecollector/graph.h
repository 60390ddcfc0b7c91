// The garbage collector's dependency graph (Kubernetes' GraphBuilder's uidToNode): a node per
// object the informers have shown, keyed by uid, with its ownerReferences and the uids of
// its dependents. An owner only named by a dependent's ownerReference is a virtual node
// until its informer shows it or the collector finds it absent.
//
// Every change answers which uids the collector must look at (its attemptToDelete and
// attemptToOrphan queues). Thread-safe: the informers' handlers and the workers share it.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/meta/v1/meta.pb.h"

namespace pk::controllers::gc {

constexpr char kFinalizerOrphan[] = "orphan";
constexpr char kFinalizerForeground[] = "foregroundDeletion";

// Who an object is: enough to Get it from the apiserver and check it is the same one.
struct ObjectRef {
  std::string api_version;  // "apps/v1"
  std::string kind;         // "ReplicaSet"
  std::string name;
  std::string ns;  // the dependent's namespace for a virtual node (unused if cluster-scoped)
  std::string uid;
};

struct Node {
  ObjectRef ref;
  std::vector<k8s::meta::v1::OwnerReference> owners;
  std::set<std::string> dependents;  // uids
  bool is_virtual = false;
  bool deleting_dependents = false;  // deletionTimestamp and the foregroundDeletion finalizer
};

// The uids a change hands to the collector's queues.
struct Work {
  std::vector<std::string> attempt_to_delete;
  std::vector<std::string> attempt_to_orphan;
};

bool HasFinalizer(const k8s::meta::v1::ObjectMeta& meta, const std::string& finalizer);

class Graph {
 public:
  // An object added or updated (processGraphChanges): links it to its owners (new owners
  // not in the graph become virtual nodes to verify), and queues foreground deletion of
  // its dependents or orphaning when it is being deleted with that finalizer.
  Work Upsert(const ObjectRef& ref, const k8s::meta::v1::ObjectMeta& meta);
  // An object deleted: its dependents are looked at (their owner may be gone), and so are
  // owners waiting for their dependents to go.
  Work Remove(const std::string& uid);
  // A virtual node found absent: removed; its dependents are returned to be looked at.
  std::vector<std::string> RemoveVirtual(const std::string& uid);

  std::optional<Node> Get(const std::string& uid) const;
  // The dependents whose ownerReference to `uid` has blockOwnerDeletion.
  std::vector<std::string> BlockingDependents(const std::string& uid) const;
  size_t size() const;

 private:
  void Unlink(const std::string& owner, const std::string& dependent, Work* work);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Node> nodes_;
};

}  // namespace pk::controllers::gc
