// The call starts with the stream. It is read either by a reader thread (started by the first
// Next) into a queue, so Next can wait with a deadline, or by NextUntil directly on the
// consumer's thread (the reflector's: one thread hand-off less per event). Stop cancels the
// call, which makes a blocked Read return false; the destructor joins or drains.
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

class GrpcWatch : public WatchStream, public DirectWatch {
 public:
  GrpcWatch(std::shared_ptr<const Connection> connection,
            std::unique_ptr<grpc::ClientContext> context, ObjectParser parse)
      : connection_(std::move(connection)),
        context_(std::move(context)),
        parse_(std::move(parse)) {}

  ~GrpcWatch() override {
    Stop();
    if (reader_thread_.joinable()) {
      reader_thread_.join();
    } else if (reader_ != nullptr && !done_reading_) {  // NextUntil's, abandoned: drain it
      k8s::api::WatchEvent ignored;
      while (reader_->Read(&ignored)) {
      }
      reader_->Finish();
    }
  }

  // The call starts with the first read, on the reading thread (a cancel before it, or while
  // it starts, cancels it at once), as the stream is read: Next's thread or NextUntil's.
  void Run(const k8s::api::ObjectRequest& request) { request_ = request; }

  std::optional<RawEvent> Next(std::chrono::milliseconds timeout) override {
    std::unique_lock lock(mu_);
    if (!reader_thread_.joinable()) reader_thread_ = std::thread([this] { ReadAll(); });
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || finished_ || stopped_; });
    if (queue_.empty() || stopped_) return std::nullopt;
    RawEvent event = std::move(queue_.front());
    queue_.pop_front();
    return event;
  }

  // Reads on the caller's thread: Stop cancels the call, which ends a blocked Read.
  std::optional<RawEvent> NextUntil(const std::function<bool()>& stopped) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_ || finished_) return std::nullopt;
    }
    if (stopped() || done_reading_) return std::nullopt;
    std::optional<RawEvent> event = ReadOne();
    if (!event) Finish();
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
  // The next event off the call; nullopt when the stream ended or an object did not parse
  // (parse_error_ set, the call cancelled).
  std::optional<RawEvent> ReadOne() {
    if (reader_ == nullptr) reader_ = connection_->service().Watch(context_.get(), request_);
    k8s::api::WatchEvent wire;
    if (!reader_->Read(&wire)) return std::nullopt;
    RawEvent event{TypeOf(wire.type()), nullptr, Status()};
    if (event.type == EventType::kError) {
      event.error = wire.has_error() ? FromApiStatus(wire.error())
                                     : Status::InternalError("watch error " + wire.type());
      return event;
    }
    auto object = parse_(wire.object());
    if (!object.ok()) {
      parse_error_ = object.take_status();
      context_->TryCancel();
      return std::nullopt;
    }
    event.object = std::move(object).value();
    return event;
  }

  // Once Read has returned false: why the stream ended.
  void Finish() {
    done_reading_ = true;
    Status final = FromGrpcStatus(reader_->Finish());
    std::lock_guard lock(mu_);
    final_ = parse_error_.ok() ? std::move(final) : std::move(parse_error_);
    finished_ = true;
    cv_.notify_all();
  }

  void ReadAll() {
    while (auto event = ReadOne()) Push(std::move(*event));
    Finish();
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
  k8s::api::ObjectRequest request_;  // set by Run

  // The reading thread's (Next's reader thread, or NextUntil's caller).
  std::unique_ptr<grpc::ClientReader<k8s::api::WatchEvent>> reader_;
  Status parse_error_;
  bool done_reading_ = false;  // Read returned false and Finish was called

  std::thread reader_thread_;  // started by the first Next, under mu_

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RawEvent> queue_;  // guarded by mu_
  bool finished_ = false;       // guarded by mu_: the server stream ended and was finished
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
