// A Store that hands every call to another one. The store's wrappers (the pod-flow trace,
// fault injection, authorization's write tracking) derive from it and override only the
// calls they add to, so each states what it does and not the plumbing.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "apiserver/storage/store.h"

namespace pk::storage {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(std::unique_ptr<Store> store) : store_(std::move(store)) {}

  Result<ObjectPtr> Create(const std::string& key, std::unique_ptr<google::protobuf::Message> o,
                           const WriteOptions& options) override {
    return store_->Create(key, std::move(o), options);
  }
  Result<ObjectPtr> Get(const std::string& key) override { return store_->Get(key); }
  Result<ListResult> List(const ListOptions& options) override { return store_->List(options); }
  Result<ObjectPtr> GuaranteedUpdate(const std::string& key, const Preconditions& p,
                                     const UpdateFunc& update, bool create_if_missing,
                                     const WriteOptions& options) override {
    return store_->GuaranteedUpdate(key, p, update, create_if_missing, options);
  }
  Result<ObjectPtr> Delete(const std::string& key, const Preconditions& p) override {
    return store_->Delete(key, p);
  }
  Result<std::unique_ptr<Watcher>> Watch(const WatchOptions& options) override {
    return store_->Watch(options);
  }
  int64_t CurrentRevision() override { return store_->CurrentRevision(); }
  size_t ExpireDue() override { return store_->ExpireDue(); }

 protected:
  Store& inner() { return *store_; }

 private:
  const std::unique_ptr<Store> store_;
};

}  // namespace pk::storage
