// What the gRPC services share: status mapping, injected latency, and the registry of calls
// in flight so that stopping fake-cri ends every one exactly once. Internal to fake-cri/.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/service_type.h>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "fake-cri/runtime.h"
#include "fake-cri/timer.h"

namespace pk::fakecri {

grpc::Status ToGrpc(const Status& status);

// A unary call; Finish runs once, whoever gets there first (the runtime or the shutdown).
class Call {
 public:
  explicit Call(grpc::ServerUnaryReactor* reactor) : reactor_(reactor) {}
  void Finish(const grpc::Status& status) {
    if (!finished_.exchange(true)) reactor_->Finish(status);
  }
  void Finish(const Status& status) { Finish(ToGrpc(status)); }

 private:
  grpc::ServerUnaryReactor* reactor_;
  std::atomic<bool> finished_{false};
};

struct ServiceContext {
  Runtime* runtime = nullptr;
  Timer* timer = nullptr;  // real time: injected latency

  std::mutex mu;
  std::map<std::string, int64_t> latency_ms;          // guarded by mu; "" = every method
  std::set<std::shared_ptr<Call>> calls;              // guarded by mu
  std::map<uint64_t, std::function<void()>> streams;  // guarded by mu: how to end each
  uint64_t next_stream = 0;                           // guarded by mu
  bool closed = false;                                // guarded by mu

  // Runs body(call) after the method's latency; the call leaves the registry once done.
  template <class Body>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const char* method,
                                  Body body) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    auto call = std::make_shared<Call>(reactor);
    int64_t delay = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (closed)
        return call->Finish(grpc::Status(grpc::UNAVAILABLE, "fake-cri is stopping")), reactor;
      calls.insert(call);
      delay = Latency(method);
    }
    auto run = [this, call, body = std::move(body)]() mutable {
      body(call);
      std::lock_guard<std::mutex> lock(mu);
      calls.erase(call);
    };
    if (delay <= 0) {
      run();
    } else {
      timer->At(timer->clock().Now() + std::chrono::milliseconds(delay), std::move(run));
    }
    return reactor;
  }

  int64_t Latency(const std::string& method) const {  // requires mu
    auto it = latency_ms.find(method);
    if (it != latency_ms.end()) return it->second;
    it = latency_ms.find("");
    return it == latency_ms.end() ? 0 : it->second;
  }

  // Ends every call and stream in flight; later ones are refused.
  void Close();
};

// Serialises writes on a server stream (one write in flight at a time) and ends it once.
template <class Reactor, class Message>
class StreamWriter {
 public:
  explicit StreamWriter(Reactor* reactor) : reactor_(reactor) {}

  // False when the stream is ending or `limit` messages already wait (a slow reader).
  bool Write(Message message, size_t limit = 100000) {
    std::lock_guard<std::mutex> lock(mu_);
    if (reactor_ == nullptr || closing_ || queue_.size() >= limit) return false;
    queue_.push_back(std::move(message));
    if (!busy_) Next();
    return true;
  }
  void Close(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (reactor_ == nullptr || closing_) return;
    closing_ = true;
    final_ = status;
    if (!busy_) Next();
  }
  void OnWriteDone(bool ok) {
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
    queue_.pop_front();
    if (!ok) queue_.clear(), closing_ = true, final_ = grpc::Status::CANCELLED;
    Next();
  }
  void Detach() {  // OnDone: the reactor is about to go
    std::lock_guard<std::mutex> lock(mu_);
    reactor_ = nullptr;
  }

 private:
  void Next() {
    if (reactor_ == nullptr) return;
    if (!queue_.empty()) {
      busy_ = true;
      reactor_->StartWrite(&queue_.front());
    } else if (closing_ && !finished_) {
      finished_ = true;
      reactor_->Finish(final_);
    }
  }

  std::mutex mu_;
  Reactor* reactor_;
  std::deque<Message> queue_;  // the front is being written while busy_
  bool busy_ = false, closing_ = false, finished_ = false;
  grpc::Status final_;
};

std::unique_ptr<grpc::Service> NewRuntimeService(ServiceContext& context);
std::unique_ptr<grpc::Service> NewImageService(ServiceContext& context);
std::unique_ptr<grpc::Service> NewAdminService(ServiceContext& context);

}  // namespace pk::fakecri
