// The informer is the reflector's Store: each change goes to the indexer first, then to the
// handlers, in the order the server sent them.
#include "client/informer.h"

#include <set>

namespace pk::client {

SharedInformer::SharedInformer(std::shared_ptr<const ListerWatcher> lister_watcher,
                               InformerOptions options)
    : options_(std::move(options)),
      indexer_(std::make_shared<Indexer>()),
      reflector_(std::move(lister_watcher), this, options_.reflector) {}

SharedInformer::~SharedInformer() { Stop(); }

void SharedInformer::AddEventHandler(RawEventHandler handler) {
  std::lock_guard handlers(handlers_mu_);
  bool started;
  {
    std::lock_guard lock(mu_);
    started = started_;
  }
  if (started && handler.on_add) {
    for (const ObjectPtr& object : indexer_->List()) handler.on_add(object, true);
  }
  handlers_.push_back(std::move(handler));
}

void SharedInformer::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_ || stopped_) return;
    started_ = true;
  }
  reflector_.Start();
  if (options_.resync.count() > 0) resync_thread_ = std::thread([this] { ResyncLoop(); });
}

void SharedInformer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  reflector_.Stop();
  if (resync_thread_.joinable()) resync_thread_.join();
}

bool SharedInformer::HasSynced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool SharedInformer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_ || stopped_; }) && synced_;
}

void SharedInformer::Replace(std::vector<ObjectPtr> items, const std::string&) {
  std::lock_guard handlers(handlers_mu_);
  bool initial;
  {
    std::lock_guard lock(mu_);
    initial = !synced_;
  }
  std::map<std::string, ObjectPtr> old = indexer_->Replace(items);
  for (const ObjectPtr& object : items) {
    auto previous = old.find(KeyOf(*object));
    for (const auto& h : handlers_) {
      if (previous == old.end()) {
        if (h.on_add) h.on_add(object, initial);
      } else if (h.on_update) {
        h.on_update(previous->second, object);
      }
    }
    if (previous != old.end()) old.erase(previous);
  }
  for (const auto& [key, object] : old) {  // vanished while we were not watching
    for (const auto& h : handlers_) {
      if (h.on_delete) h.on_delete(RawDeleted{object, key, true});
    }
  }
  {
    std::lock_guard lock(mu_);
    synced_ = true;
  }
  cv_.notify_all();
}

void SharedInformer::Add(ObjectPtr object) {
  std::lock_guard handlers(handlers_mu_);
  ObjectPtr old = indexer_->Upsert(object);
  for (const auto& h : handlers_) {
    if (old == nullptr && h.on_add) h.on_add(object, false);
    if (old != nullptr && h.on_update) h.on_update(old, object);
  }
}

void SharedInformer::Update(ObjectPtr object) { Add(std::move(object)); }

void SharedInformer::Delete(ObjectPtr object) {
  std::lock_guard handlers(handlers_mu_);
  std::string key = KeyOf(*object);
  ObjectPtr old = indexer_->Remove(key);
  for (const auto& h : handlers_) {
    if (h.on_delete) h.on_delete(RawDeleted{object, key, false});
  }
}

void SharedInformer::ResyncLoop() {
  const Clock& clock = *options_.reflector.clock;
  std::unique_lock lock(mu_);
  while (!stopped_) {
    Clock::TimePoint next = clock.Now() + options_.resync;
    while (!stopped_ && clock.Now() < next) clock.WaitUntil(cv_, lock, next);
    if (stopped_) break;
    lock.unlock();
    {
      std::lock_guard handlers(handlers_mu_);
      for (const ObjectPtr& object : indexer_->List()) {
        for (const auto& h : handlers_) {
          if (h.on_update) h.on_update(object, object);
        }
      }
    }
    lock.lock();
  }
}

}  // namespace pk::client
