// The one implementation of Store's semantics, over a Backend (backend.h) that only persists.
//
// State: every object lives in memory in `state_` (sorted by key; what Get and List read).
// Only durable writes are there. Writers check existence and compare-and-swap against
// `latest_`, a hash map of every key's newest state including writes that are ordered but
// not yet durable, so they never wait for a commit to learn whether theirs may proceed.
// (latest_ mirrors all of state_ rather than overlaying only the pending keys: admission then
// needs one hash lookup under one lock, never the read lock or a sorted-map search.)
//
// Write path (group commit), a pipeline of one thread per stage:
//   writer:     encode the object (no lock) -> admit under mu_ (check latest_, take the next
//               revision, append to pending_) -> wait for its own completion flag.
//   committer:  takes ALL of pending_, commits it as one backend batch (one synced RocksDB
//               write: one WAL record, one fsync), hands it to the applier, and at once takes
//               what was admitted meanwhile. Its loop is the only serial part of the path.
//   applier:    applies committed batches in order to state_ and the per-resource event
//               windows, then wakes their writers and queues the events for the dispatcher.
//               (When it is idle and no write waits for the next commit, the committer
//               applies its batch itself: a lone writer is spared a thread hop.)
//   dispatcher: fans events out to watchers in revision order, sends bookmarks.
// Commits never wait for encoding, map updates, thread wake-ups or watchers. A writer's
// write goes into the first commit that starts after its admission; that start may be held
// back by at most half a commit time to let a busy batch fill (WaitForStragglersLocked).
// A dedicated committer (rather than a leader elected among the writers) keeps the loop of
// commits free of thread wake-ups, and no writer ever commits other writers' later batches.
//
// A failed commit fails its batch and every write admitted after it (they were checked
// against the failed ones) with InternalError and marks the store broken: all later writes
// fail, reads go on. (As with any storage error, the failed batch may still be on disk.)
#pragma once

#include <google/protobuf/message.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "apiserver/storage/backend.h"
#include "apiserver/storage/filter.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/store.h"

namespace pk::storage {

class WatchStream;

// A one-shot completion flag. The waiter sleeps in the kernel (futex) right away: with
// dozens of writers waiting per batch, spinning or yielding waiters (as std::atomic::wait
// does) would take the CPU the committer and applier need.
class Completion {
 public:
  void Wait() const;  // returns once Signal() has been called
  void Signal();

 private:
  std::atomic<uint32_t> state_{0};
};

// What the engine keeps per key: the object and when it was written and expires.
struct StoredObject {
  ObjectPtr object;  // resourceVersion == mod_revision
  int64_t mod_revision = 0;
  int64_t expire_at_ms = 0;  // 0: never
};
using LatestMap = std::unordered_map<std::string, StoredObject>;
using StateMap = std::map<std::string, StoredObject, std::less<>>;
// A past state of a key range: key -> object (nullptr: absent at that revision).
using Rollback = std::map<std::string_view, ObjectPtr>;

// One write on its way through the pipeline. Shared by its writer and the pipeline, so the
// pipeline may signal `done` without the writer having gone (and freed it) in between.
struct PendingWrite {
  // Set by the writer before admission; read-only once admitted.
  std::string key;
  std::string value;  // value_codec.h format (empty for deletes and non-durable backends)
  std::shared_ptr<google::protobuf::Message> object;  // new state; for a delete the last one
  k8s::meta::v1::ObjectMeta* meta = nullptr;          // object's metadata, for resourceVersion
  int64_t expire_at_ms = 0;
  bool is_delete = false;
  // A create's entry for StoreEngine::latest_, allocated before admission so that the
  // critical section allocates nothing.
  LatestMap::node_type latest_node;
  // Set at admission, under StoreEngine::mu_.
  int64_t revision = 0;
  ObjectPtr prev;  // the state this write replaces (nullptr for a create)
  // Completion: `status` is written before `done` is signalled, read after it is waited for.
  Status status;
  Completion done;
};
using PendingPtr = std::shared_ptr<PendingWrite>;

class StoreEngine final : public Store {
 public:
  // Loads everything the backend recovers (decoded by the scheme's prototype of each key's
  // resource) and starts the engine's threads.
  static Result<std::unique_ptr<StoreEngine>> Open(std::unique_ptr<Backend> backend,
                                                   const StoreOptions& options);
  // Finishes the writes already admitted, then stops; open watches end.
  ~StoreEngine() override;

