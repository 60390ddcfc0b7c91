// StoreEngine watches: registration (initial state or replay from the event windows) and the
// dispatcher thread that fans committed events out to every watcher.
//
// Gap- and duplicate-freedom: the dispatcher hands out events in revision order while holding
// dispatch_mu_ and records the last one in dispatched_revision_ (D). A watch registers under
// dispatch_mu_: whatever it needs up to D comes from the state or the windows, and it is
// marked to receive from the dispatcher only events above max(R, D) (or above the snapshot
// revision for a watch from 0).
#include <fmt/format.h>

#include <algorithm>

#include "apiserver/storage/store_engine.h"
#include "apiserver/storage/watch_stream.h"

namespace pk::storage {

Result<std::unique_ptr<Watcher>> StoreEngine::Watch(const WatchOptions& options) {
  if (options.resource_version < 0) {
    return Status::BadRequest(
        fmt::format("invalid resource version: {}", options.resource_version));
  }
  if (options.resource_version > 0) PK_RETURN_IF_ERROR(WaitForRevision(options.resource_version));
  WatchRegistration registration{
      std::make_shared<WatchStream>(options.buffer > 0 ? options.buffer : options_.watcher_buffer),
      ObjectFilter(options.prefix, options.labels, options.fields), 0, options.bookmarks};
  std::shared_ptr<WatchStream> stream = registration.stream;
  {
    std::lock_guard lock(dispatch_mu_);
    PK_RETURN_IF_ERROR(RegisterLocked(options, &registration));
    watchers_.push_back(std::move(registration));
  }
  return std::unique_ptr<Watcher>(new StreamWatcher(std::move(stream)));
}

Status StoreEngine::RegisterLocked(const WatchOptions& options, WatchRegistration* registration) {
  std::shared_lock lock(state_mu_);
  const std::string& prefix = options.prefix;
  if (options.resource_version == 0) {
    // The current state, as ADDED events at the revision it reflects; then what follows it.
    const int64_t current = CurrentRevision();
    for (auto it = state_.lower_bound(prefix); it != state_.end() && KeyInRange(it->first, prefix);
         ++it) {
      if (!registration->filter.Matches(*it->second.object)) continue;
      Event event;
      event.type = Event::Type::kAdded;
      event.revision = current;
      event.key = it->first;
      event.object = it->second.object;
      registration->stream->PushInitial(std::move(event));
    }
    registration->after = current;
    return Status::OK();
  }
  const int64_t revision = options.resource_version;
  if (int64_t floor = FloorLocked(prefix); revision < floor) {
    return Status::Expired(fmt::format("too old resource version: {} ({})", revision, floor));
  }
  if (revision < dispatched_revision_) ReplayLocked(options, registration, dispatched_revision_);
  registration->after = std::max(revision, dispatched_revision_);
  return Status::OK();
}

// Queues the window events in (resource_version, upto] that the watcher selects.
void StoreEngine::ReplayLocked(const WatchOptions& options, WatchRegistration* registration,
                               int64_t upto) {
  const int64_t after = options.resource_version;
  std::vector<EventPtr> events;
  auto collect = [&](const Window& window) {
    auto first = std::partition_point(window.events.begin(), window.events.end(),
                                      [after](const EventPtr& e) { return e->revision <= after; });
    for (auto it = first; it != window.events.end() && (*it)->revision <= upto; ++it) {
      events.push_back(*it);
    }
  };
  std::string_view resource = ResourceOf(options.prefix);
  if (!resource.empty()) {
    auto it = windows_.find(resource);
    if (it != windows_.end()) collect(it->second);
  } else {
    for (const auto& [name, window] : windows_) collect(window);
    std::sort(events.begin(), events.end(),
              [](const EventPtr& a, const EventPtr& b) { return a->revision < b->revision; });
  }
  for (const EventPtr& event : events) {
    if (auto out = registration->filter.Apply(*event)) registration->stream->PushInitial(*out);
  }
}

void StoreEngine::DispatchLoop() {
  using Clock = std::chrono::steady_clock;
  const auto interval = options_.bookmark_interval;
  auto next_bookmark = Clock::now() + interval;
  std::unique_lock queue_lock(queue_mu_);
  for (;;) {
    auto ready = [this] { return !dispatch_queue_.empty() || dispatch_stopping_; };
    if (interval.count() > 0) {
      queue_cv_.wait_until(queue_lock, next_bookmark, ready);
    } else {
      queue_cv_.wait(queue_lock, ready);
    }
    // The store is closing: deliver what was committed, then end (the destructor ends the
    // streams), so a watcher that sees the end has seen every acknowledged write.
    if (dispatch_stopping_ && dispatch_queue_.empty()) return;
    std::deque<EventPtr> events;
    events.swap(dispatch_queue_);
    queue_lock.unlock();
    std::vector<std::shared_ptr<WatchStream>> touched;
    {
      std::lock_guard lock(dispatch_mu_);
      if (!events.empty()) FanOutLocked(events, &touched);
      if (interval.count() > 0 && Clock::now() >= next_bookmark) {
        BookmarkLocked(&touched);
        next_bookmark = Clock::now() + interval;
      }
    }
    // Readers' callbacks run outside every store lock, once per stream per round.
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto& stream : touched) stream->Notify();
    queue_lock.lock();
  }
}

void StoreEngine::FanOutLocked(const std::deque<EventPtr>& events,
                               std::vector<std::shared_ptr<WatchStream>>* touched) {
  for (const EventPtr& event : events) {
    for (WatchRegistration& watcher : watchers_) {
      if (event->revision <= watcher.after) continue;
      std::optional<Event> out = watcher.filter.Apply(*event);
      if (!out) continue;
      watcher.stream->Push(std::move(*out));  // a full stream ends itself; pruned below
      touched->push_back(watcher.stream);
    }
    dispatched_revision_ = event->revision;
  }
  std::erase_if(watchers_, [](const WatchRegistration& w) { return w.stream->ended(); });
}

void StoreEngine::BookmarkLocked(std::vector<std::shared_ptr<WatchStream>>* touched) {
  for (WatchRegistration& watcher : watchers_) {
    if (!watcher.bookmarks) continue;
    Event bookmark;
    bookmark.type = Event::Type::kBookmark;
    // Everything up to here has been delivered to this watcher.
    bookmark.revision = std::max(dispatched_revision_, watcher.after);
    if (watcher.stream->PushBookmark(std::move(bookmark))) touched->push_back(watcher.stream);
  }
  std::erase_if(watchers_, [](const WatchRegistration& w) { return w.stream->ended(); });
}

}  // namespace pk::storage
