// The untyped core of the clientset: one resource's verbs over k8s.api.ResourceService with
// objects as google::protobuf::Message, and the watch stream. TypedClient<T> (clientset.h)
// is a thin typed face over it; reflectors use it through the ListerWatcher interface.
//
// Thread-safety: Connection and ResourceClient are immutable and safe to share; WatchStream
// is safe to use from one consumer thread plus Stop() from any thread.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "apimachinery/scheme.h"
#include "apimachinery/status.h"
#include "client/errors.h"
#include "proto/api/resource.grpc.pb.h"

namespace pk::client {

using ObjectPtr = std::shared_ptr<const google::protobuf::Message>;

// The channel, credentials and per-call deadline every request of a clientset shares.
class Connection {
 public:
  // `bearer_token` (if not empty) travels as "authorization: Bearer T"; `timeout` bounds
  // every unary call (watches are bounded by their own timeout_seconds only).
  Connection(std::shared_ptr<grpc::Channel> channel, std::string bearer_token,
             std::chrono::milliseconds timeout);
  k8s::api::ResourceService::Stub& service() const { return *service_; }
  // Adds the credentials, and the deadline when `unary`.
  void Prepare(grpc::ClientContext* context, bool unary) const;

 private:
  std::unique_ptr<k8s::api::ResourceService::Stub> service_;
  const std::string token_;
  const std::chrono::milliseconds timeout_;
};

// Lets one thread abort another's call, as a Go context does: Cancel() ends the call in
// flight (grpc::ClientContext::TryCancel) and fails every later one at once; both return
// Timeout ("cancelled"). Thread-safe; shared through a shared_ptr by canceller and call.
class CallCanceller {
 public:
  void Cancel();
  bool cancelled() const;
  // For ResourceClient: ties `context` to the canceller while the call runs; false (and not
  // tied) when cancelled already.
  bool Attach(grpc::ClientContext* context);
  void Detach(grpc::ClientContext* context);

 private:
  mutable std::mutex mu_;
  std::set<grpc::ClientContext*> contexts_;  // guarded by mu_
  bool cancelled_ = false;                   // guarded by mu_
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;
  std::string resource_version_match;
  std::string continue_token;
  int64_t limit = 0;
  int64_t timeout_seconds = 0;  // watches: the server ends the stream after this long
  bool allow_watch_bookmarks = false;
  // List only: when set, cancelling it aborts the list (a reflector's Stop does).
  std::shared_ptr<CallCanceller> cancel;
};

// Create, Update, Patch.
struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;
  bool force = false;  // server-side apply only
};

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;               // delete only this incarnation
  std::string precondition_resource_version;  // delete only this version
  bool dry_run = false;
  std::string propagation_policy;  // "Orphan", "Foreground", "Background"; "" the default
};

// A list's items and metadata (resourceVersion, continue).
struct RawList {
  std::vector<ObjectPtr> items;
  k8s::meta::v1::ListMeta metadata;
};

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kError };

// One watch event: the object (for a bookmark, an empty object whose metadata carries only
// the resourceVersion) or, for kError, the server's Status (410 Expired: list again).
struct RawEvent {
  EventType type;
  ObjectPtr object;
  Status error;
};

// A watch: events in server order until the server ends the stream, it fails, or Stop().
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event; nullopt when none came within `timeout` or the stream is done.
  virtual std::optional<RawEvent> Next(std::chrono::milliseconds timeout) = 0;
  // True once the stream ended and every event was taken.
  virtual bool done() = 0;
  // Why the stream ended (OK: the server closed it, e.g. timeout_seconds); valid once done().
  virtual Status status() = 0;
  // Cancels the stream; Next then returns nullopt. Any thread; idempotent.
  virtual void Stop() = 0;
};

// What a reflector needs (client-go's ListerWatcher), so tests can interpose.
class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;
  virtual Result<RawList> List(const ListOptions& options) const = 0;
  // Errors of the call itself (410 Expired for a resourceVersion out of the window) come
  // either here or as the stream's status, as the transport allows.
  virtual Result<std::unique_ptr<WatchStream>> Watch(const ListOptions& options) const = 0;
};

// One resource in one namespace ("" for cluster-scoped resources or every namespace).
class ResourceClient : public ListerWatcher {
 public:
  // `type` comes from the Scheme (it must outlive the client); objects are parsed into its
  // generated message class, so a typed client may cast them to T.
  ResourceClient(std::shared_ptr<const Connection> connection, const ResourceType* type,
                 std::string ns);

  const ResourceType& type() const { return *type_; }
  const std::string& ns() const { return ns_; }
  // A copy whose unary calls are bounded by `timeout` instead of the connection's (the
  // leader elector bounds lease calls by what is left of its renew deadline).
  ResourceClient WithTimeout(std::chrono::milliseconds timeout) const;

  Result<ObjectPtr> Create(const google::protobuf::Message& object,
                           const WriteOptions& options = {}) const;
  // POST to a subresource of the object `name` with the subresource's own kind (a Binding
  // to "binding"); the server's answer carries no object of this resource.
  Status CreateSubresource(const std::string& name, const std::string& subresource,
                           const google::protobuf::Message& object,
                           const WriteOptions& options = {}) const;
  Result<ObjectPtr> Get(const std::string& name) const;
  Result<RawList> List(const ListOptions& options) const override;
  // `subresource` "" for the object, "status" for UpdateStatus.
  Result<ObjectPtr> Update(const google::protobuf::Message& object, const std::string& subresource,
                           const WriteOptions& options = {}) const;
  // `subresource` "" for the object, "status" to patch only the status.
  Result<ObjectPtr> Patch(const std::string& name, const std::string& patch_type,
                          const std::string& patch, const WriteOptions& options = {},
                          const std::string& subresource = "") const;
  // The object as the delete left it (with deletionTimestamp when graceful), if any.
  Result<ObjectPtr> Delete(const std::string& name, const DeleteOptions& options = {}) const;
  Result<std::unique_ptr<WatchStream>> Watch(const ListOptions& options) const override;

 private:
  k8s::api::ResourceRef Ref(const std::string& name, const std::string& subresource) const;
  Status CreateAt(const std::string& name, const std::string& subresource,
                  const google::protobuf::Message& object, const WriteOptions& options,
                  k8s::api::ObjectResponse* out) const;
  Result<ObjectPtr> Parse(const k8s::api::Object& object) const;
  // One unary call with the connection's credentials and deadline (or timeout_), aborted
  // by `cancel` if given; the Kubernetes error.
  template <class In, class Out, class Method>
  Status Invoke(Method method, const In& in, Out* out, CallCanceller* cancel = nullptr) const {
    grpc::ClientContext context;
    Prepare(&context);
    if (cancel != nullptr && !cancel->Attach(&context)) return Cancelled();
    grpc::Status status = (connection_->service().*method)(&context, in, out);
    if (cancel == nullptr) return FromGrpcStatus(status);
    cancel->Detach(&context);
    return cancel->cancelled() ? Cancelled() : FromGrpcStatus(status);
  }
  void Prepare(grpc::ClientContext* context) const;
  static Status Cancelled();

  const std::shared_ptr<const Connection> connection_;
  const ResourceType* const type_;
  const std::string ns_;
  std::optional<std::chrono::milliseconds> timeout_;  // overrides the connection's
};

}  // namespace pk::client
