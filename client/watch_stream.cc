// The reader thread owns the ClientReader; the consumer owns the queue's front. Stop cancels
// the call, which makes the blocked Read return false; the destructor joins.
#include "client/watch_stream.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "apimachinery/api_status.h"
#include "client/errors.h"

namespace pk::client {
namespace {

EventType TypeOf(const std::string& name) {
  if (name == "ADDED") return EventType::kAdded;
  if (name == "MODIFIED") return EventType::kModified;
  if (name == "DELETED") return EventType::kDeleted;
  if (name == "BOOKMARK") return EventType::kBookmark;
  return EventType::kError;
}

class GrpcWatch : public WatchStream {
 public:
  GrpcWatch(std::shared_ptr<const Connection> connection,
            std::unique_ptr<grpc::ClientContext> context, ObjectParser parse)
      : connection_(std::move(connection)),
        context_(std::move(context)),
        parse_(std::move(parse)) {}

  ~GrpcWatch() override {
    Stop();
    if (reader_thread_.joinable()) reader_thread_.join();
  }

  void Run(const k8s::api::ObjectRequest& request) {
    reader_thread_ = std::thread([this, request] { ReadAll(request); });
  }

  std::optional<RawEvent> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || finished_ || stopped_; });
    if (queue_.empty() || stopped_) return std::nullopt;
    RawEvent event = std::move(queue_.front());
    queue_.pop_front();
    return event;
  }

  bool done() override {
    std::lock_guard lock(mu_);
    return stopped_ || (finished_ && queue_.empty());
  }

  Status status() override {
    std::lock_guard lock(mu_);
    return final_;
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    context_->TryCancel();
    cv_.notify_all();
  }

 private:
  void ReadAll(const k8s::api::ObjectRequest& request) {
    auto reader = connection_->service().Watch(context_.get(), request);
    k8s::api::WatchEvent wire;
    Status parse_error;
    while (reader->Read(&wire)) {
      RawEvent event{TypeOf(wire.type()), nullptr, Status()};
      if (event.type == EventType::kError) {
        event.error = wire.has_error() ? FromApiStatus(wire.error())
                                       : Status::InternalError("watch error " + wire.type());
      } else {
        auto object = parse_(wire.object());
        if (!object.ok()) {
          parse_error = object.take_status();
          context_->TryCancel();
          break;
        }
        event.object = std::move(object).value();
      }
      Push(std::move(event));
    }
    Status final = FromGrpcStatus(reader->Finish());
    std::lock_guard lock(mu_);
    final_ = parse_error.ok() ? std::move(final) : std::move(parse_error);
    finished_ = true;
    cv_.notify_all();
  }

  void Push(RawEvent event) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(event));
    cv_.notify_all();
  }

  // Constant after construction.
  const std::shared_ptr<const Connection> connection_;
  const std::unique_ptr<grpc::ClientContext> context_;
  const ObjectParser parse_;
  std::thread reader_thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RawEvent> queue_;  // guarded by mu_
  bool finished_ = false;       // guarded by mu_: the server stream ended
  bool stopped_ = false;        // guarded by mu_
  Status final_;                // guarded by mu_
};

}  // namespace

std::unique_ptr<WatchStream> StartGrpcWatch(std::shared_ptr<const Connection> connection,
                                            std::unique_ptr<grpc::ClientContext> context,
                                            const k8s::api::ObjectRequest& request,
                                            ObjectParser parse) {
  auto watch =
      std::make_unique<GrpcWatch>(std::move(connection), std::move(context), std::move(parse));
  watch->Run(request);
  return watch;
}

}  // namespace pk::client
