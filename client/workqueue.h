// Work queues of string keys ("namespace/name"), as client-go's k8s.io/client-go/util/workqueue:
//
//   WorkQueue          FIFO with de-duplication: a key added while queued is queued once; a
//                      key added while being processed is queued again only after Done, so
//                      no two workers ever hold the same key.
//   DelayingQueue      + AddAfter: a key enters the queue once its delay has passed.
//   RateLimitingQueue  + AddRateLimited/Forget/NumRequeues: delays chosen by a RateLimiter.
//
// A controller's worker loop:
//   for (;;) { auto [key, shutdown] = q.Get(); if (shutdown) return;
//              if (Sync(key).ok()) q.Forget(key); else q.AddRateLimited(key); q.Done(key); }
//
// Every method is thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/clock.h"
#include "client/rate_limiter.h"

namespace pk::client {

class WorkQueue {
 public:
  struct Item {
    std::string key;
    bool shutdown = false;  // true: the queue is shut down and empty; key is empty
  };

  WorkQueue() = default;
  virtual ~WorkQueue() = default;
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already queued; ignored once shut down.
  void Add(const std::string& key);
  // Blocks until a key is available (and marks it processing) or the queue is shut down and
  // empty. Keys queued before shutdown are still handed out.
  Item Get();
  // Ends processing of `key`; if it was added meanwhile, queues it again.
  void Done(const std::string& key);
  // Keys waiting to be handed out (not those processing).
  size_t Len() const;
  // Stops accepting keys and wakes every Get once the queue is empty.
  virtual void ShutDown();
  // ShutDown, then waits until every key being processed is Done.
  virtual void ShutDownWithDrain();
  bool ShuttingDown() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cond_;          // a key was queued, or shutdown
  std::condition_variable drained_cond_;  // processing_ became empty during a drain
  std::deque<std::string> queue_;         // guarded by mu_: keys to hand out, in order
  std::set<std::string> dirty_;           // guarded by mu_: keys that need processing
  std::set<std::string> processing_;      // guarded by mu_: keys handed out, not yet Done
  bool shutting_down_ = false;            // guarded by mu_
  bool drain_ = false;                    // guarded by mu_: ShutDownWithDrain is waiting
};

class DelayingQueue : public WorkQueue {
 public:
  // `clock` must outlive the queue. Starts the thread that moves due keys into the queue.
  explicit DelayingQueue(const Clock& clock = RealClock());
  ~DelayingQueue() override;  // shuts down and joins the thread

  // Adds `key` once `delay` has passed (now when delay <= 0). A key already waiting keeps
  // the earlier of its two ready times. Ignored once shut down.
  void AddAfter(const std::string& key, Clock::Duration delay);
  void ShutDown() override;
  void ShutDownWithDrain() override;

 private:
  struct Waiting {
    Clock::TimePoint ready_at;
    uint64_t seq;  // FIFO among keys with the same ready time
    std::string key;
    bool operator>(const Waiting& o) const {
      return ready_at != o.ready_at ? ready_at > o.ready_at : seq > o.seq;
    }
  };
  void WaitLoop();
  std::vector<std::string> PopReadyLocked(Clock::TimePoint now);
  void StopWaiting();

  const Clock& clock_;  // constant after construction

  std::mutex wait_mu_;  // never held while calling into WorkQueue
  std::condition_variable wait_cond_;
  std::vector<Waiting> heap_;                      // guarded by wait_mu_: min-heap
  std::map<std::string, Clock::TimePoint> ready_;  // guarded by wait_mu_: live entry per key
  uint64_t next_seq_ = 0;                          // guarded by wait_mu_
  bool stopping_ = false;                          // guarded by wait_mu_
  std::thread waiter_;                             // last: started after the members it reads
};

class RateLimitingQueue : public DelayingQueue {
 public:
  explicit RateLimitingQueue(std::unique_ptr<RateLimiter> limiter = DefaultControllerRateLimiter(),
                             const Clock& clock = RealClock());

  // AddAfter(key, limiter.When(key)): retry after a failure.
  void AddRateLimited(const std::string& key);
  // The key succeeded: its back-off starts from scratch. Does not remove it from the queue.
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

 private:
  const std::unique_ptr<RateLimiter> limiter_;  // constant after construction; thread-safe
};

}  // namespace pk::client