  Result<ObjectPtr> Create(const std::string& key,
                           std::unique_ptr<google::protobuf::Message> object,
                           const WriteOptions& options) override;
  Result<ObjectPtr> Get(const std::string& key) override;
  Result<ListResult> List(const ListOptions& options) override;
  Result<ObjectPtr> GuaranteedUpdate(const std::string& key, const Preconditions& preconditions,
                                     const UpdateFunc& update, bool create_if_missing,
                                     const WriteOptions& options) override;
  Result<ObjectPtr> Delete(const std::string& key, const Preconditions& preconditions) override;
  Result<std::unique_ptr<Watcher>> Watch(const WatchOptions& options) override;
  int64_t CurrentRevision() override;
  size_t ExpireDue() override;

 private:
  using Entry = StoredObject;
  using EventPtr = std::shared_ptr<const Event>;
  // The recent events of one resource. History at or below `floor` is gone.
  struct Window {
    std::deque<EventPtr> events;  // revision order
    int64_t floor = 0;
  };
  struct ResourceInfo {
    GroupResource group_resource;
    const google::protobuf::Message* prototype = nullptr;
    std::chrono::seconds default_ttl{0};  // StoreOptions::default_ttl of this resource
  };
  enum class Admission { kAdmitted, kExists, kMissing, kStale, kBroken };
  static constexpr int64_t kMustBeAbsent = -1;
  using Clock = std::chrono::steady_clock;
  // What the committer knows of its recent commits (committer thread only).
  struct CommitWindow {
    size_t last_size = 0;
    Clock::time_point last_end;
    Clock::duration average{0};  // moving average of a commit's duration
    void Committed(size_t size, Clock::time_point start, Clock::time_point end);
  };
  struct WatchRegistration {
    std::shared_ptr<WatchStream> stream;
    ObjectFilter filter;
    int64_t after = 0;  // events at or below this revision were delivered at registration
    bool bookmarks = false;
  };

  StoreEngine(std::unique_ptr<Backend> backend, const StoreOptions& options);

  // store_engine.cc: lifecycle, resources, preparing writes, TTL.
  Status Load(RecoveredData data);
  Status LoadEntry(const std::string& key, const std::string& value, int64_t revision);
  void Start();
  const ResourceInfo* FindResource(std::string_view resource) const;
  GroupResource GroupResourceOf(std::string_view key) const;
  Result<PendingPtr> PrepareWrite(const std::string& key,
                                  std::unique_ptr<google::protobuf::Message> object,
                                  const WriteOptions& options);
  PendingPtr PrepareDelete(const std::string& key, const google::protobuf::Message& last);
  Status CheckPreconditions(const std::string& key, const Preconditions& preconditions,
                            const google::protobuf::Message& current) const;
  Result<ObjectPtr> TryUpdate(const std::string& key, const std::optional<Entry>& current,
                              const UpdateFunc& update, const WriteOptions& options, bool* retry);
  int64_t ExpireAt(const WriteOptions& options, const ResourceInfo& resource) const;
  void SweepLoop();

  // store_commit.cc: the write pipeline.
  std::optional<Entry> ReadLatest(const std::string& key);
  Admission Admit(const PendingPtr& write, int64_t expected_revision);
  void OrderLocked(const PendingPtr& write, const Entry* current);
  Status BrokenStatus();
  static Status Await(const PendingWrite& write);
  Status AwaitDurable(int64_t revision);
  static void Finish(PendingWrite* write, Status status);
  void CommitLoop();
  void WaitForStragglersLocked(const CommitWindow& window, std::unique_lock<std::mutex>& lock);
  Status CommitBatch(const std::vector<PendingPtr>& batch, std::vector<BackendWrite>* scratch);
  void FailEverything(const std::vector<PendingPtr>& batch, const Status& cause);
  void HandToApplier(std::vector<PendingPtr> batch);
  void ApplyLoop();
  void ApplyBatch(const std::vector<PendingPtr>& batch);
  void ApplyLocked(const PendingWrite& write, EventPtr event, std::vector<EventPtr>* evicted);
  Window& WindowLocked(std::string_view resource);

