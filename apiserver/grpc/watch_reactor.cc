#include "apiserver/grpc/watch_reactor.h"

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "apimachinery/api_status.h"
#include "apimachinery/object.h"

namespace pk::apiserver::grpcface {

namespace api = k8s::api;
using Clock = std::chrono::steady_clock;

class WatchState;

// The pump pool and one timer thread for every watch's timeout.
struct WatchPumps::Impl {
  explicit Impl(int threads) : pool(static_cast<size_t>(std::max(1, threads))) {
    timer = std::thread([this] { RunTimers(); });
  }
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
    timer.join();
    pool.join();
  }
  void At(Clock::time_point when, std::function<void()> fire) {
    {
      std::lock_guard<std::mutex> lock(mu);
      timers.emplace(when, std::move(fire));
    }
    cv.notify_all();
  }
  void RunTimers() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
      if (timers.empty()) {
        cv.wait(lock);
        continue;
      }
      auto next = timers.begin();
      if (Clock::now() < next->first) {
        cv.wait_until(lock, next->first);
        continue;
      }
      auto fire = std::move(next->second);
      timers.erase(next);
      lock.unlock();
      fire();
      lock.lock();
    }
  }

  boost::asio::thread_pool pool;
  std::mutex mu;
  std::condition_variable cv;
  std::multimap<Clock::time_point, std::function<void()>> timers;  // guarded by mu
  bool stopping = false;                                           // guarded by mu
  std::thread timer;
};

WatchPumps::WatchPumps(int threads) : impl_(std::make_unique<Impl>(threads)) {}
WatchPumps::~WatchPumps() = default;

namespace {

// The bytes of event.object, serialized by the first watcher that sends this event and
// copied by the others.
void SetSharedBytes(const storage::Event& event, std::string* out) {
  storage::EncodedObject& encoded = *event.encoded;
  {
    std::lock_guard<std::mutex> lock(encoded.mu);
    if (encoded.object == event.object) {
      *out = encoded.bytes;
      return;
    }
  }
  event.object->SerializeToString(out);
  std::lock_guard<std::mutex> lock(encoded.mu);
  if (encoded.object == nullptr) {
    encoded.object = event.object;
    encoded.bytes = *out;
  }
}

}  // namespace

api::WatchEvent ToWireEvent(const storage::Event& event, const ResourceType* type) {
  api::WatchEvent wire;
  wire.set_type(std::string(storage::EventTypeName(event.type)));
  auto set = [&](const google::protobuf::Message& m) {
    wire.mutable_object()->set_type(m.GetDescriptor()->full_name());
    m.SerializeToString(wire.mutable_object()->mutable_data());
  };
  if (event.type == storage::Event::Type::kError) {
    *wire.mutable_error() = ToApiStatus(event.error);
  } else if (event.object && event.encoded) {
    wire.mutable_object()->set_type(event.object->GetDescriptor()->full_name());
    SetSharedBytes(event, wire.mutable_object()->mutable_data());
  } else if (event.object) {
    set(*event.object);
  } else if (type != nullptr) {  // a bookmark: an empty object carrying the revision
    auto mark = type->New();
    MutableObjectMeta(mark.get())->set_resource_version(std::to_string(event.revision));
    set(*mark);
  }
  return wire;
}

// What one watch shares between the store's notify, the pump, the timer and the reactor.
// The reactor stays alive until Finish has been called and gRPC calls OnDone; only Pump
// calls StartWrite and Finish, one at a time, outside the lock (gRPC may react inline).
class WatchState : public std::enable_shared_from_this<WatchState> {
 public:
  WatchState(std::shared_ptr<storage::Watcher> watcher, const ResourceType* type,
             WatchPumps::Impl* pumps)
      : watcher_(std::move(watcher)), type_(type), pumps_(pumps) {}

  void Attach(grpc::ServerWriteReactor<api::WatchEvent>* reactor) { reactor_ = reactor; }

