// Lister<T>: typed reads of an informer's cache, as client-go's listers. Never calls the
// server. Thread-safe (the Indexer is).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "apimachinery/object.h"
#include "apimachinery/selectors.h"
#include "client/clientset.h"
#include "client/indexer.h"

namespace pk::client {

template <class T>
class Lister {
 public:
  explicit Lister(std::shared_ptr<const Indexer> indexer, std::string ns = "")
      : indexer_(std::move(indexer)), ns_(std::move(ns)) {}

  // The objects (of this lister's namespace, if any) whose labels match `selector`.
  std::vector<Ptr<T>> List(const LabelSelector& selector = LabelSelector()) const {
    std::vector<Ptr<T>> out;
    auto objects = ns_.empty() ? indexer_->List() : indexer_->ByIndex(kNamespaceIndex, ns_);
    for (const ObjectPtr& object : objects) {
      if (selector.MatchesMap(GetObjectMeta(*object)->labels())) {
        out.push_back(std::static_pointer_cast<const T>(object));
      }
    }
    return out;
  }
  // NotFound (in Kubernetes' wording) when the cache has no such object.
  Result<Ptr<T>> Get(const std::string& ns, const std::string& name) const {
    ObjectPtr object = indexer_->Get(ns.empty() ? name : ns + "/" + name);
    if (object == nullptr) {
      const ResourceType* type = Scheme::Builtin().FindByMessage(T::descriptor());
      return Status::NotFound(type != nullptr ? type->group_resource() : GroupResource{}, name);
    }
    return std::static_pointer_cast<const T>(object);
  }
  // For a namespaced lister (ByNamespace), the name alone.
  Result<Ptr<T>> Get(const std::string& name) const { return Get(ns_, name); }
  Lister<T> ByNamespace(const std::string& ns) const { return Lister<T>(indexer_, ns); }
  std::vector<Ptr<T>> ByIndex(const std::string& index, const std::string& value) const {
    std::vector<Ptr<T>> out;
    for (const ObjectPtr& o : indexer_->ByIndex(index, value)) {
      out.push_back(std::static_pointer_cast<const T>(o));
    }
    return out;
  }

 private:
  std::shared_ptr<const Indexer> indexer_;
  std::string ns_;
};

}  // namespace pk::client
