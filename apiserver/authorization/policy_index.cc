// PolicyIndex: the RBAC objects and bound pods in memory, kept current by one
// list-then-watch per resource (an informer without the client).
#include <fmt/format.h>

#include "apimachinery/log.h"
#include "apimachinery/object.h"
#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

template <class T>
std::shared_ptr<const T> As(const storage::ObjectPtr& object) {
  return std::dynamic_pointer_cast<const T>(object);
}

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

}  // namespace

PodRefs RefsOf(const k8s::core::v1::Pod& pod) {
  PodRefs refs;
  const auto& spec = pod.spec();
  refs.node = spec.node_name();
  if (!spec.service_account_name().empty())
    refs.service_accounts.insert(spec.service_account_name());
  for (const auto& secret : spec.image_pull_secrets()) refs.secrets.insert(secret.name());
  for (const auto& volume : spec.volumes()) {
    if (volume.has_secret()) refs.secrets.insert(volume.secret().secret_name());
    if (volume.has_config_map()) refs.configmaps.insert(volume.config_map().name());
    if (volume.has_persistent_volume_claim()) {
      refs.pvcs.insert(volume.persistent_volume_claim().claim_name());
    }
    if (volume.has_projected()) {
      for (const auto& source : volume.projected().sources()) {
        if (source.has_secret()) refs.secrets.insert(source.secret().name());
        if (source.has_config_map()) refs.configmaps.insert(source.config_map().name());
      }
    }
  }
  auto containers = [&](const auto& list) {
    for (const auto& c : list) {
      for (const auto& from : c.env_from()) {
        if (from.has_secret_ref()) refs.secrets.insert(from.secret_ref().name());
        if (from.has_config_map_ref()) refs.configmaps.insert(from.config_map_ref().name());
      }
      for (const auto& env : c.env()) {
        if (!env.has_value_from()) continue;
        const auto& from = env.value_from();
        if (from.has_secret_key_ref()) refs.secrets.insert(from.secret_key_ref().name());
        if (from.has_config_map_key_ref()) {
          refs.configmaps.insert(from.config_map_key_ref().name());
        }
      }
    }
  };
  containers(spec.init_containers());
  containers(spec.containers());
  containers(spec.ephemeral_containers());
  return refs;
}

PolicyIndex::~PolicyIndex() { Stop(); }

void PolicyIndex::Put(std::string_view resource, const std::string& ns, const std::string& name,
                      storage::ObjectPtr object) {
  std::unique_lock lock(mu_);
  PutLocked(resource, ns, name, std::move(object));
}

void PolicyIndex::Replace(std::string_view resource,
                          const std::vector<storage::ObjectPtr>& objects) {
  std::unique_lock lock(mu_);
  ClearLocked(resource);
  for (const auto& object : objects) {
    const auto* meta = GetObjectMeta(*object);
    PutLocked(resource, meta->namespace_(), meta->name(), object);
  }
}

void PolicyIndex::PutLocked(std::string_view resource, const std::string& ns,
                            const std::string& name, storage::ObjectPtr object) {
  if (resource == "roles") {
    if (object)
      roles_[Key(ns, name)] = As<k8s::rbac::v1::Role>(object);
    else
      roles_.erase(Key(ns, name));
  } else if (resource == "clusterroles") {
    if (object)
      cluster_roles_[name] = As<k8s::rbac::v1::ClusterRole>(object);
    else
      cluster_roles_.erase(name);
  } else if (resource == "rolebindings") {
    if (object)
      role_bindings_[ns][name] = As<k8s::rbac::v1::RoleBinding>(object);
    else if (role_bindings_.count(ns))
      role_bindings_[ns].erase(name);
  } else if (resource == "clusterrolebindings") {
    if (object)
      cluster_bindings_[name] = As<k8s::rbac::v1::ClusterRoleBinding>(object);
    else
      cluster_bindings_.erase(name);
  } else if (resource == "pods") {
    std::string key = Key(ns, name);
    if (auto old = pods_.find(key); old != pods_.end()) {
      pods_by_node_[old->second.node].erase(key);
      pods_.erase(old);
    }
    auto pod = As<k8s::core::v1::Pod>(object);
    if (pod && !pod->spec().node_name().empty()) {
      PodRefs refs = RefsOf(*pod);
      pods_by_node_[refs.node].insert(key);
      pods_.emplace(key, std::move(refs));
    }
  }
}

void PolicyIndex::ClearLocked(std::string_view resource) {
  if (resource == "roles") roles_.clear();
  if (resource == "clusterroles") cluster_roles_.clear();
  if (resource == "rolebindings") role_bindings_.clear();
  if (resource == "clusterrolebindings") cluster_bindings_.clear();
  if (resource == "pods") {
    pods_.clear();
    pods_by_node_.clear();
  }
}

PolicyIndex::RolePtr PolicyIndex::Role(const std::string& ns, const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = roles_.find(Key(ns, name));
  return it == roles_.end() ? nullptr : it->second;
}