  // store_read.cc: reads and past states.
  Status WaitForRevision(int64_t revision);
  int64_t FloorLocked(std::string_view prefix) const;
  Rollback RollbackLocked(const std::string& prefix, int64_t revision) const;
  Result<ListResult> ListLocked(const ListOptions& options, const ObjectFilter& filter,
                                const std::string& start, int64_t revision);

  // store_watch.cc: watches.
  Status RegisterLocked(const WatchOptions& options, WatchRegistration* registration);
  void ReplayLocked(const WatchOptions& options, WatchRegistration* registration, int64_t upto);
  void DispatchLoop();
  void FanOutLocked(const std::deque<EventPtr>& events,
                    std::vector<std::shared_ptr<WatchStream>>* touched);
  void BookmarkLocked(std::vector<std::shared_ptr<WatchStream>>* touched);

  // Locks are taken one at a time, except: dispatch_mu_ -> state_mu_ (watch registration),
  // dispatch_mu_ -> a WatchStream's own lock (fan-out), and mu_ + state_mu_ together in Load
  // (before any thread runs). No lock is held while calling the backend or a reader's callback.

  // Constant after construction.
  const StoreOptions options_;
  const std::unique_ptr<Backend> backend_;
  const bool durable_;
  std::unordered_map<std::string, ResourceInfo> resources_;  // by resource name, any group
  int64_t open_revision_ = 0;  // the revision at open: the floor of every window at first

  // Admission. Held only for map lookups and appends: nothing is encoded under it.
  std::mutex mu_;
  std::condition_variable commit_cv_;  // committer: pending_ is not empty, or stopping_
  LatestMap latest_;                   // guarded by mu_: state_ + admitted writes
  std::vector<PendingPtr> pending_;    // guarded by mu_: admitted, not committing
  int64_t next_revision_ = 0;          // guarded by mu_: the last assigned
  size_t commit_wanted_ = 0;           // guarded by mu_: the batch size the committer waits for
  bool broken_ = false;                // guarded by mu_
  std::string broken_cause_;           // guarded by mu_
  bool stopping_ = false;              // guarded by mu_

  // Committed batches waiting for the applier.
  std::mutex apply_mu_;
  std::condition_variable apply_cv_;
  std::deque<std::vector<PendingPtr>> apply_queue_;  // guarded by apply_mu_
  bool apply_stopping_ = false;                      // guarded by apply_mu_
  bool applying_ = false;  // guarded by apply_mu_: a batch is being applied (either thread)

  // The durable state. Readers share, the applier excludes.
  mutable std::shared_mutex state_mu_;
  StateMap state_;                                      // guarded by state_mu_
  std::set<std::pair<int64_t, std::string>> expiry_;    // guarded by state_mu_
  std::map<std::string, Window, std::less<>> windows_;  // guarded by state_mu_
  std::atomic<int64_t> current_revision_{0};            // written under state_mu_ after state_ is
  // The first revision of the failed commit (INT64_MAX: none); revisions from it on never
  // become durable.
  std::atomic<int64_t> failed_from_{INT64_MAX};

  // Signalled whenever current_revision_ rises or failed_from_ is set.
  std::mutex rev_mu_;
  std::condition_variable rev_cv_;

  // Applied events on their way to the dispatcher.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<EventPtr> dispatch_queue_;  // guarded by queue_mu_
  bool dispatch_stopping_ = false;       // guarded by queue_mu_

  // Watchers. The dispatcher holds dispatch_mu_ while it fans events out, so a registration
  // sees a consistent "delivered up to" revision. Lock order: dispatch_mu_, then state_mu_.
  std::mutex dispatch_mu_;
  std::vector<WatchRegistration> watchers_;  // guarded by dispatch_mu_
  int64_t dispatched_revision_ = 0;          // guarded by dispatch_mu_

  // The TTL sweeper's sleep.
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool sweep_stopping_ = false;  // guarded by sweep_mu_

  // Started by Open, joined by the destructor.
  std::thread committer_;
  std::thread applier_;
  std::thread dispatcher_;
  std::thread sweeper_;
};

}  // namespace pk::storage
