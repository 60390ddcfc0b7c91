#include "client/clock.h"

namespace pk::client {
namespace {

class Real : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override {
    return cv.wait_until(lock, deadline) == std::cv_status::no_timeout;
  }
};

}  // namespace

const Clock& RealClock() {
  static const Real clock;
  return clock;
}

FakeClock::FakeClock()
    : now_(std::chrono::steady_clock::time_point{} + std::chrono::hours(1)),
      wall_(std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 56)) {}

Clock::TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> guard(mu_);
  return now_;
}

std::chrono::system_clock::time_point FakeClock::WallNow() const {
  std::lock_guard<std::mutex> guard(mu_);
  return wall_;
}

// Advance cannot notify a waiter's own condition variable (it does not know it), so the
// wait sleeps in 1 ms real-time slices and the caller's loop re-checks the fake time.
bool FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) const {
  if (Now() >= deadline) return false;
  bool notified = cv.wait_for(lock, std::chrono::milliseconds(1)) == std::cv_status::no_timeout;
  return notified || Now() < deadline;
}

void FakeClock::Advance(Duration by) {
  std::lock_guard<std::mutex> guard(mu_);
  now_ += by;
  wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
}

}  // namespace pk::client
