// Exponential back-off with jitter, as client-go's ExponentialBackoffManager gives reflectors:
// each delay doubles up to a cap, then gets up to `jitter` x itself added at random; after
// `reset_after` without a back-off the next delay starts from `initial` again.
//
// Not thread-safe: one owner (a reflector's loop).
#pragma once

#include <chrono>
#include <random>

#include "client/clock.h"

namespace pk::client {

struct BackoffOptions {
  std::chrono::milliseconds initial{800};
  std::chrono::milliseconds cap{30000};
  std::chrono::milliseconds reset_after{120000};
  double factor = 2.0;
  double jitter = 1.0;
};

class Backoff {
 public:
  explicit Backoff(BackoffOptions options = {}, const Clock* clock = &RealClock());
  // The delay to wait before the next attempt.
  Clock::Duration Next();
  // Forgets past failures (after a success).
  void Reset() { current_ = {}; }

 private:
  const BackoffOptions options_;
  const Clock* const clock_;
  Clock::Duration current_{};  // 0: no failure since the last reset
  Clock::TimePoint last_{};
  std::mt19937_64 random_;
};

}  // namespace pk::client
