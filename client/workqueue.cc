#include "client/workqueue.h"

#include <algorithm>
#include <functional>

namespace pk::client {

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  // A key being processed is queued by Done, so no second worker gets it meanwhile.
  if (processing_.count(key)) return;
  queue_.push_back(key);
  cond_.notify_one();
}

WorkQueue::Item WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  cond_.wait(lock, [&] { return !queue_.empty() || shutting_down_; });
  if (queue_.empty()) return {"", true};
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return {std::move(key), false};
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> guard(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cond_.notify_one();
  } else if (processing_.empty() && drain_) {
    drained_cond_.notify_all();
  }
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> guard(mu_);
  return queue_.size();
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> guard(mu_);
  shutting_down_ = true;
  cond_.notify_all();
}

void WorkQueue::ShutDownWithDrain() {
  std::unique_lock<std::mutex> lock(mu_);
  shutting_down_ = true;
  drain_ = true;
  cond_.notify_all();
  drained_cond_.wait(lock, [&] { return processing_.empty(); });
  drain_ = false;
}

bool WorkQueue::ShuttingDown() const {
  std::lock_guard<std::mutex> guard(mu_);
  return shutting_down_;
}

DelayingQueue::DelayingQueue(const Clock& clock) : clock_(clock), waiter_([this] { WaitLoop(); }) {}

DelayingQueue::~DelayingQueue() {
  ShutDown();
  if (waiter_.joinable()) waiter_.join();
}

void DelayingQueue::AddAfter(const std::string& key, Clock::Duration delay) {
  if (ShuttingDown()) return;
  if (delay <= Clock::Duration::zero()) {
    Add(key);
    return;
  }
  std::lock_guard<std::mutex> guard(wait_mu_);
  Clock::TimePoint ready_at = clock_.Now() + delay;
  auto it = ready_.find(key);
  if (it != ready_.end() && it->second <= ready_at) return;
  // The older heap entry, if any, becomes stale: PopReadyLocked skips it.
  ready_[key] = ready_at;
  heap_.push_back({ready_at, next_seq_++, key});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  wait_cond_.notify_one();
}

std::vector<std::string> DelayingQueue::PopReadyLocked(Clock::TimePoint now) {
  std::vector<std::string> due;
  while (!heap_.empty() && heap_.front().ready_at <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    Waiting entry = std::move(heap_.back());
    heap_.pop_back();
    auto it = ready_.find(entry.key);
    if (it == ready_.end() || it->second != entry.ready_at) continue;  // stale
    ready_.erase(it);
    due.push_back(std::move(entry.key));
  }
  return due;
}

void DelayingQueue::WaitLoop() {
  // Wakes at least every 10 s, as client-go's maxWait, in case a clock wait misbehaves.
  constexpr auto kMaxWait = std::chrono::seconds(10);
  std::unique_lock<std::mutex> lock(wait_mu_);
  while (!stopping_) {
    Clock::TimePoint now = clock_.Now();
    std::vector<std::string> due = PopReadyLocked(now);
    if (!due.empty()) {
      lock.unlock();  // WorkQueue's lock is never taken under wait_mu_
      for (const auto& key : due) Add(key);
      lock.lock();
      continue;
    }
    Clock::TimePoint deadline = now + kMaxWait;
    if (!heap_.empty()) deadline = std::min(deadline, heap_.front().ready_at);
    clock_.WaitUntil(wait_cond_, lock, deadline);
  }
}

void DelayingQueue::StopWaiting() {
  std::lock_guard<std::mutex> guard(wait_mu_);
  stopping_ = true;
  wait_cond_.notify_all();
}

void DelayingQueue::ShutDown() {
  WorkQueue::ShutDown();
  StopWaiting();
}

void DelayingQueue::ShutDownWithDrain() {
  StopWaiting();
  WorkQueue::ShutDownWithDrain();
}

RateLimitingQueue::RateLimitingQueue(std::unique_ptr<RateLimiter> limiter, const Clock& clock)
    : DelayingQueue(clock), limiter_(std::move(limiter)) {}

void RateLimitingQueue::AddRateLimited(const std::string& key) {
  AddAfter(key, limiter_->When(key));
}

void RateLimitingQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int RateLimitingQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

}  // namespace pk::client
