// The write pipeline of StoreEngine: admission, the committer and the applier (see the
// overview in store_engine.h).
#include <fmt/format.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <utility>

#include "apiserver/storage/store_engine.h"
#include "apiserver/storage/value_codec.h"

namespace pk::storage {

std::optional<StoreEngine::Entry> StoreEngine::ReadLatest(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = latest_.find(key);
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

// The whole critical section of a write: a hash lookup, a revision, an append. Whatever
// needs memory (the new latest_ node, the resourceVersion string) was allocated before, and
// whatever must be freed is freed after.
StoreEngine::Admission StoreEngine::Admit(const PendingPtr& write, int64_t expected_revision) {
  if (expected_revision == kMustBeAbsent && write->latest_node.empty()) {
    thread_local LatestMap scratch;  // a node factory: keeps its buckets, holds no node
    write->latest_node = scratch.extract(scratch.try_emplace(write->key).first);
  }
  LatestMap::node_type dropped;
  ObjectPtr replaced;
  bool wake;
  {
    std::lock_guard lock(mu_);
    if (broken_ || stopping_) return Admission::kBroken;
    auto it = latest_.find(write->key);
    if (expected_revision == kMustBeAbsent) {
      if (it != latest_.end()) return Admission::kExists;
    } else if (it == latest_.end()) {
      return Admission::kMissing;
    } else if (it->second.mod_revision != expected_revision) {
      return Admission::kStale;
    }
    OrderLocked(write, it == latest_.end() ? nullptr : &it->second);
    Entry entry{write->object, write->revision, write->expire_at_ms};
    if (write->is_delete) {
      dropped = latest_.extract(it);
    } else if (it != latest_.end()) {
      replaced = std::exchange(it->second.object, nullptr);
      it->second = std::move(entry);
    } else {
      write->latest_node.mapped() = std::move(entry);
      latest_.insert(std::move(write->latest_node));
    }
    pending_.push_back(write);
    // The committer waits for the first write, or for a batch of commit_wanted_.
    wake = pending_.size() == 1 || pending_.size() == commit_wanted_;
  }
  if (wake) commit_cv_.notify_one();
  return Admission::kAdmitted;
}

// Orders `write`: its revision goes into the object and the encoded value.
void StoreEngine::OrderLocked(const PendingPtr& write, const Entry* current) {
  write->revision = ++next_revision_;
  write->prev = current ? current->object : nullptr;
  if (write->meta) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), write->revision);
    // The string has room (PrepareWrite reserved it): no allocation here.
    write->meta->mutable_resource_version()->assign(digits, end);
  }
  if (!write->value.empty()) SetValueRevision(&write->value, write->revision);
}

Status StoreEngine::BrokenStatus() {
  std::lock_guard lock(mu_);
  if (stopping_ && !broken_) return Status::InternalError("the store is shutting down");
  return Status::InternalError(
      fmt::format("the store refuses writes after a failed commit: {}", broken_cause_));
}

void Completion::Wait() const {
  while (state_.load(std::memory_order_acquire) == 0) {
    // Returns at once if the flag is no longer 0 (EAGAIN), or on a wake-up, or spuriously.
    syscall(SYS_futex, reinterpret_cast<const uint32_t*>(&state_), FUTEX_WAIT_PRIVATE, 0, nullptr,
            nullptr, 0);
  }
}

void Completion::Signal() {
  state_.store(1, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr,
          0);
}

Status StoreEngine::Await(const PendingWrite& write) {
  write.done.Wait();
  return write.status;
}

// Waits until `revision` (already admitted) is durable: OK, or the store's failure if the
// commit of `revision` failed.
Status StoreEngine::AwaitDurable(int64_t revision) {
  if (CurrentRevision() < revision) {
    std::unique_lock lock(rev_mu_);
    rev_cv_.wait(lock,
                 [&] { return CurrentRevision() >= revision || revision >= failed_from_.load(); });
  }
  return CurrentRevision() >= revision ? Status::OK() : BrokenStatus();
}

