#include "client/keyed_backoff.h"

#include <algorithm>

namespace pk::client {

KeyedBackoff::KeyedBackoff(Clock::Duration initial, Clock::Duration max, const Clock* clock)
    : initial_(initial), max_(max), clock_(clock) {}

bool KeyedBackoff::IsInBackOffSince(const std::string& key, WallTime event_time) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  WallTime now = clock_->WallNow();
  if (Expired(now, it->second)) return false;
  return now - event_time < it->second.delay;
}

bool KeyedBackoff::IsInBackOffSinceUpdate(const std::string& key, WallTime event_time) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(event_time, it->second)) return false;
  return event_time - it->second.last_update < it->second.delay;
}

void KeyedBackoff::Next(const std::string& key, WallTime event_time) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || Expired(event_time, it->second)) {
    entries_[key] = Entry{initial_, clock_->WallNow()};
    return;
  }
  it->second.delay = std::min<Clock::Duration>(it->second.delay * 2, max_);
  it->second.last_update = clock_->WallNow();
}

Clock::Duration KeyedBackoff::Get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? Clock::Duration{} : it->second.delay;
}

void KeyedBackoff::Reset(const std::string& key) {
  std::lock_guard lock(mu_);
  entries_.erase(key);
}

void KeyedBackoff::GC() {
  std::lock_guard lock(mu_);
  WallTime now = clock_->WallNow();
  std::erase_if(entries_, [&](const auto& e) { return Expired(now, e.second); });
}

}  // namespace pk::client
