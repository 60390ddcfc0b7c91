#include "fake-cri/timer.h"

namespace pk::fakecri {

Timer::Timer(const client::Clock& clock) : clock_(clock), thread_([this] { Loop(); }) {}

Timer::~Timer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Timer::At(TimePoint when, std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push(Entry{when, seq_++, std::move(callback)});
  }
  cv_.notify_all();
}

void Timer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    TimePoint next = queue_.top().when;
    if (clock_.Now() < next) {
      clock_.WaitUntil(cv_, lock, next);
      continue;
    }
    // The callback takes other locks (the runtime's): never run it under ours.
    std::function<void()> callback = std::move(const_cast<Entry&>(queue_.top()).callback);
    queue_.pop();
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace pk::fakecri