// The caller holds a reference to `write`, so Signal() may touch it after the waiter left.
void StoreEngine::Finish(PendingWrite* write, Status status) {
  write->status = std::move(status);
  write->done.Signal();
}

void StoreEngine::CommitLoop() {
  std::vector<PendingPtr> batch;
  std::vector<BackendWrite> scratch;
  CommitWindow window;
  std::unique_lock lock(mu_);
  for (;;) {
    commit_cv_.wait(lock, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) return;  // stopping, and every admitted write is committed
    WaitForStragglersLocked(window, lock);
    batch.swap(pending_);
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    Status status = CommitBatch(batch, &scratch);
    window.Committed(batch.size(), start, std::chrono::steady_clock::now());
    if (status.ok()) {
      HandToApplier(std::move(batch));
    } else {
      FailEverything(batch, status);
    }
    batch = std::vector<PendingPtr>();
    batch.reserve(256);  // becomes pending_ at the next swap: no growing under mu_
    lock.lock();
  }
}

// Applies the committed batch right here when the applier is idle and no write waits for
// the next commit: a lone writer is then woken by the committer itself, one thread hop fewer.
// Otherwise the applier takes it, so that the next commit starts at once.
void StoreEngine::HandToApplier(std::vector<PendingPtr> batch) {
  bool waiting;
  {
    std::lock_guard lock(mu_);
    waiting = !pending_.empty();
  }
  {
    std::lock_guard apply_lock(apply_mu_);
    if (waiting || applying_ || !apply_queue_.empty()) {
      apply_queue_.push_back(std::move(batch));
      batch.clear();
    } else {
      applying_ = true;  // in order: the applier has nothing before this batch
    }
  }
  if (batch.empty()) {
    apply_cv_.notify_one();
    return;
  }
  ApplyBatch(batch);
  std::lock_guard apply_lock(apply_mu_);
  applying_ = false;  // the committer queues nothing meanwhile: it is here
}

void StoreEngine::CommitWindow::Committed(size_t size, Clock::time_point start,
                                          Clock::time_point end) {
  last_size = size;
  last_end = end;
  // An exponential moving average of the commit time (mostly the fsync).
  average = average.count() == 0 ? end - start : (average * 7 + (end - start)) / 8;
}

// Group commit with a short window for stragglers (cf. PostgreSQL's commit_delay): the
// writers of the batch just committed are being woken and typically write again at once, but
// the committer starts the next commit before they are back, so with N busy writers batches
// settle at about N/2. If fewer writes are waiting than the last batch had, the committer gives
// them until half an average commit time after the last commit ended. The window costs
// nothing to sparse writers: one arriving later than that commits at once.
void StoreEngine::WaitForStragglersLocked(const CommitWindow& window,
                                          std::unique_lock<std::mutex>& lock) {
  if (pending_.size() >= window.last_size || stopping_) return;
  auto deadline = window.last_end + window.average / 2;
  commit_wanted_ = window.last_size;
  commit_cv_.wait_until(lock, deadline,
                        [&] { return pending_.size() >= window.last_size || stopping_; });
  commit_wanted_ = 0;
}

Status StoreEngine::CommitBatch(const std::vector<PendingPtr>& batch,
                                std::vector<BackendWrite>* scratch) {
  scratch->clear();
  if (durable_) {
    for (const PendingPtr& write : batch) {
      scratch->push_back(BackendWrite{write->key, write->value, write->is_delete});
    }
  }
  return backend_->Commit(*scratch, batch.back()->revision);
}

