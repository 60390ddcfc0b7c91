// One watcher's queue: filled by the store's dispatcher thread, drained by the reader through
// the Watcher interface. Shared (shared_ptr) by the dispatcher and the reader's Watcher, so
// either may go first; neither holds a pointer to the store.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "apiserver/storage/store.h"

namespace pk::storage {

class WatchStream {
 public:
  explicit WatchStream(size_t buffer) : buffer_(buffer == 0 ? 1 : buffer) {}

  // --- Producer side (the store). Each returns false once the stream has ended, so the
  // dispatcher can drop it.
  // Events of the initial state and of the replayed window, queued at registration. They do
  // not count against the buffer (a watch from 0 of 10000 objects is not a slow reader).
  void PushInitial(Event event);
  // A live event. If `buffer` live events are already waiting the reader is too slow: the
  // stream is cut off (ended, keeping what it has).
  bool Push(Event event);
  // A bookmark is dropped rather than cutting a full stream off.
  bool PushBookmark(Event event);
  // Ends the stream (store shutdown); queued events stay readable.
  void End();
  // Calls the reader's notify callback, if any. Outside any store lock. Stop() waits for a
  // call in progress, so a reader may free what its callback uses once Stop has returned.
  void Notify();

  // --- Reader side (the Watcher interface).
  std::optional<Event> Next(std::chrono::milliseconds timeout);
  std::vector<Event> Drain();
  // Calls `notify` at once if events (or the end) are already there.
  void SetNotify(std::function<void()> notify);
  bool done() const;  // ended, and every queued event read
  // Ends the stream and drops what is queued; the dispatcher forgets it on its next round.
  // Returns once no notify callback runs any more (unless called from that callback).
  void Stop();
  bool ended() const;

 private:
  Event PopLocked();

  const size_t buffer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_.
  std::deque<Event> events_;
  size_t initial_left_ = 0;  // how many of the first events_ are initial ones
  bool ended_ = false;
  std::function<void()> notify_;
  int notifying_ = 0;             // Notify() calls running the callback now
  std::thread::id notifier_;      // the thread of the latest of them
};

// The Watcher handed to readers; stops its stream when destroyed.
class StreamWatcher final : public Watcher {
 public:
  explicit StreamWatcher(std::shared_ptr<WatchStream> stream) : stream_(std::move(stream)) {}
  ~StreamWatcher() override { stream_->Stop(); }
  std::optional<Event> Next(std::chrono::milliseconds timeout) override {
    return stream_->Next(timeout);
  }
  std::vector<Event> Drain() override { return stream_->Drain(); }
  void SetNotify(std::function<void()> notify) override { stream_->SetNotify(std::move(notify)); }
  bool done() const override { return stream_->done(); }
  void Stop() override { stream_->Stop(); }

 private:
  const std::shared_ptr<WatchStream> stream_;
};

}  // namespace pk::storage
