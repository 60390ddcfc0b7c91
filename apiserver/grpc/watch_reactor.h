// gRPC watches without a thread each: a watch is a ServerWriteReactor fed by the store's
// notify callback. The callback pumps on the store's dispatcher thread, and a finished write
// pumps on gRPC's thread that reports it: the pump drains the watcher, encodes events and
// keeps one write in flight. A small shared pool only takes pumps that would nest (and ends
// and timeouts). Thousands of watches cost memory, not threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "apimachinery/scheme.h"
#include "apiserver/storage/store.h"
#include "proto/api/resource.grpc.pb.h"

namespace pk::apiserver::grpcface {

// Shared by every watch of one service: the pump threads and the timer of watch timeouts.
class WatchPumps {
 public:
  explicit WatchPumps(int threads);
  ~WatchPumps();  // ends pending timers and joins the threads
  struct Impl;
  Impl* impl() { return impl_.get(); }

 private:
  std::unique_ptr<Impl> impl_;
};

// The reactor of one watch over `watcher` (already started by the handler chain); ends after
// `timeout` (0: never), when the watcher ends, or when the client cancels. `type` is the
// watched resource (bookmarks are empty objects of it).
grpc::ServerWriteReactor<k8s::api::WatchEvent>* NewWatchReactor(
    std::shared_ptr<storage::Watcher> watcher, const ResourceType* type,
    std::chrono::milliseconds timeout, WatchPumps* pumps);

// One event on the wire (shared by every way of serving a watch).
k8s::api::WatchEvent ToWireEvent(const storage::Event& event, const ResourceType* type);

}  // namespace pk::apiserver::grpcface
