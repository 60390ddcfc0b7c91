// The informer is the reflector's Store: each change goes to the indexer first, then to every
// handler's queue, in the order the server sent them.
#include "client/informer.h"

#include "client/handler_listener.h"

namespace pk::client {
namespace {

Notification AddOf(ObjectPtr object, bool initial) {
  return {Notification::Kind::kAdd, nullptr, std::move(object), initial, {}};
}
Notification UpdateOf(ObjectPtr old_object, ObjectPtr object) {
  return {Notification::Kind::kUpdate, std::move(old_object), std::move(object), false, {}};
}
Notification DeleteOf(RawDeleted deleted) {
  return {Notification::Kind::kDelete, nullptr, nullptr, false, std::move(deleted)};
}
Notification SyncedMarker() { return {Notification::Kind::kSynced, nullptr, nullptr, false, {}}; }

}  // namespace

bool HandlerRegistration::HasSynced() const { return listener_ && listener_->HasSynced(); }

bool HandlerRegistration::WaitForSync(std::chrono::milliseconds timeout) const {
  return listener_ && listener_->WaitForSync(timeout);
}

bool WaitForHandlersSync(const std::vector<HandlerRegistration>& registrations,
                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const HandlerRegistration& r : registrations) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!r.WaitForSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

SharedInformer::SharedInformer(std::shared_ptr<const ListerWatcher> lister_watcher,
                               InformerOptions options)
    : options_(std::move(options)),
      indexer_(std::make_shared<Indexer>()),
      reflector_(std::move(lister_watcher), this, options_.reflector) {}

SharedInformer::~SharedInformer() { Stop(); }

// Under listeners_mu_, so the replay and the marker fall between two changes of the cache;
// before the first list there is nothing to replay, and Replace will send the marker.
HandlerRegistration SharedInformer::AddEventHandler(RawEventHandler handler) {
  auto listener = std::make_shared<HandlerListener>(std::move(handler));
  std::lock_guard listeners(listeners_mu_);
  for (const ObjectPtr& object : indexer_->List()) listener->Push(AddOf(object, true));
  bool running, synced;
  {
    std::lock_guard lock(mu_);
    running = started_ && !stopped_;
    synced = synced_;
  }
  if (synced) listener->Push(SyncedMarker());
  if (running) listener->Start();
  listeners_.push_back(listener);
  return HandlerRegistration(std::move(listener));
}

void SharedInformer::Start() {
  {
    std::lock_guard lock(mu_);
    if (started_ || stopped_) return;
    started_ = true;
  }
  for (const auto& listener : Listeners()) listener->Start();
  reflector_.Start();
  if (options_.resync.count() > 0) resync_thread_.Start([this] { ResyncLoop(); });
}

// The sources of notifications stop first, then the handlers.
void SharedInformer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  reflector_.Stop();
  resync_thread_.Join();
  for (const auto& listener : Listeners()) listener->Stop();
}

std::vector<std::shared_ptr<HandlerListener>> SharedInformer::Listeners() {
  std::lock_guard listeners(listeners_mu_);
  return listeners_;
}

bool SharedInformer::HasSynced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool SharedInformer::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return synced_ || stopped_; }) && synced_;
}

void SharedInformer::Distribute(const Notification& n) {
  for (const auto& listener : listeners_) listener->Push(n);
}

// Synced as soon as the list is in the indexer, so that handlers see HasSynced() true.
void SharedInformer::Replace(std::vector<ObjectPtr> items, const std::string&) {
  std::lock_guard listeners(listeners_mu_);
  std::map<std::string, ObjectPtr> old = indexer_->Replace(items);
  bool initial;
  {
    std::lock_guard lock(mu_);
    initial = !synced_;
    synced_ = true;
  }
  cv_.notify_all();
  for (const ObjectPtr& object : items) {
    auto previous = old.find(KeyOf(*object));
    if (previous == old.end()) {
      Distribute(AddOf(object, initial));
    } else {
      Distribute(UpdateOf(previous->second, object));
      old.erase(previous);
    }
  }
  for (const auto& [key, object] : old) {  // vanished while we were not watching
    Distribute(DeleteOf(RawDeleted{object, key, true}));
  }
  if (initial) Distribute(SyncedMarker());
}

void SharedInformer::Add(ObjectPtr object) {
  std::lock_guard listeners(listeners_mu_);
  ObjectPtr old = indexer_->Upsert(object);
  Distribute(old == nullptr ? AddOf(object, false) : UpdateOf(old, object));
}

void SharedInformer::Update(ObjectPtr object) { Add(std::move(object)); }

void SharedInformer::Delete(ObjectPtr object) {
  std::lock_guard listeners(listeners_mu_);
  std::string key = KeyOf(*object);
  indexer_->Remove(key);
  Distribute(DeleteOf(RawDeleted{std::move(object), key, false}));
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
      std::lock_guard listeners(listeners_mu_);
      for (const ObjectPtr& object : indexer_->List()) Distribute(UpdateOf(object, object));
    }
    lock.lock();
  }
}

}  // namespace pk::client
