#include "apiserver/storage/watch_stream.h"

namespace pk::storage {

void WatchStream::PushInitial(Event event) {
  std::lock_guard lock(mu_);
  events_.push_back(std::move(event));
  ++initial_left_;
}

bool WatchStream::Push(Event event) {
  bool open;
  {
    std::lock_guard lock(mu_);
    if (ended_) return false;
    if (events_.size() - initial_left_ >= buffer_) {
      ended_ = true;  // cut off: the reader re-watches from the last revision it saw
    } else {
      events_.push_back(std::move(event));
    }
    open = !ended_;
  }
  cv_.notify_all();
  return open;
}

bool WatchStream::PushBookmark(Event event) {
  {
    std::lock_guard lock(mu_);
    if (ended_) return false;
    if (events_.size() - initial_left_ >= buffer_) return true;
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
  return true;
}

void WatchStream::End() {
  {
    std::lock_guard lock(mu_);
    ended_ = true;
  }
  cv_.notify_all();
}

void WatchStream::Notify() {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (!notify_) return;
    notify = notify_;
    ++notifying_;
    notifier_ = std::this_thread::get_id();
  }
  notify();
  {
    std::lock_guard lock(mu_);
    --notifying_;
  }
  cv_.notify_all();
}

Event WatchStream::PopLocked() {
  Event event = std::move(events_.front());
  events_.pop_front();
  if (initial_left_ > 0) --initial_left_;
  return event;
}

std::optional<Event> WatchStream::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return !events_.empty() || ended_; });
  if (events_.empty()) return std::nullopt;
  return PopLocked();
}

std::vector<Event> WatchStream::Drain() {
  std::lock_guard lock(mu_);
  std::vector<Event> out;
  out.reserve(events_.size());
  while (!events_.empty()) out.push_back(PopLocked());
  return out;
}

void WatchStream::SetNotify(std::function<void()> notify) {
  bool pending;
  {
    std::lock_guard lock(mu_);
    notify_ = notify;
    pending = !events_.empty() || ended_;
  }
  // Events may have arrived before the callback was set: tell the reader right away.
  if (pending && notify) notify();
}

bool WatchStream::done() const {
  std::lock_guard lock(mu_);
  return ended_ && events_.empty();
}

bool WatchStream::ended() const {
  std::lock_guard lock(mu_);
  return ended_;
}

void WatchStream::Stop() {
  std::function<void()> notify;  // destroyed outside the lock: it may own anything
  {
    std::unique_lock lock(mu_);
    ended_ = true;
    events_.clear();
    initial_left_ = 0;
    notify.swap(notify_);
    cv_.notify_all();
    // A callback may be running on the dispatcher: the reader may free what it uses as soon
    // as we return. (A callback stopping its own watch must not wait for itself.)
    cv_.wait(lock, [this] {
      return notifying_ == 0 || notifier_ == std::this_thread::get_id();
    });
  }
}

}  // namespace pk::storage
