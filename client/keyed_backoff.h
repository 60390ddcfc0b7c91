// Per-key exponential back-off measured from when something last failed, as client-go's
// flowcontrol.Backoff (the kubelet's crash-loop and image-pull back-off): a key's delay
// starts at `initial`, doubles on each Next up to `max`, and starts over once the key has
// been left alone for 2 x max (a container that ran fine for 10 minutes with max 5 minutes).
//
// Times are wall-clock (system_clock), as the events they are measured from (a container's
// finishedAt) are. Thread-safety: every method from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "client/clock.h"

namespace pk::client {

class KeyedBackoff {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  KeyedBackoff(Clock::Duration initial, Clock::Duration max, const Clock* clock = &RealClock());

  // Whether `key` is still backing off from an event at `event_time`: less than its current
  // delay has passed since then. False for an unknown or expired key.
  bool IsInBackOffSince(const std::string& key, WallTime event_time) const;
  // Whether less than the key's current delay has passed from its last Next to `event_time`
  // (client-go's IsInBackOffSinceUpdate: the image-pull back-off, measured from the failed
  // pull). False for an unknown or expired key.
  bool IsInBackOffSinceUpdate(const std::string& key, WallTime event_time) const;
  // Another failure at `event_time`: the key's delay doubles (or starts at `initial`).
  void Next(const std::string& key, WallTime event_time);
  // The key's current delay (0 if unknown).
  Clock::Duration Get(const std::string& key) const;
  void Reset(const std::string& key);
  // Drops keys left alone for 2 x max.
  void GC();

 private:
  struct Entry {
    Clock::Duration delay{};
    WallTime last_update;
  };
  bool Expired(WallTime at, const Entry& e) const { return at - e.last_update > 2 * max_; }

  const Clock::Duration initial_, max_;
  const Clock* const clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace pk::client
