// The clock every client/ piece reads (reflector back-off, work queue delays and rate
// limiters, event aggregation, leader election), injectable so tests control time -- as
// k8s.io/utils/clock does for client-go.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace pk::client {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::steady_clock::duration;

  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Wall time, for timestamps written into objects (Event.lastTimestamp, Lease.renewTime).
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
  // Waits on `cv` (holding `lock`) until notified or `deadline` passes on this clock;
  // returns false once the deadline has passed. Like any condition wait it may return early
  // (a fake clock's waits wake every millisecond to see whether time was advanced), so
  // callers re-check their predicate in a loop.
  virtual bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;
};

// The process's real clock.
const Clock& RealClock();

// A clock that moves only when told to (Advance).
class FakeClock : public Clock {
 public:
  FakeClock();
  TimePoint Now() const override;
  std::chrono::system_clock::time_point WallNow() const override;
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
  void Advance(Duration by);

 private:
  mutable std::mutex mu_;
  TimePoint now_;                                   // guarded by mu_
  std::chrono::system_clock::time_point wall_;      // guarded by mu_
};

}  // namespace pk::client
