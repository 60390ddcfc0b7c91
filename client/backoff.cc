#include "client/backoff.h"

#include <algorithm>

namespace pk::client {

Backoff::Backoff(BackoffOptions options, const Clock* clock)
    : options_(options), clock_(clock), random_(std::random_device{}()) {}

Clock::Duration Backoff::Next() {
  Clock::TimePoint now = clock_->Now();
  if (current_ == Clock::Duration{} || now - last_ > options_.reset_after) {
    current_ = options_.initial;
  } else {
    auto grown = std::chrono::duration_cast<Clock::Duration>(current_ * options_.factor);
    current_ = std::min<Clock::Duration>(grown, options_.cap);
  }
  last_ = now;
  double extra = std::uniform_real_distribution<double>(0, options_.jitter)(random_);
  return current_ + std::chrono::duration_cast<Clock::Duration>(current_ * extra);
}

}  // namespace pk::client
