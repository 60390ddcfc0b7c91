// The one implementation of Store's semantics, over a Backend (backend.h) that only persists.
//
// State: every object lives in memory in `state_` (sorted by key; what Get and List read).
// Only durable writes are there. Writers check existence and compare-and-swap against
// `latest_`, which also includes writes that are ordered but not yet durable, so they never
// wait for a commit to learn whether theirs may proceed.
//
// Write path (group commit):
//   writer:     encode the object (no lock) -> admit under mu_ (check latest_, take the next
//               revision, append to pending_) -> wait for its own completion flag.
//   committer:  one thread; takes ALL of pending_, commits it as one backend batch (one
//               synced RocksDB write), hands it to the applier, and immediately takes the
//               writes that queued meanwhile. Its loop is the only serial part of the path.
//   applier:    one thread; applies committed batches in order to state_ and the per-resource
//               event windows, wakes the batch's writers, queues the events for watchers.
//   dispatcher: one thread; fans events out to watchers in revision order, sends bookmarks.
// So a writer waits for at most the batch in flight plus its own, and fsyncs never wait for
// map updates, event fan-out or thread wake-ups.
//
// A failed commit fails its batch and every pending write (they may depend on it) with
// InternalError and marks the store broken: all later writes fail, reads go on.
#pragma once

#include <google/protobuf/message.h>

#include <atomic>
#include <condition_variable>
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

// One write on its way through the pipeline. Shared by its writer and the pipeline, so the
// pipeline may signal `done` without the writer having gone (and freed it) in between.
struct PendingWrite {
  // Set by the writer before admission; read-only once admitted.
  std::string key;
  std::string value;  // value_codec.h format (empty for deletes and non-durable backends)
  std::shared_ptr<google::protobuf::Message> object;  // new state; for a delete the last one
  k8s::meta::v1::ObjectMeta* meta = nullptr;           // object's metadata, for resourceVersion
  int64_t expire_at_ms = 0;
  bool is_delete = false;
  // Set at admission, under StoreEngine::mu_.
  int64_t revision = 0;
  ObjectPtr prev;  // the state this write replaces (nullptr for a create)
  // Completion: `status` is written before `done` is released, read after it is acquired.
  Status status;
  std::atomic<int> done{0};
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

  Result<ObjectPtr> Create(const std::string& key, std::unique_ptr<google::protobuf::Message> object,
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
  struct Entry {
    ObjectPtr object;  // resourceVersion == mod_revision
    int64_t mod_revision = 0;
    int64_t expire_at_ms = 0;  // 0: never
  };
  using EventPtr = std::shared_ptr<const Event>;
  // The recent events of one resource. History at or below `floor` is gone.
  struct Window {
    std::deque<EventPtr> events;  // revision order
    int64_t floor = 0;
  };
  struct ResourceInfo {
    GroupResource group_resource;
    const google::protobuf::Message* prototype = nullptr;
  };
  enum class Admission { kAdmitted, kExists, kMissing, kStale, kBroken };
  static constexpr int64_t kMustBeAbsent = -1;
  struct WatchRegistration {
    std::shared_ptr<WatchStream> stream;
    ObjectFilter filter;
    int64_t after = 0;  // events at or below this revision were delivered at registration
    bool bookmarks = false;
  };
  // A past state of a key range: key -> object (nullptr: absent at that revision).
  using Rollback = std::map<std::string_view, ObjectPtr>;

  StoreEngine(std::unique_ptr<Backend> backend, const StoreOptions& options);

  // store_engine.cc: lifecycle, resources, preparing writes, TTL.
  Status Load(RecoveredData data);
  Status LoadEntry(const std::string& key, const std::string& value);
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
                              const UpdateFunc& update, const WriteOptions& options,
                              bool* retry);
  int64_t ExpireAt(const WriteOptions& options) const;
  void SweepLoop();

  // store_commit.cc: the write pipeline.
  std::optional<Entry> ReadLatest(const std::string& key);
  Admission Admit(const PendingPtr& write, int64_t expected_revision);
  void AdmitLocked(const PendingPtr& write, const Entry* current);
  Status BrokenStatus();
  static Status Await(const PendingWrite& write);
  static void Finish(PendingWrite* write, Status status);
  void CommitLoop();
  Status CommitBatch(const std::vector<PendingPtr>& batch, std::vector<BackendWrite>* scratch);
  void FailEverything(const std::vector<PendingPtr>& batch, const Status& cause);
  void ApplyLoop();
  void ApplyBatch(const std::vector<PendingPtr>& batch);
  void ApplyLocked(const PendingWrite& write, EventPtr event);
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

  // Constant after construction.
  const StoreOptions options_;
  const std::unique_ptr<Backend> backend_;
  const bool durable_;
  std::unordered_map<std::string, ResourceInfo> resources_;  // by resource name, any group
  int64_t open_revision_ = 0;  // the revision at open: the floor of every window at first

  // Admission. Held only for map lookups and appends: nothing is encoded under it.
  std::mutex mu_;
  std::condition_variable commit_cv_;  // committer: pending_ is not empty, or stopping_
  std::unordered_map<std::string, Entry> latest_;  // guarded by mu_: state_ + admitted writes
  std::vector<PendingPtr> pending_;                // guarded by mu_: admitted, not committing
  int64_t next_revision_ = 0;                      // guarded by mu_: the last assigned
  bool broken_ = false;                            // guarded by mu_
  std::string broken_cause_;                       // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_

  // Committed batches waiting for the applier.
  std::mutex apply_mu_;
  std::condition_variable apply_cv_;
  std::deque<std::vector<PendingPtr>> apply_queue_;  // guarded by apply_mu_
  bool apply_stopping_ = false;                      // guarded by apply_mu_

  // The durable state. Readers share, the applier excludes.
  mutable std::shared_mutex state_mu_;
  std::map<std::string, Entry, std::less<>> state_;             // guarded by state_mu_
  std::set<std::pair<int64_t, std::string>> expiry_;            // guarded by state_mu_
  std::map<std::string, Window, std::less<>> windows_;          // guarded by state_mu_
  std::atomic<int64_t> current_revision_{0};  // written under state_mu_ after state_ is

  // Signalled whenever current_revision_ rises (waits for a too-new resourceVersion).
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

  std::thread committer_;
  std::thread applier_;
  std::thread dispatcher_;
  std::thread sweeper_;
};

}  // namespace pk::storage
