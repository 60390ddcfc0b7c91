// What the event recorder does to an Event before writing it, as client-go's
// tools/record/events_cache.go EventCorrelator:
//   aggregation  an Event like one seen within the window (same source, involved object,
//                type, reason and message) becomes that Event again with count+1 and the new
//                lastTimestamp, to be written as an update;
//   spam filter  each source+object has a token bucket (burst 25, one token per 5 minutes);
//                Events beyond it are skipped (their occurrences still count).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/clock.h"
#include "client/rate_limiter.h"
#include "proto/core/v1/event.pb.h"

namespace pk::client {

struct EventCorrelatorOptions {
  Clock::Duration aggregation_window = std::chrono::minutes(10);
  int spam_burst = 25;
  double spam_qps = 1.0 / 300;  // one token per 5 minutes
  size_t max_entries = 4096;    // per cache; the least recently seen entry goes first
};

class EventCorrelator {
 public:
  struct Correlation {
    k8s::core::v1::Event event;  // the Event to write
    bool update = false;         // an existing Event (same name): update, not create
    bool skip = false;           // spam-filtered: write nothing
  };

  // `clock` must outlive the correlator.
  explicit EventCorrelator(const Clock& clock, EventCorrelatorOptions options = {});
  Correlation Correlate(k8s::core::v1::Event event);

 private:
  struct Seen {
    std::string name;
    int32_t count = 0;
    k8s::meta::v1::Time first_timestamp;
    Clock::TimePoint last_seen;
  };
  struct Bucket {
    std::unique_ptr<TokenBucket> tokens;
    Clock::TimePoint last_seen;
  };
  void Observe(Correlation* result);
  bool Allowed(const k8s::core::v1::Event& event);
  template <class Map>
  void EvictOldestIfFull(Map* map);

  // Constant after construction.
  const Clock& clock_;
  const EventCorrelatorOptions options_;

  std::mutex mu_;
  std::map<std::string, Seen> seen_;       // guarded by mu_: by aggregation key
  std::map<std::string, Bucket> buckets_;  // guarded by mu_: by spam key
};

}  // namespace pk::client
