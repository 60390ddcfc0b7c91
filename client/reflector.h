// Reflector: keeps a Store equal to the server's state of one resource, as client-go's
// reflector does. It lists, then watches from the list's resourceVersion with bookmarks;
// every event (and bookmark) advances the resourceVersion it would resume from. When the
// stream ends it watches again from there; a 410 Expired (as the watch call's error or an
// ERROR event) makes it list again; any other failure (the apiserver away or restarting)
// waits an exponential back-off with jitter (800 ms doubling to 30 s, on the injected clock).
//
// Thread-safety: Start/Stop/accessors from any thread, concurrently too. The Store is called
// from the reflector's own thread only, one call at a time; it may call Stop (which then
// only signals: the thread ends once the Store call returns).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/background_thread.h"
#include "client/backoff.h"
#include "client/clock.h"
#include "client/resource_client.h"

namespace pk::client {

// What a reflector feeds: the full state after a list, then each change.
class Store {
 public:
  virtual ~Store() = default;
  // The server's complete state at `resource_version`; objects absent from `items` are gone.
  virtual void Replace(std::vector<ObjectPtr> items, const std::string& resource_version) = 0;
  virtual void Add(ObjectPtr object) = 0;
  virtual void Update(ObjectPtr object) = 0;
  virtual void Delete(ObjectPtr object) = 0;  // the object's last state
};

struct ReflectorOptions {
  std::string label_selector;  // restricts the list and watch
  std::string field_selector;
  BackoffOptions backoff;
  const Clock* clock = &RealClock();
  // Each watch asks the server to end it after a random time in [min, 2*min], as client-go
  // does, so that connections are rebalanced and stale ones noticed.
  std::chrono::seconds min_watch_timeout{300};
  // The list is read in pages of this many objects (client-go's pager, 500), so that a large
  // cluster's list never exceeds a message's size limit; 0 reads it in one piece.
  int64_t page_size = 500;
};

class Reflector {
 public:
  // `store` must outlive the reflector.
  Reflector(std::shared_ptr<const ListerWatcher> lister_watcher, Store* store,
            ReflectorOptions options = {});
  ~Reflector();  // Stop()
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Runs on its own thread until Stop; only the first call does anything, and none after Stop.
  void Start();
  // Cancels a list or watch in flight and returns once the thread has ended (at once when
  // called from the Store, i.e. on the thread itself). Idempotent; also before Start.
  void Stop();
  // The resourceVersion of the last list, event or bookmark seen ("" before the first list).
  std::string LastSyncResourceVersion() const;
  // How many lists have reached the store (1 after the initial one; more after re-lists).
  int lists() const { return lists_.load(); }

 private:
  void Run();
  bool ListOnce();  // false on failure (already backed off)
  Result<RawList> ListPages(ListOptions list);
  // Until the stream ends; its status. `applied` counts the events it delivered.
  Status WatchOnce(size_t* applied);
  Status Apply(const RawEvent& event);
  void SetResourceVersion(const ObjectPtr& object);
  bool SleepFor(Clock::Duration delay);  // false if stopped meanwhile
  bool stopped() const;

  // Constant after construction.
  const std::shared_ptr<const ListerWatcher> lister_watcher_;
  Store* const store_;
  const ReflectorOptions options_;

  // Owned by the reflector thread.
  Backoff backoff_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;                         // guarded by mu_
  std::string resource_version_;                 // guarded by mu_
  WatchStream* current_watch_ = nullptr;         // guarded by mu_: stopped by Stop()
  std::shared_ptr<CallCanceller> current_list_;  // guarded by mu_: cancelled by Stop()
  std::atomic<int> lists_{0};
  BackgroundThread thread_;  // last: joined before the members above go
};

}  // namespace pk::client
