// One thread that runs callbacks at their time on an injectable clock: what drives every
// simulated process, pull and stop timeout of fake-cri, so thousands of sleeping containers
// cost a heap entry each and no thread.
//
// Thread-safe. Callbacks run on the timer thread, one at a time, in deadline order; a
// callback that is no longer wanted checks that itself (fake-cri uses generation numbers).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "client/clock.h"

namespace pk::fakecri {

class Timer {
 public:
  using TimePoint = client::Clock::TimePoint;

  explicit Timer(const client::Clock& clock);
  ~Timer();  // drops the callbacks not yet run and joins the thread
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void At(TimePoint when, std::function<void()> callback);
  const client::Clock& clock() const { return clock_; }

 private:
  struct Entry {
    TimePoint when;
    uint64_t seq;  // keeps equal deadlines in scheduling order
    std::function<void()> callback;
    bool operator>(const Entry& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  void Loop();

  const client::Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;  // guarded by mu_
  uint64_t seq_ = 0;                                                      // guarded by mu_
  bool stopping_ = false;                                                 // guarded by mu_
  std::thread thread_;
};

}  // namespace pk::fakecri