  void Schedule() { Schedule(weak_from_this(), pumps_); }
  // Pumps on the calling thread (the store's dispatcher, or gRPC's thread reporting a write
  // done): no thread hand-off per event. A pump reached from inside a pump on the same thread
  // (gRPC may run OnWriteDone inline in StartWrite) is posted instead, so the stack stays flat.
  // The caller may end up holding the last reference; the watcher's Stop allows that from
  // inside its notify callback.
  static void PumpHere(const std::weak_ptr<WatchState>& weak, WatchPumps::Impl* pumps) {
    thread_local int depth = 0;
    if (depth > 0) {
      Schedule(weak, pumps);
      return;
    }
    if (auto self = weak.lock()) {
      ++depth;
      self->Pump();
      --depth;
    }
  }
  // Posts a pump without taking a reference here: the store's notify must never hold the
  // last one (destroying the watcher from inside its own callback).
  static void Schedule(std::weak_ptr<WatchState> weak, WatchPumps::Impl* pumps) {
    boost::asio::post(pumps->pool, [weak = std::move(weak)] {
      if (auto self = weak.lock()) self->Pump();
    });
  }
  void End() {
    ended_ = true;
    Schedule();
  }
  void Cancel() {
    cancelled_ = true;
    End();
  }
  void WriteDone(bool ok) {
    in_flight_ = false;
    if (!ok) cancelled_ = true;
    PumpHere(weak_from_this(), pumps_);
  }
  void Done() { watcher_->Stop(); }
  storage::Watcher& watcher() { return *watcher_; }

 private:
  void Pump() {
    enum { kNothing, kWrite, kFinish } action = kNothing;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_ || in_flight_) return;
      // Take more from the watcher only when the last batch is written: a client that reads
      // slowly leaves events in the watcher's bounded buffer, whose overflow ends the watch
      // (the store's cut-off for slow readers), instead of in an unbounded queue here.
      if (!cancelled_ && queue_.empty()) {
        for (const storage::Event& e : watcher_->Drain()) queue_.push_back(ToWireEvent(e, type_));
        if (watcher_->done()) ended_ = true;
      }
      if (!cancelled_ && !queue_.empty()) {
        writing_ = std::move(queue_.front());
        queue_.pop_front();
        in_flight_ = true;
        action = kWrite;
      } else if (ended_ || cancelled_) {
        finished_ = true;
        action = kFinish;
      }
    }
    if (action == kWrite) reactor_->StartWrite(&writing_);
    if (action == kFinish) reactor_->Finish(grpc::Status::OK);
  }

  const std::shared_ptr<storage::Watcher> watcher_;
  const ResourceType* const type_;
  WatchPumps::Impl* const pumps_;
  grpc::ServerWriteReactor<api::WatchEvent>* reactor_ = nullptr;  // set before any Pump
  std::atomic<bool> in_flight_{false};
  std::atomic<bool> ended_{false};      // no more events will be taken
  std::atomic<bool> cancelled_{false};  // the client is gone: write nothing more
  std::mutex mu_;
  std::deque<api::WatchEvent> queue_;  // guarded by mu_
  api::WatchEvent writing_;            // the event in flight (owned until OnWriteDone)
  bool finished_ = false;              // guarded by mu_
};

namespace {

class WatchReactor : public grpc::ServerWriteReactor<api::WatchEvent> {
 public:
  explicit WatchReactor(std::shared_ptr<WatchState> state) : state_(std::move(state)) {}
  void OnWriteDone(bool ok) override { state_->WriteDone(ok); }
  void OnCancel() override { state_->Cancel(); }
  void OnDone() override {
    state_->Done();
    delete this;
  }

 private:
  std::shared_ptr<WatchState> state_;
};

}  // namespace

grpc::ServerWriteReactor<api::WatchEvent>* NewWatchReactor(
    std::shared_ptr<storage::Watcher> watcher, const ResourceType* type,
    std::chrono::milliseconds timeout, WatchPumps* pumps) {
  auto state = std::make_shared<WatchState>(std::move(watcher), type, pumps->impl());
  auto* reactor = new WatchReactor(state);
  state->Attach(reactor);
  std::weak_ptr<WatchState> weak = state;
  WatchPumps::Impl* impl = pumps->impl();
  state->watcher().SetNotify([weak, impl] { WatchState::PumpHere(weak, impl); });
  if (timeout.count() > 0) {
    pumps->impl()->At(Clock::now() + timeout, [weak] {
      if (auto s = weak.lock()) s->End();
    });
  }
  state->Schedule();
  return reactor;
}

}  // namespace pk::apiserver::grpcface
