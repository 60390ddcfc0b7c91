// Clientset: typed clients for every resource over the apiserver's gRPC face
// (k8s.api.ResourceService), as client-go's kubernetes.Clientset. Errors are pk::Status with
// the Kubernetes reason, code, message and causes (client/errors.h has the predicates).
//
//   Clientset cs(grpc::CreateChannel(addr, grpc::InsecureChannelCredentials()), token);
//   auto pod = cs.Pods("default").Get("web");           // Result<std::shared_ptr<const Pod>>
//   auto w = cs.Pods("default").Watch({.resource_version = rv});
//
// Thread-safety: Clientset and TypedClient are immutable and safe to share; a TypedWatch is
// used by one consumer thread (Stop from any thread).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/errors.h"
#include "client/resource_client.h"
#include "proto/coordination/v1/coordination.pb.h"
#include "proto/core/v1/event.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::client {

template <class T>
using Ptr = std::shared_ptr<const T>;

template <class T>
struct TypedList {
  std::vector<Ptr<T>> items;
  k8s::meta::v1::ListMeta metadata;
};

template <class T>
struct TypedEvent {
  EventType type;
  Ptr<T> object;  // for kBookmark only metadata.resourceVersion is set; null for kError
  Status error;   // kError: the server's Status (410 Expired: list again)
};

// A typed view of a WatchStream; see WatchStream for the contract.
template <class T>
class TypedWatch {
 public:
  explicit TypedWatch(std::unique_ptr<WatchStream> stream) : stream_(std::move(stream)) {}
  std::optional<TypedEvent<T>> Next(std::chrono::milliseconds timeout) {
    auto raw = stream_->Next(timeout);
    if (!raw) return std::nullopt;
    return TypedEvent<T>{raw->type, std::static_pointer_cast<const T>(raw->object),
                         std::move(raw->error)};
  }
  bool done() { return stream_->done(); }
  Status status() { return stream_->status(); }
  void Stop() { stream_->Stop(); }

 private:
  std::unique_ptr<WatchStream> stream_;
};

// One resource's verbs with T (k8s::core::v1::Pod...) in and out. The objects a client
// returns are parsed into T's generated class, so the casts here are exact.
template <class T>
class TypedClient {
 public:
  explicit TypedClient(ResourceClient client) : client_(std::move(client)) {}

  Result<Ptr<T>> Create(const T& object, const WriteOptions& options = {}) const {
    return Typed(client_.Create(object, options));
  }
  // POST of `object` (the subresource's kind, e.g. a Binding) to NAME/SUBRESOURCE.
  Status CreateSubresource(const std::string& name, const std::string& subresource,
                           const google::protobuf::Message& object,
                           const WriteOptions& options = {}) const {
    return client_.CreateSubresource(name, subresource, object, options);
  }
  Result<Ptr<T>> Get(const std::string& name) const { return Typed(client_.Get(name)); }
  Result<TypedList<T>> List(const ListOptions& options = {}) const {
    auto raw = client_.List(options);
    if (!raw.ok()) return raw.take_status();
    TypedList<T> list{{}, std::move(raw->metadata)};
    for (auto& item : raw->items) list.items.push_back(std::static_pointer_cast<const T>(item));
    return list;
  }
  // PUT; fails with Conflict when object's resourceVersion is stale.
  Result<Ptr<T>> Update(const T& object, const WriteOptions& options = {}) const {
    return Typed(client_.Update(object, "", options));
  }
  // PUT of the status subresource: the server keeps the spec.
  Result<Ptr<T>> UpdateStatus(const T& object, const WriteOptions& options = {}) const {
    return Typed(client_.Update(object, "status", options));
  }
  // `patch_type`: "application/merge-patch+json", "application/json-patch+json",
  // "application/strategic-merge-patch+json" or "application/apply-patch+yaml".
  Result<Ptr<T>> Patch(const std::string& name, const std::string& patch_type,
                       const std::string& patch, const WriteOptions& options = {}) const {
    return Typed(client_.Patch(name, patch_type, patch, options));
  }
  // A patch of the status subresource only (the kubelet's status manager).
  Result<Ptr<T>> PatchStatus(const std::string& name, const std::string& patch_type,
                             const std::string& patch, const WriteOptions& options = {}) const {
    return Typed(client_.Patch(name, patch_type, patch, options, "status"));
  }
  // The object as the delete left it (graceful: with deletionTimestamp), possibly null.
  Result<Ptr<T>> Delete(const std::string& name, const DeleteOptions& options = {}) const {
    return Typed(client_.Delete(name, options));
  }
  Result<std::unique_ptr<TypedWatch<T>>> Watch(const ListOptions& options = {}) const {
    auto stream = client_.Watch(options);
    if (!stream.ok()) return stream.take_status();
    return std::make_unique<TypedWatch<T>>(std::move(stream).value());
  }
  // A copy whose calls are bounded by `timeout` instead of the clientset's.
  TypedClient<T> WithTimeout(std::chrono::milliseconds timeout) const {
    return TypedClient<T>(client_.WithTimeout(timeout));
  }
  const ResourceClient& raw() const { return client_; }

 private:
  static Result<Ptr<T>> Typed(Result<ObjectPtr> in) {
    if (!in.ok()) return in.take_status();
    return std::static_pointer_cast<const T>(std::move(in).value());
  }
  ResourceClient client_;
};

class Clientset {
 public:
  // Every unary call is bounded by `timeout`; `bearer_token` (if any) authenticates them.
  explicit Clientset(std::shared_ptr<grpc::Channel> channel, std::string bearer_token = "",
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // The resource whose message is T, in namespace `ns` ("" for all namespaces or a
  // cluster-scoped resource). T must be a resource of the Scheme (checked: aborts otherwise,
  // as the type list is fixed at compile time).
  template <class T>
  TypedClient<T> Resource(const std::string& ns = "") const {
    return TypedClient<T>(ForMessage(T::descriptor(), ns));
  }
  // Untyped, for code that handles every resource alike (reflectors, garbage collection).
  ResourceClient ForMessage(const google::protobuf::Descriptor* type, const std::string& ns) const;

  TypedClient<k8s::core::v1::Pod> Pods(const std::string& ns) const {
    return Resource<k8s::core::v1::Pod>(ns);
  }
  TypedClient<k8s::core::v1::Node> Nodes() const { return Resource<k8s::core::v1::Node>(); }
  TypedClient<k8s::core::v1::Event> Events(const std::string& ns) const {
    return Resource<k8s::core::v1::Event>(ns);
  }
  TypedClient<k8s::coordination::v1::Lease> Leases(const std::string& ns) const {
    return Resource<k8s::coordination::v1::Lease>(ns);
  }

  const std::shared_ptr<const Connection>& connection() const { return connection_; }

 private:
  std::shared_ptr<const Connection> connection_;
};

}  // namespace pk::client