// Later pending writes were checked against the failed ones, so they cannot be committed
// either; and the revisions of the failed batch are burnt. The store stops taking writes.
void StoreEngine::FailEverything(const std::vector<PendingPtr>& batch, const Status& cause) {
  std::vector<PendingPtr> pending;
  {
    std::lock_guard lock(mu_);
    broken_ = true;
    broken_cause_ = cause.message();
    pending.swap(pending_);
  }
  failed_from_.store(batch.front()->revision);
  { std::lock_guard lock(rev_mu_); }
  rev_cv_.notify_all();
  Status failed =
      Status::InternalError(fmt::format("committing to the store failed: {}", cause.message()));
  for (const PendingPtr& write : batch) Finish(write.get(), failed);
  for (const PendingPtr& write : pending) Finish(write.get(), failed);
}

void StoreEngine::ApplyLoop() {
  std::unique_lock lock(apply_mu_);
  for (;;) {
    apply_cv_.wait(lock, [this] { return !apply_queue_.empty() || apply_stopping_; });
    if (apply_queue_.empty()) return;
    std::vector<PendingPtr> batch = std::move(apply_queue_.front());
    apply_queue_.pop_front();
    applying_ = true;
    lock.unlock();
    ApplyBatch(batch);
    lock.lock();
    applying_ = false;
  }
}

void StoreEngine::ApplyBatch(const std::vector<PendingPtr>& batch) {
  std::deque<EventPtr> events;
  for (const PendingPtr& write : batch) {
    auto event = std::make_shared<Event>();
    event->type = write->is_delete ? Event::Type::kDeleted
                  : write->prev    ? Event::Type::kModified
                                   : Event::Type::kAdded;
    event->revision = write->revision;
    event->key = write->key;
    event->object = write->object;
    event->prev_object = write->prev;
    events.push_back(std::move(event));
  }
  std::vector<EventPtr> evicted;  // freed after the lock: they may hold the last old objects
  {
    std::unique_lock lock(state_mu_);
    for (size_t i = 0; i < batch.size(); ++i) ApplyLocked(*batch[i], events[i], &evicted);
    current_revision_.store(batch.back()->revision, std::memory_order_release);
  }
  // Writers first: their latency is what callers see; watchers are asynchronous anyway.
  for (const PendingPtr& write : batch) Finish(write.get(), Status::OK());
  { std::lock_guard lock(rev_mu_); }
  rev_cv_.notify_all();
  // The watchers get copies with a shared slot for the object's encoding; the windows keep
  // none, so no encoding outlives the fan-out by the window's length.
  for (EventPtr& event : events) {
    auto live = std::make_shared<Event>(*event);
    live->encoded = std::make_shared<EncodedObject>();
    event = std::move(live);
  }
  {
    std::lock_guard lock(queue_mu_);
    for (EventPtr& event : events) dispatch_queue_.push_back(std::move(event));
  }
  queue_cv_.notify_one();
}

void StoreEngine::ApplyLocked(const PendingWrite& write, EventPtr event,
                              std::vector<EventPtr>* evicted) {
  auto it = state_.find(write.key);
  if (it != state_.end() && it->second.expire_at_ms != 0) {
    expiry_.erase({it->second.expire_at_ms, write.key});
  }
  if (write.is_delete) {
    if (it != state_.end()) state_.erase(it);
  } else {
    Entry entry{write.object, write.revision, write.expire_at_ms};
    if (it != state_.end()) {
      it->second = std::move(entry);
    } else {
      state_.emplace(write.key, std::move(entry));
    }
    if (write.expire_at_ms != 0) expiry_.emplace(write.expire_at_ms, write.key);
  }
  Window& window = WindowLocked(ResourceOf(write.key));
  window.events.push_back(std::move(event));
  while (window.events.size() > options_.window_events) {
    window.floor = window.events.front()->revision;
    evicted->push_back(std::move(window.events.front()));
    window.events.pop_front();
  }
}

StoreEngine::Window& StoreEngine::WindowLocked(std::string_view resource) {
  auto it = windows_.find(resource);
  if (it == windows_.end()) {
    it = windows_.emplace(std::string(resource), Window{}).first;
    it->second.floor = open_revision_;  // every event since open is in the window
  }
  return it->second;
}

}  // namespace pk::storage
