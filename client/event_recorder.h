// EventRecorder: how a component tells users what it did to an object ("Scheduled",
// "Pulling", "BackOff"), as client-go's tools/record. Eventf builds a core/v1 Event and
// queues it; a background thread correlates it (client/event_correlator.h: repeats become
// one Event with a count, spam is dropped) and writes it through an EventSink.
//
//   EventRecorder recorder({.component = "default-scheduler"}, NewEventSink(clientset));
//   recorder.Eventf(pod, "Normal", "Scheduled", "Successfully assigned {}/{} to {}", ...);
//
// Thread-safe. Eventf never blocks on the sink: when the queue is full the Event is dropped.
// With options.workers > 1, Events are written by that many threads, each object's Events by
// the same one (in order, correlated together), for a process that speaks for many sources.
// Shutdown (or the destructor) takes at most about max(drain_timeout, write_timeout), however
// slow or unreachable the sink.
#pragma once

#include <fmt/format.h>
#include <google/protobuf/message.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "client/background_thread.h"
#include "client/clock.h"
#include "client/event_correlator.h"
#include "proto/core/v1/event.pb.h"

namespace pk::client {

using Event = k8s::core::v1::Event;

// Where Events are written (an apiserver, or a fake in tests). Called from one thread. Each
// call gives up with Timeout once `timeout` has passed.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // AlreadyExists when an Event of that namespace/name exists.
  virtual Status Create(const Event& event, Clock::Duration timeout) = 0;
  // Replaces the Event of that namespace/name (no resourceVersion: unconditional);
  // NotFound when it is gone (expired), and the recorder then creates it again.
  virtual Status Update(const Event& event, Clock::Duration timeout) = 0;
};

struct EventRecorderOptions {
  std::string component;     // source.component and reportingComponent ("kubelet")
  std::string host;          // source.host and reportingInstance (the node name)
  // For a process that stands for many nodes (the hollow kubelet): the node an Event about
  // `object` comes from; empty answers, or no function, mean `host`.
  std::function<std::string(const google::protobuf::Message& object)> host_of;
  size_t queue_size = 1000;  // Events waiting for the sink; beyond, Eventf drops
  int workers = 1;           // threads writing to the sink (at least 1)
  int max_tries = 3;         // attempts per Event before it is given up
  Clock::Duration retry_interval = std::chrono::seconds(1);
  Clock::Duration write_timeout = std::chrono::seconds(10);  // bounds each sink call
  // How long Shutdown may spend writing what is queued (one try each); the rest is dropped,
  // so that an unreachable apiserver cannot hold up a component's exit.
  Clock::Duration drain_timeout = std::chrono::seconds(2);
  EventCorrelatorOptions correlation;
};

class EventRecorder {
 public:
  // Starts the delivery thread. `clock` must outlive the recorder.
  EventRecorder(EventRecorderOptions options, std::unique_ptr<EventSink> sink,
                const Clock& clock = RealClock());
  ~EventRecorder();  // Shutdown()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Records an Event about `object` (any API object with metadata, of a registered kind).
  // `type` is "Normal" or "Warning"; others, and objects of no known kind, are dropped.
  // `field_path` names a part of the object (involvedObject.fieldPath), as the kubelet's
  // "spec.containers{nginx}".
  void Event(const google::protobuf::Message& object, std::string_view type,
             std::string_view reason, std::string message, std::string_view field_path = "");
  template <class... Args>
  void Eventf(const google::protobuf::Message& object, std::string_view type,
              std::string_view reason, fmt::format_string<Args...> format, Args&&... args) {
    Event(object, type, reason, fmt::format(format, std::forward<Args>(args)...));
  }

  // Waits until every Event queued so far has been written or given up; for tests.
  void Flush();
  // Writes what is queued (each Event at most once more) until drain_timeout passes on the
  // clock, drops the rest, and stops; later Events are dropped. Idempotent, thread-safe.
  void Shutdown();
  // Events dropped because the queue was full or they were invalid.
  uint64_t dropped() const { return dropped_.load(); }

 private:
  std::optional<k8s::core::v1::Event> Build(const google::protobuf::Message& object,
                                            std::string_view type, std::string_view reason,
                                            std::string message, std::string_view field_path);
  std::string UniqueName(const std::string& object_name);
  // The worker that writes every Event about the Event's object.
  size_t ShardOf(const k8s::core::v1::Event& event) const;
  void DeliverLoop(size_t shard);
  void Deliver(k8s::core::v1::Event event);
  Status WriteOnce(const EventCorrelator::Correlation& correlated);
  // What a sink call may take now: write_timeout, less once draining.
  Clock::Duration WriteTimeout();
  // Waits `delay` on the clock; false (at once) when the recorder is stopping.
  bool SleepUnlessStopping(Clock::Duration delay);

  // Constant after construction.
  const EventRecorderOptions options_;
  const std::unique_ptr<EventSink> sink_;  // used by the delivery thread only
  const Clock& clock_;

  EventCorrelator correlator_;  // thread-safe itself
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int64_t> last_suffix_{0};  // event name suffixes, strictly increasing

  // A worker's Events, and how it is woken when one is queued.
  struct Shard {
    std::deque<k8s::core::v1::Event> queue;  // guarded by mu_
    std::condition_variable wake;
  };

  std::mutex mu_;
  std::condition_variable cond_;  // an Event written or given up (Flush); stopping
  std::vector<std::unique_ptr<Shard>> shards_;  // one per worker, constant after construction
  size_t queued_ = 0;                // guarded by mu_: in every shard's queue
  size_t in_flight_ = 0;             // guarded by mu_: taken, not yet written
  bool stopping_ = false;            // guarded by mu_
  Clock::TimePoint drain_deadline_;  // guarded by mu_; set with stopping_
  // Last: started once the members above exist.
  std::vector<std::unique_ptr<BackgroundThread>> threads_;
};

}  // namespace pk::client