PolicyIndex::ClusterRolePtr PolicyIndex::ClusterRole(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = cluster_roles_.find(name);
  return it == cluster_roles_.end() ? nullptr : it->second;
}

std::vector<PolicyIndex::ClusterRolePtr> PolicyIndex::ClusterRoles() const {
  std::shared_lock lock(mu_);
  std::vector<ClusterRolePtr> out;
  for (const auto& [name, role] : cluster_roles_) out.push_back(role);
  return out;
}

std::vector<PolicyIndex::BindingPtr> PolicyIndex::RoleBindings(const std::string& ns) const {
  std::shared_lock lock(mu_);
  std::vector<BindingPtr> out;
  auto it = role_bindings_.find(ns);
  if (it == role_bindings_.end()) return out;
  for (const auto& [name, binding] : it->second) out.push_back(binding);
  return out;
}

std::vector<PolicyIndex::ClusterBindingPtr> PolicyIndex::ClusterRoleBindings() const {
  std::shared_lock lock(mu_);
  std::vector<ClusterBindingPtr> out;
  for (const auto& [name, binding] : cluster_bindings_) out.push_back(binding);
  return out;
}

bool PolicyIndex::PodOnNode(const std::string& ns, const std::string& name,
                            const std::string& node) const {
  std::shared_lock lock(mu_);
  auto it = pods_.find(Key(ns, name));
  return it != pods_.end() && it->second.node == node;
}

bool PolicyIndex::ReferencedFromNode(std::string_view kind, const std::string& ns,
                                     const std::string& name, const std::string& node) const {
  std::shared_lock lock(mu_);
  auto on_node = pods_by_node_.find(node);
  if (on_node == pods_by_node_.end()) return false;
  std::string prefix = ns + "/";
  for (auto it = on_node->second.lower_bound(prefix);
       it != on_node->second.end() && it->starts_with(prefix); ++it) {
    const PodRefs& refs = pods_.at(*it);
    const std::set<std::string>* set = kind == "secrets"                  ? &refs.secrets
                                       : kind == "configmaps"             ? &refs.configmaps
                                       : kind == "persistentvolumeclaims" ? &refs.pvcs
                                       : kind == "serviceaccounts"        ? &refs.service_accounts
                                                                          : nullptr;
    if (set != nullptr && set->count(name)) return true;
  }
  return false;
}

void PolicyIndex::Start(storage::Store* store, std::shared_ptr<Freshness> freshness,
                        std::function<void()> on_clusterroles) {
  store_ = store;
  freshness_ = std::move(freshness);
  on_clusterroles_ = std::move(on_clusterroles);
  if (freshness_) {
    for (std::string_view resource : kTrackedResources) freshness_->Expect(resource);
  }
  for (std::string_view resource : kTrackedResources) {
    threads_.emplace_back([this, r = std::string(resource)] { WatchLoop(r); });
  }
}

void PolicyIndex::Stop() {
  stopping_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void PolicyIndex::WatchLoop(std::string resource) {
  while (!stopping_) {
    Status s = ListAndWatch(resource);
    if (stopping_) return;
    if (!s.ok()) {
      pk::Logf("authorization: watching %s: %s (retrying)\n", resource.c_str(),
               s.message().c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

// One list, then watch from its revision until the watch ends (a slow reader is cut off;
// the next round lists again, as a reflector does).
Status PolicyIndex::ListAndWatch(const std::string& resource) {
  storage::ListOptions list_options;
  list_options.prefix = storage::PrefixKey(resource);
  auto list = store_->List(list_options);
  if (!list.ok()) return list.take_status();
  Replace(resource, list->items);
  if (freshness_) freshness_->Applied(resource, list->revision);
  if (resource == "clusterroles" && on_clusterroles_) on_clusterroles_();
  storage::WatchOptions watch_options;
  watch_options.prefix = list_options.prefix;
  watch_options.resource_version = list->revision;
  auto watcher = store_->Watch(watch_options);
  if (!watcher.ok()) return watcher.take_status();
  while (!stopping_) {
    auto event = (*watcher)->Next(std::chrono::milliseconds(100));
    if (!event) {
      if ((*watcher)->done()) break;
      continue;
    }
    if (event->type == storage::Event::Type::kError) return event->error;
    if (event->type == storage::Event::Type::kBookmark) continue;
    std::vector<storage::Event> batch{std::move(*event)};
    for (auto& more : (*watcher)->Drain()) batch.push_back(std::move(more));
    int64_t revision = 0;
    for (const storage::Event& e : batch) {
      if (e.type == storage::Event::Type::kError) return e.error;
      if (!e.object) continue;
      const auto* meta = GetObjectMeta(*e.object);
      bool deleted = e.type == storage::Event::Type::kDeleted;
      Put(resource, meta->namespace_(), meta->name(), deleted ? nullptr : e.object);
      revision = std::max(revision, e.revision);
    }
    if (freshness_) freshness_->Applied(resource, revision);
    if (resource == "clusterroles" && on_clusterroles_) on_clusterroles_();
  }
  (*watcher)->Stop();
  return Status();
}

}  // namespace pk::apiserver::authorization
