// Internal to client/: one event handler of a SharedInformer with its own unbounded queue and
// delivery thread, as client-go's processorListener. The informer pushes notifications
// without ever waiting for the handler, so a slow handler delays only itself, and a handler
// may call back into the informer (AddEventHandler, the lister, HasSynced, Stop).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "client/background_thread.h"
#include "client/informer.h"

namespace pk::client {

struct Notification {
  // kSynced is the listener's own marker, never handed to the handler: it follows the
  // informer's first list (or a late handler's replay of the cache), so once the listener
  // reaches it the handler has seen every object of that list (client-go's synctrack).
  enum class Kind { kAdd, kUpdate, kDelete, kSynced };
  Kind kind;
  ObjectPtr old_object;  // kUpdate
  ObjectPtr object;      // kAdd, kUpdate
  bool is_initial_list = false;
  RawDeleted deleted;  // kDelete
};

// Thread-safe. Owned through a shared_ptr, which its thread shares: the listener outlives an
// informer destroyed from inside its handler.
class HandlerListener : public std::enable_shared_from_this<HandlerListener> {
 public:
  explicit HandlerListener(RawEventHandler handler) : handler_(std::move(handler)) {}

  // Queues `n` for the handler; never blocks on it. Dropped once stopped.
  void Push(Notification n);
  // Starts delivering, in push order, on the listener's own thread; at most once.
  void Start();
  // Delivers nothing more (what is queued is dropped) and waits for the thread, except on
  // that thread itself (a handler stopping its informer), which ends once the handler returns.
  void Stop();
  // True once the handler has been handed every object of the informer's first list.
  bool HasSynced() const;
  // Waits for HasSynced (false after `timeout`, or once stopped).
  bool WaitForSync(std::chrono::milliseconds timeout) const;

 private:
  bool Wants(const Notification& n) const;
  void Run();
  void Deliver(const Notification& n) const;

  const RawEventHandler handler_;
  mutable std::mutex mu_;
  std::condition_variable cv_;                 // pending_ or stopped_ changed: wakes Run
  mutable std::condition_variable synced_cv_;  // synced_ or stopped_ changed
  std::deque<Notification> pending_;  // guarded by mu_
  bool stopped_ = false;              // guarded by mu_
  bool synced_ = false;               // guarded by mu_
  BackgroundThread thread_;
};

}  // namespace pk::client
