// The write pipeline of StoreEngine: admission, the committer and the applier (see the
// overview in store_engine.h).
#include <fmt/format.h>

#include "apiserver/storage/store_engine.h"
#include "apiserver/storage/value_codec.h"

namespace pk::storage {

std::optional<StoreEngine::Entry> StoreEngine::ReadLatest(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = latest_.find(key);
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

// The whole critical section of a write: one hash lookup, a revision, an append.
StoreEngine::Admission StoreEngine::Admit(const PendingPtr& write, int64_t expected_revision) {
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
    AdmitLocked(write, it == latest_.end() ? nullptr : &it->second);
    if (write->is_delete) {
      latest_.erase(it);
    } else if (it != latest_.end()) {
      it->second = Entry{write->object, write->revision, write->expire_at_ms};
    } else {
      latest_.emplace(write->key, Entry{write->object, write->revision, write->expire_at_ms});
    }
    wake = pending_.empty();  // otherwise the committer was woken already or is busy
    pending_.push_back(write);
  }
  if (wake) commit_cv_.notify_one();
  return Admission::kAdmitted;
}

// Orders `write`: its revision goes into the object and the encoded value.
void StoreEngine::AdmitLocked(const PendingPtr& write, const Entry* current) {
  write->revision = ++next_revision_;
  write->prev = current ? current->object : nullptr;
  if (write->meta) write->meta->set_resource_version(std::to_string(write->revision));
  if (!write->value.empty()) SetValueRevision(&write->value, write->revision);
}

Status StoreEngine::BrokenStatus() {
  std::lock_guard lock(mu_);
  if (stopping_ && !broken_) return Status::InternalError("the store is shutting down");
  return Status::InternalError(
      fmt::format("the store refuses writes after a failed commit: {}", broken_cause_));
}

Status StoreEngine::Await(const PendingWrite& write) {
  write.done.wait(0, std::memory_order_acquire);
  return write.status;
}

void StoreEngine::Finish(PendingWrite* write, Status status) {
  write->status = std::move(status);
  write->done.store(1, std::memory_order_release);
  write->done.notify_one();
}

void StoreEngine::CommitLoop() {
  std::vector<PendingPtr> batch;
  std::vector<BackendWrite> scratch;
  std::unique_lock lock(mu_);
  for (;;) {
    commit_cv_.wait(lock, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) return;  // stopping, and every admitted write is committed
    batch.swap(pending_);
    lock.unlock();
    Status status = CommitBatch(batch, &scratch);
    if (status.ok()) {
      {
        std::lock_guard apply_lock(apply_mu_);
        apply_queue_.push_back(std::move(batch));
      }
      apply_cv_.notify_one();
    } else {
      FailEverything(batch, status);
    }
    batch.clear();
    lock.lock();
  }
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
  Status failed = Status::InternalError(fmt::format("committing to the store failed: {}",
                                                    cause.message()));
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
    lock.unlock();
    ApplyBatch(batch);
    lock.lock();
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
  {
    std::unique_lock lock(state_mu_);
    for (size_t i = 0; i < batch.size(); ++i) ApplyLocked(*batch[i], events[i]);
    current_revision_.store(batch.back()->revision, std::memory_order_release);
  }
  // Writers first: their latency is what callers see; watchers are asynchronous anyway.
  for (const PendingPtr& write : batch) Finish(write.get(), Status::OK());
  {
    std::lock_guard lock(rev_mu_);
  }
  rev_cv_.notify_all();
  {
    std::lock_guard lock(queue_mu_);
    for (EventPtr& event : events) dispatch_queue_.push_back(std::move(event));
  }
  queue_cv_.notify_one();
}

void StoreEngine::ApplyLocked(const PendingWrite& write, EventPtr event) {
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
