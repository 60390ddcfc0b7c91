// RateLimitedTimedQueue (pkg/controller/nodelifecycle/scheduler): the nodes of a zone waiting
// for their NoExecute taint, taken in order at most `qps` per second (a token bucket of
// burst 1, as EvictionRateLimiterBurst). A node stays known after it was processed, so that
// it is not queued again until Remove (it became reachable). Not thread-safe: the node
// lifecycle controller guards it.
#pragma once

#include <deque>
#include <functional>
#include <set>
#include <string>

#include "client/clock.h"

namespace pk::controllers {

class RateLimitedTimedQueue {
 public:
  using Clock = client::Clock;
  // What Try does with a node: true when done; false and a delay to retry it later.
  using Process = std::function<std::pair<bool, Clock::Duration>(const std::string& node)>;

  RateLimitedTimedQueue(double qps, const Clock& clock);

  // Queues `node` unless known; whether it was added.
  bool Add(const std::string& node);
  // Forgets `node` (queued or processed); whether it was known.
  bool Remove(const std::string& node);
  // Processes the nodes due, in order, while the limiter gives tokens.
  void Try(const Process& process);
  // SwapLimiter: a new rate (0 stops every taint); the bucket starts full.
  void SwapLimiter(double qps);
  double qps() const { return qps_; }

 private:
  struct Item {
    std::string node;
    Clock::TimePoint process_at;
  };
  bool TryAccept();

  const Clock& clock_;
  double qps_;
  double tokens_ = 1;
  Clock::TimePoint last_;
  std::deque<Item> queue_;
  std::set<std::string> known_;
};

}  // namespace pk::controllers
