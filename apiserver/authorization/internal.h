// The parts of authorization shared between its files: the write/apply revisions
// (Freshness), the index of RBAC objects and bound pods, and the rule builder of the
// bootstrap policy.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "apiserver/authorization/authorization.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::apiserver::authorization {

// The resources whose writes a denial waits for.
inline constexpr std::string_view kTrackedResources[] = {"roles", "clusterroles", "rolebindings",
                                                         "clusterrolebindings", "pods"};

class Freshness {
 public:
  // By the index before its first list: until `resource` is applied once, Behind() holds,
  // so a denial right after a (re)start waits for the stored roles instead of answering
  // from an empty index.
  void Expect(std::string_view resource) { Written(resource, 0); }
  // By TrackWrites: a write to `resource` was acknowledged at `revision`.
  void Written(std::string_view resource, int64_t revision);
  // By the index: every write to `resource` up to `revision` has been applied.
  void Applied(std::string_view resource, int64_t revision);
  // Whether a write was acknowledged that the index has not applied yet.
  bool Behind() const;
  // Waits until the index has applied every write acknowledged before the call; false on
  // timeout.
  bool WaitCaughtUp(std::chrono::milliseconds timeout);

 private:
  bool CaughtUpLocked(const std::map<std::string, int64_t, std::less<>>& targets) const;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int64_t, std::less<>> written_;
  std::map<std::string, int64_t, std::less<>> applied_;
};

// What the Node authorizer knows of a pod (its vertex and edges in Kubernetes' graph).
struct PodRefs {
  std::string node;  // spec.nodeName
  std::set<std::string> secrets, configmaps, pvcs, service_accounts;
};
PodRefs RefsOf(const k8s::core::v1::Pod& pod);

// The RBAC objects and pods, as the store's watches last delivered them. Thread-safe; the
// accessors copy out what they return, under a shared lock.
class PolicyIndex {
 public:
  using RolePtr = std::shared_ptr<const k8s::rbac::v1::Role>;
  using ClusterRolePtr = std::shared_ptr<const k8s::rbac::v1::ClusterRole>;
  using BindingPtr = std::shared_ptr<const k8s::rbac::v1::RoleBinding>;
  using ClusterBindingPtr = std::shared_ptr<const k8s::rbac::v1::ClusterRoleBinding>;

  // An empty index (tests fill it with Put*).
  PolicyIndex() = default;
  ~PolicyIndex();
  // Lists each resource, then watches it from the list's revision, in a thread, until Stop.
  // `on_clusterroles` is called (from the watch thread) after ClusterRoles changed.
  void Start(storage::Store* store, std::shared_ptr<Freshness> freshness,
             std::function<void()> on_clusterroles);
  void Stop();

  RolePtr Role(const std::string& ns, const std::string& name) const;
  ClusterRolePtr ClusterRole(const std::string& name) const;
  std::vector<ClusterRolePtr> ClusterRoles() const;
  std::vector<BindingPtr> RoleBindings(const std::string& ns) const;
  std::vector<ClusterBindingPtr> ClusterRoleBindings() const;
  // Whether the pod ns/name is bound to `node`, and whether one of the pods bound to `node`
  // refers to the object (`kind`: "secrets", "configmaps", "persistentvolumeclaims",
  // "serviceaccounts").
  bool PodOnNode(const std::string& ns, const std::string& name, const std::string& node) const;
  bool ReferencedFromNode(std::string_view kind, const std::string& ns, const std::string& name,
                          const std::string& node) const;

  // Applies one object (nullptr: deleted) of `resource` at key ns/name. For the watch and tests.
  void Put(std::string_view resource, const std::string& ns, const std::string& name,
           storage::ObjectPtr object);
  // Replaces every object of `resource` with a list's, in one step: a relist never shows a
  // reader the empty index in between.
  void Replace(std::string_view resource, const std::vector<storage::ObjectPtr>& objects);

 private:
  void PutLocked(std::string_view resource, const std::string& ns, const std::string& name,
                 storage::ObjectPtr object);
  void ClearLocked(std::string_view resource);
  void WatchLoop(std::string resource);
  Status ListAndWatch(const std::string& resource);

  mutable std::shared_mutex mu_;
  std::map<std::string, RolePtr> roles_;  // "ns/name"
  std::map<std::string, ClusterRolePtr> cluster_roles_;
  std::map<std::string, std::map<std::string, BindingPtr>> role_bindings_;  // ns -> name
  std::map<std::string, ClusterBindingPtr> cluster_bindings_;
  std::map<std::string, PodRefs> pods_;                        // "ns/name"
  std::map<std::string, std::set<std::string>> pods_by_node_;  // node -> "ns/name"

  storage::Store* store_ = nullptr;
  std::shared_ptr<Freshness> freshness_;
  std::function<void()> on_clusterroles_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

// --- building policy rules (rbacv1helpers.NewRule(...).Groups(...).Resources(...))

struct RuleSpec {
  std::vector<std::string> verbs;
  std::vector<std::string> groups;
  std::vector<std::string> resources;
  std::vector<std::string> names = {};
  std::vector<std::string> urls = {};
};
PolicyRule MakeRule(const RuleSpec& spec);
std::vector<PolicyRule> MakeRules(const std::vector<RuleSpec>& specs);
// eventsRule(): create, update, patch of events in "" and events.k8s.io.
RuleSpec EventsRule();

inline const std::vector<std::string> kRead = {"get", "list", "watch"};
inline const std::vector<std::string> kWrite = {"create", "update", "patch", "delete",
                                                "deletecollection"};
inline const std::vector<std::string> kReadWrite = {
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"};
inline const std::vector<std::string> kReadUpdate = {"get", "list", "watch", "update", "patch"};

// The controller roles and bindings (bootstrappolicy/controller_policy.go), for the
// controllers picokube runs.
std::vector<k8s::rbac::v1::ClusterRole> ControllerRoles();
std::vector<k8s::rbac::v1::ClusterRoleBinding> ControllerRoleBindings();

// The RBAC authorizer's evaluation, shared with RulesFor: calls `visit` with each rule that
// applies to `user` in `ns` ("" for cluster-wide only) and a description of where it comes
// from, until `visit` returns false. Missing roles are reported through `error`.
void VisitRulesFor(
    const PolicyIndex& index, const UserInfo& user, const std::string& ns,
    const std::function<bool(const std::string& source, const PolicyRule& rule)>& visit,
    const std::function<void(const std::string& error)>& error);

// How a review's attributes are decided (Authorization::Check's logic, without the error).
using Decide = std::function<Verdict(const Attributes&)>;
Status AnswerReview(const Authorizer& authorizer, const Decide& decide, const Request& request,
                    google::protobuf::Message* review);

// Recomputes the rules of aggregated ClusterRoles after ClusterRoles changed, in a thread of
// its own (Changed never blocks the index's watch), writing through `store`.
class Aggregator {
 public:
  Aggregator(storage::Store* store, std::shared_ptr<const PolicyIndex> index);
  ~Aggregator();
  void Changed();

 private:
  void Loop();
  void SyncAll();

  storage::Store* store_;
  std::shared_ptr<const PolicyIndex> index_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pk::apiserver::authorization
