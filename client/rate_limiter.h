// Rate limiters for work queues and event spam filtering, as client-go's
// k8s.io/client-go/util/workqueue/default_rate_limiters.go and golang.org/x/time/rate.
//
// Every class here is thread-safe. Time is read from an injected Clock, which must outlive
// the limiter.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/clock.h"

namespace pk::client {

// A token bucket (golang.org/x/time/rate.Limiter): holds up to `burst` tokens, refilled at
// `qps` tokens per second, starting full.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst, const Clock& clock = RealClock());

  // Takes a token if one is there now; never waits, never goes into debt.
  bool TryAccept();
  // Takes a token, possibly one not yet refilled, and returns how long the caller must wait
  // before acting on it (zero when one was there). Like rate.Limiter.Reserve().Delay().
  Clock::Duration Reserve();

 private:
  void RefillLocked(Clock::TimePoint now);

  // Constant after construction.
  const double qps_;
  const double burst_;
  const Clock& clock_;

  std::mutex mu_;
  double tokens_;          // guarded by mu_; negative when reservations are in debt
  Clock::TimePoint last_;  // guarded by mu_: when tokens_ was last refilled
};

// Decides how long an item waits before it is retried (workqueue.TypedRateLimiter).
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `item` may be processed again; counts one more failure of it.
  virtual Clock::Duration When(const std::string& item) = 0;
  // Stops tracking `item` (it succeeded); its next failure starts from scratch.
  virtual void Forget(const std::string& item) = 0;
  // How many times `item` has failed since it was last forgotten.
  virtual int NumRequeues(const std::string& item) = 0;
};

// base * 2^failures per item, capped at `max`.
class ItemExponentialFailureRateLimiter : public RateLimiter {
 public:
  ItemExponentialFailureRateLimiter(Clock::Duration base, Clock::Duration max);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  // Constant after construction.
  const Clock::Duration base_;
  const Clock::Duration max_;

  std::mutex mu_;
  std::map<std::string, int> failures_;  // guarded by mu_
};

// One token bucket for all items: bounds the overall retry rate.
class BucketRateLimiter : public RateLimiter {
 public:
  BucketRateLimiter(double qps, int burst, const Clock& clock = RealClock());
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  TokenBucket bucket_;  // thread-safe itself
};

// The longest delay of several limiters; every limiter sees every call.
class MaxOfRateLimiter : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);
  Clock::Duration When(const std::string& item) override;
  void Forget(const std::string& item) override;
  int NumRequeues(const std::string& item) override;

 private:
  const std::vector<std::unique_ptr<RateLimiter>> limiters_;  // constant after construction
};

// client-go's DefaultControllerRateLimiter: per-item exponential back-off from 5 ms to
// 1000 s, and an overall bucket of 10 qps with a burst of 100.
std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(const Clock& clock = RealClock());

}  // namespace pk::client
