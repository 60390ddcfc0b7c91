#include "controller-manager/nodelifecycle/rate_limited_queue.h"

#include <algorithm>
#include <chrono>

namespace pk::controllers {

RateLimitedTimedQueue::RateLimitedTimedQueue(double qps, const Clock& clock)
    : clock_(clock), qps_(qps), last_(clock.Now()) {}

bool RateLimitedTimedQueue::Add(const std::string& node) {
  if (!known_.insert(node).second) return false;
  queue_.push_back({node, clock_.Now()});
  return true;
}

bool RateLimitedTimedQueue::Remove(const std::string& node) {
  queue_.erase(
      std::remove_if(queue_.begin(), queue_.end(), [&](const Item& i) { return i.node == node; }),
      queue_.end());
  return known_.erase(node) > 0;
}

bool RateLimitedTimedQueue::TryAccept() {
  if (qps_ <= 0) return false;
  Clock::TimePoint now = clock_.Now();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(1.0, tokens_ + elapsed * qps_);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void RateLimitedTimedQueue::Try(const Process& process) {
  while (!queue_.empty()) {
    if (!TryAccept()) return;  // as Kubernetes, a token is spent even on a node not yet due
    Clock::TimePoint now = clock_.Now();
    Item item = queue_.front();
    if (now < item.process_at) return;
    queue_.pop_front();
    auto [done, wait] = process(item.node);
    if (!done) {
      item.process_at = now + wait + Clock::Duration(1);
      queue_.push_back(item);  // UniqueQueue.Replace keeps it ordered by process_at
      std::stable_sort(queue_.begin(), queue_.end(),
                       [](const Item& a, const Item& b) { return a.process_at < b.process_at; });
    }
  }
}

void RateLimitedTimedQueue::SwapLimiter(double qps) {
  if (qps == qps_) return;
  qps_ = qps;
  tokens_ = qps > 0 ? 1 : 0;
  last_ = clock_.Now();
}

}  // namespace pk::controllers
