#include "client/event_recorder.h"

#include <algorithm>
#include <chrono>

#include "apimachinery/object.h"
#include "apimachinery/scheme.h"

namespace pk::client {

EventRecorder::EventRecorder(EventRecorderOptions options, std::unique_ptr<EventSink> sink,
                             const Clock& clock)
    : options_(std::move(options)),
      sink_(std::move(sink)),
      clock_(clock),
      correlator_(clock, options_.correlation) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
  for (size_t shard = 0; shard < shards_.size(); ++shard) {
    threads_.push_back(std::make_unique<BackgroundThread>());
    threads_.back()->Start([this, shard] { DeliverLoop(shard); });
  }
}

EventRecorder::~EventRecorder() { Shutdown(); }

void EventRecorder::Shutdown() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (!stopping_) drain_deadline_ = clock_.Now() + options_.drain_timeout;
    stopping_ = true;
    cond_.notify_all();
    for (auto& shard : shards_) shard->wake.notify_all();
  }
  for (auto& thread : threads_) thread->Join();
}

void EventRecorder::Event(const google::protobuf::Message& object, std::string_view type,
                          std::string_view reason, std::string message,
                          std::string_view field_path) {
  std::optional<k8s::core::v1::Event> event =
      Build(object, type, reason, std::move(message), field_path);
  std::lock_guard<std::mutex> guard(mu_);
  if (!event || stopping_ || queued_ >= options_.queue_size) {
    ++dropped_;
    return;
  }
  Shard& shard = *shards_[ShardOf(*event)];
  shard.queue.push_back(std::move(*event));
  ++queued_;
  shard.wake.notify_one();
}

size_t EventRecorder::ShardOf(const k8s::core::v1::Event& event) const {
  if (shards_.size() == 1) return 0;
  const auto& ref = event.involved_object();
  return std::hash<std::string>{}(ref.uid().empty() ? ref.namespace_() + "/" + ref.name()
                                                    : ref.uid()) %
         shards_.size();
}

void EventRecorder::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cond_.wait(lock, [&] { return queued_ == 0 && in_flight_ == 0; });
}

// The Event as client-go's recorder.makeEvent writes it, with the kind and apiVersion the
// scheme knows for the object's message.
std::optional<k8s::core::v1::Event> EventRecorder::Build(const google::protobuf::Message& object,
                                                         std::string_view type,
                                                         std::string_view reason,
                                                         std::string message,
                                                         std::string_view field_path) {
  std::optional<GroupVersionKind> kind = Scheme::Builtin().KindOf(object.GetDescriptor());
  const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(object);
  if (!kind || !meta || (type != "Normal" && type != "Warning")) return std::nullopt;

  k8s::core::v1::Event event;
  // Events about cluster-scoped objects live in "default", as in Kubernetes.
  event.mutable_metadata()->set_namespace_(meta->namespace_().empty() ? "default"
                                                                      : meta->namespace_());
  event.mutable_metadata()->set_name(UniqueName(meta->name()));
  auto* ref = event.mutable_involved_object();
  ref->set_kind(kind->kind);
  ref->set_namespace_(meta->namespace_());
  ref->set_name(meta->name());
  ref->set_uid(meta->uid());
  ref->set_api_version(kind->api_version());
  ref->set_resource_version(meta->resource_version());
  ref->set_field_path(std::string(field_path));
  event.set_reason(std::string(reason));
  event.set_message(std::move(message));
  std::string host = options_.host_of ? options_.host_of(object) : "";
  if (host.empty()) host = options_.host;
  event.mutable_source()->set_component(options_.component);
  event.mutable_source()->set_host(host);
  auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch());
  event.mutable_first_timestamp()->set_seconds(seconds.count());
  *event.mutable_last_timestamp() = event.first_timestamp();
  event.set_count(1);
  event.set_type(std::string(type));
  event.set_reporting_component(options_.component);
  event.set_reporting_instance(host);
  return event;
}

// "<name>.<hex nanoseconds>", as Kubernetes names Events; kept strictly increasing so two
// Events recorded within one clock tick still get distinct names.
std::string EventRecorder::UniqueName(const std::string& object_name) {
  int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.WallNow().time_since_epoch())
          .count();
  int64_t last = last_suffix_.load();
  int64_t suffix;
  do {
    suffix = std::max(now, last + 1);
  } while (!last_suffix_.compare_exchange_weak(last, suffix));
  return fmt::format("{}.{:x}", object_name, suffix);
}

void EventRecorder::DeliverLoop(size_t shard) {
  std::deque<k8s::core::v1::Event>& queue = shards_[shard]->queue;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    shards_[shard]->wake.wait(lock, [&] { return !queue.empty() || stopping_; });
    if (stopping_ && clock_.Now() >= drain_deadline_) {  // out of time: drop the rest
      dropped_ += queue.size();
      queued_ -= queue.size();
      queue.clear();
      cond_.notify_all();  // Flush
    }
    if (queue.empty()) return;  // stopping, and everything delivered or dropped
    k8s::core::v1::Event event = std::move(queue.front());
    queue.pop_front();
    --queued_;
    ++in_flight_;
    lock.unlock();
    Deliver(std::move(event));
    lock.lock();
    --in_flight_;
    cond_.notify_all();  // Flush
  }
}

// client-go recordToSink: correlate, then write with a few retries; AlreadyExists and
// Invalid will not change on retry.
void EventRecorder::Deliver(k8s::core::v1::Event event) {
  EventCorrelator::Correlation correlated = correlator_.Correlate(std::move(event));
  if (correlated.skip) return;
  for (int attempt = 1;; ++attempt) {
    Status status = WriteOnce(correlated);
    if (status.ok() || status.reason() == Reason::kAlreadyExists ||
        status.reason() == Reason::kInvalid || attempt >= options_.max_tries) {
      return;
    }
    if (!SleepUnlessStopping(options_.retry_interval)) return;
  }
}

// A repeat updates its Event; if that Event is gone (expired), it is created again.
Status EventRecorder::WriteOnce(const EventCorrelator::Correlation& correlated) {
  if (correlated.update) {
    Status status = sink_->Update(correlated.event, WriteTimeout());
    if (status.reason() != Reason::kNotFound) return status;
  }
  return sink_->Create(correlated.event, WriteTimeout());
}

Clock::Duration EventRecorder::WriteTimeout() {
  std::lock_guard<std::mutex> guard(mu_);
  if (!stopping_) return options_.write_timeout;
  Clock::Duration left = drain_deadline_ - clock_.Now();
  return std::clamp(left, Clock::Duration(std::chrono::milliseconds(1)), options_.write_timeout);
}

bool EventRecorder::SleepUnlessStopping(Clock::Duration delay) {
  std::unique_lock<std::mutex> lock(mu_);
  Clock::TimePoint deadline = clock_.Now() + delay;
  while (!stopping_ && clock_.Now() < deadline) clock_.WaitUntil(cond_, lock, deadline);
  return !stopping_;
}

}  // namespace pk::client
