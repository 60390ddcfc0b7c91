// Indices are maintained on every write (remove the old object's values, add the new one's)
// so reads never scan.
#include "client/indexer.h"

#include "apimachinery/object.h"

namespace pk::client {

std::string KeyOf(const google::protobuf::Message& object) {
  const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(object);
  if (meta == nullptr) return "";
  if (meta->namespace_().empty()) return meta->name();
  return meta->namespace_() + "/" + meta->name();
}

Indexer::Indexer() {
  funcs_[kNamespaceIndex] = [](const google::protobuf::Message& object) {
    const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(object);
    return std::vector<std::string>{meta != nullptr ? meta->namespace_() : ""};
  };
}

void Indexer::AddIndex(const std::string& name, IndexFunc fn) {
  std::lock_guard lock(mu_);
  funcs_[name] = std::move(fn);
  auto& index = indices_[name];
  index.clear();
  for (const auto& [key, object] : items_) {
    for (const std::string& value : funcs_[name](*object)) index[value].emplace(key, object);
  }
}

void Indexer::IndexLocked(const std::string& key, const ObjectPtr& object) {
  for (const auto& [name, fn] : funcs_) {
    for (const std::string& value : fn(*object))
      indices_[name][value].insert_or_assign(key, object);
  }
}

void Indexer::UnindexLocked(const std::string& key, const google::protobuf::Message& object) {
  for (const auto& [name, fn] : funcs_) {
    auto& index = indices_[name];
    for (const std::string& value : fn(object)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

ObjectPtr Indexer::Upsert(ObjectPtr object) {
  std::string key = KeyOf(*object);
  std::lock_guard lock(mu_);
  ObjectPtr& slot = items_[key];
  ObjectPtr old = std::move(slot);
  if (old != nullptr) UnindexLocked(key, *old);
  IndexLocked(key, object);
  slot = std::move(object);
  return old;
}

ObjectPtr Indexer::Remove(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  items_.erase(it);
  UnindexLocked(key, *old);
  return old;
}

std::map<std::string, ObjectPtr> Indexer::Replace(const std::vector<ObjectPtr>& objects) {
  std::lock_guard lock(mu_);
  std::map<std::string, ObjectPtr> old = std::move(items_);
  items_.clear();
  indices_.clear();
  for (const ObjectPtr& object : objects) {
    std::string key = KeyOf(*object);
    IndexLocked(key, object);
    items_[key] = object;
  }
  return old;
}

ObjectPtr Indexer::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Indexer::List() const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(object);
  return out;
}

std::vector<std::string> Indexer::ListKeys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, object] : items_) out.push_back(key);
  return out;
}

std::vector<ObjectPtr> Indexer::ByIndex(const std::string& name, const std::string& value) const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  auto index = indices_.find(name);
  if (index == indices_.end()) return out;
  auto keys = index->second.find(value);
  if (keys == index->second.end()) return out;
  out.reserve(keys->second.size());
  for (const auto& [key, object] : keys->second) out.push_back(object);
  return out;
}

size_t Indexer::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace pk::client
