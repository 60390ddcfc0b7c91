// Indexer: the informer's thread-safe cache, as client-go's cache.Indexer. Objects are
// shared immutable pointers keyed "namespace/name" ("name" when cluster-scoped); index
// functions map an object to the values it is found under ("namespace" is built in).
//
//   indexer.AddIndex("node", [](const auto& o) { return {NodeNameOf(o)}; });
//   indexer.ByIndex("node", "n1");
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/resource_client.h"

namespace pk::client {

using IndexFunc = std::function<std::vector<std::string>(const google::protobuf::Message&)>;

inline constexpr char kNamespaceIndex[] = "namespace";

// "namespace/name", or "name" for an object without a namespace.
std::string KeyOf(const google::protobuf::Message& object);

class Indexer {
 public:
  Indexer();

  // Adds (or replaces) the index `name`, indexing every object already present.
  void AddIndex(const std::string& name, IndexFunc fn);

  // Puts `object` under its key; returns what was there (null if nothing).
  ObjectPtr Upsert(ObjectPtr object);
  // Removes `key`; returns what was there (null if nothing).
  ObjectPtr Remove(const std::string& key);
  // Replaces the whole content; returns the previous content by key.
  std::map<std::string, ObjectPtr> Replace(const std::vector<ObjectPtr>& objects);

  ObjectPtr Get(const std::string& key) const;  // null if absent
  std::vector<ObjectPtr> List() const;
  std::vector<std::string> ListKeys() const;
  // Objects whose index `name` yields `value`; empty for an unknown index.
  std::vector<ObjectPtr> ByIndex(const std::string& name, const std::string& value) const;
  size_t size() const;

 private:
  void IndexLocked(const std::string& key, const ObjectPtr& object);
  void UnindexLocked(const std::string& key, const google::protobuf::Message& object);

  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr> items_;  // guarded by mu_
  std::map<std::string, IndexFunc> funcs_;  // guarded by mu_
  // index name -> value -> key -> the object (as in items_, so that ByIndex does not look
  // every key up again); guarded by mu_.
  std::map<std::string, std::map<std::string, std::map<std::string, ObjectPtr>>> indices_;
};

}  // namespace pk::client
