// The generic registry: create, read, update, delete, list and watch for every resource, with
// the resource's Strategy (strategy.h) and the admission chain, over the store. Kubernetes'
// genericregistry.Store: one implementation of the object lifecycle (uid, creationTimestamp,
// generateName, generation, optimistic concurrency, finalizers, graceful deletion) for all
// resources, used by both API faces.
//
// Errors are API errors (Status) ready for the client. Thread-safe.
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apimachinery/scheme.h"
#include "apimachinery/status.h"
#include "apiserver/admission/admission.h"
#include "apiserver/registry/strategy.h"
#include "apiserver/storage/store.h"

namespace pk::registry {

using storage::ObjectPtr;
using MessagePtr = std::unique_ptr<google::protobuf::Message>;

// Who writes and how; common to every write.
struct WriteContext {
  std::string ns;  // the request's namespace ("" for cluster-scoped resources)
  std::string user;
  bool dry_run = false;  // run every step but the store write
  std::string subresource;
  std::string uid;  // the user's uid and groups, for admission
  std::vector<std::string> groups;
  std::vector<std::string>* warnings = nullptr;  // the request's warnings, for admission
};

// Produces the object to store from the current one (nullptr when it does not exist and
// creating is allowed). PUT returns the decoded body; PATCH applies the patch.
using UpdateFunc = std::function<Result<MessagePtr>(const google::protobuf::Message* current)>;

struct UpdateOptions {
  bool allow_create = false;  // create when missing (server-side apply; strategies that allow it)
  // A status write: only the object's status changes (and its managedFields); it never
  // creates an object.
  bool status_only = false;
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  storage::Preconditions preconditions;
  // "Orphan", "Foreground", "Background" or "" (keep the object's finalizers as they are).
  // Orphan and Foreground put their finalizer ("orphan", "foregroundDeletion") on the object
  // and mark it deleted, for the garbage collector to finish; Background removes both.
  std::string propagation_policy;
};

struct DeleteResult {
  ObjectPtr object;
  bool deleted = false;  // false: marked with deletionTimestamp and kept (graceful, finalizers)
};

class Registry {
 public:
  Registry(const ResourceType& type, storage::Store* store, const admission::Chain* admission);

  const ResourceType& type() const { return type_; }
  const Strategy& strategy() const { return strategy_; }
  std::string Key(const std::string& ns, const std::string& name) const;
  std::string Prefix(const std::string& ns) const;

  Result<ObjectPtr> Get(const std::string& ns, const std::string& name) const;
  // `options.prefix` is filled from `ns`. Field selectors the resource does not support are
  // BadRequest ("field label not supported: spec.foo").
  Result<storage::ListResult> List(const std::string& ns, storage::ListOptions options) const;
  Result<std::unique_ptr<storage::Watcher>> Watch(const std::string& ns,
                                                  storage::WatchOptions options) const;
  Status CheckFieldSelector(const FieldSelector& selector) const;

  // The returned bool says whether the object was created (201) rather than updated.
  Result<ObjectPtr> Create(const WriteContext& ctx, MessagePtr object) const;
  Result<std::pair<ObjectPtr, bool>> Update(const WriteContext& ctx, const std::string& name,
                                            const UpdateFunc& update,
                                            const UpdateOptions& options) const;
  Result<DeleteResult> Delete(const WriteContext& ctx, const std::string& name,
                              const DeleteOptions& options) const;

  // A subresource's write that the strategy does not see, as Kubernetes' binding and
  // finalize storages write: `mutate` changes a copy of the current object (or fails), the
  // admission chain sees it, then it is stored. An object marked deleted whose finalizers
  // are gone afterwards is removed.
  using MutateFunc = std::function<Status(google::protobuf::Message* object)>;
  Result<ObjectPtr> Mutate(const WriteContext& ctx, const std::string& name,
                           const MutateFunc& mutate) const;

 private:
  admission::Attributes AttributesOf(admission::Operation operation, const WriteContext& ctx,
                                     const std::string& name, google::protobuf::Message* object,
                                     const google::protobuf::Message* old) const;
  Status PrepareCreate(const WriteContext& ctx, google::protobuf::Message* object) const;
  Result<MessagePtr> PrepareUpdate(const WriteContext& ctx, const std::string& name,
                                   const google::protobuf::Message& current, MessagePtr updated,
                                   const UpdateOptions& options) const;
  Status ValidateCreate(const WriteContext& ctx, const google::protobuf::Message& object) const;
  Result<MessagePtr> MarkDeleted(const WriteContext& ctx, const google::protobuf::Message& current,
                                 std::optional<int64_t> grace, bool graceful) const;
  // After an update: an object marked deleted whose finalizers are all gone is removed.
  Result<ObjectPtr> DeleteIfFinalized(ObjectPtr object) const;

  const ResourceType& type_;
  const Strategy& strategy_;
  storage::Store* const store_;
  const admission::Chain* const admission_;
};

}  // namespace pk::registry
