// The loop: list (until it succeeds) -> watch (until the stream ends) -> decide: re-watch at
// once, re-list at once (410), or back off first (other failures, very short empty watches).
#include "client/reflector.h"

#include <random>

#include "apimachinery/object.h"
#include "client/errors.h"

namespace pk::client {
namespace {

constexpr std::chrono::milliseconds kPoll{200};
// A watch that ended this fast without an event is treated as a failure (back off), so a
// server closing streams at once cannot make the reflector spin.
constexpr std::chrono::seconds kShortWatch{1};

}  // namespace

Reflector::Reflector(std::shared_ptr<const ListerWatcher> lister_watcher, Store* store,
                     ReflectorOptions options)
    : lister_watcher_(std::move(lister_watcher)),
      store_(store),
      options_(std::move(options)),
      backoff_(options_.backoff, options_.clock) {}

Reflector::~Reflector() { Stop(); }

void Reflector::Start() {
  if (stopped()) return;
  thread_.Start([this] { Run(); });
}

void Reflector::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    if (current_watch_ != nullptr) current_watch_->Stop();
    if (current_list_ != nullptr) current_list_->Cancel();
  }
  cv_.notify_all();
  thread_.Join();
}

std::string Reflector::LastSyncResourceVersion() const {
  std::lock_guard lock(mu_);
  return resource_version_;
}

bool Reflector::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

bool Reflector::SleepFor(Clock::Duration delay) {
  std::unique_lock lock(mu_);
  Clock::TimePoint deadline = options_.clock->Now() + delay;
  while (!stopped_ && options_.clock->Now() < deadline) {
    options_.clock->WaitUntil(cv_, lock, deadline);
  }
  return !stopped_;
}

void Reflector::Run() {
  bool need_list = true;
  while (!stopped()) {
    if (need_list) {
      if (!ListOnce()) continue;
      need_list = false;
    }
    auto started = options_.clock->Now();
    size_t applied = 0;
    Status status = WatchOnce(&applied);
    if (stopped()) break;
    // A watch that failed, or ended at once without delivering anything, waits a back-off
    // before the next one (an apiserver going away must not be hammered).
    bool short_and_empty = applied == 0 && options_.clock->Now() - started < kShortWatch;
    if (IsExpired(status)) {
      need_list = true;  // the resourceVersion left the window: only a list can catch up
    } else if (!status.ok() || short_and_empty) {
      SleepFor(backoff_.Next());
    }
  }
}

// Every page of a list (the continue token carries the first page's revision, so the pages
// form one consistent list); the items of all, with the first page's resourceVersion.
Result<RawList> Reflector::ListPages(ListOptions list) {
  auto first = lister_watcher_->List(list);
  if (!first.ok()) return first;
  RawList all = std::move(first).value();
  std::string next = all.metadata.continue_();
  while (!next.empty()) {
    list.continue_token = next;
    auto page = lister_watcher_->List(list);
    if (!page.ok()) return page.take_status();
    for (auto& item : page->items) all.items.push_back(std::move(item));
    next = page->metadata.continue_();
  }
  all.metadata.clear_continue_();
  return all;
}

bool Reflector::ListOnce() {
  ListOptions list;
  list.label_selector = options_.label_selector;
  list.field_selector = options_.field_selector;
  list.cancel = std::make_shared<CallCanceller>();
  {
    std::lock_guard lock(mu_);
    if (stopped_) return false;
    current_list_ = list.cancel;
  }
  list.limit = options_.page_size;
  auto result = ListPages(list);
  {
    std::lock_guard lock(mu_);
    current_list_ = nullptr;
  }
  if (!result.ok()) {
    SleepFor(backoff_.Next());
    return false;
  }
  {
    std::lock_guard lock(mu_);
    resource_version_ = result->metadata.resource_version();
  }
  store_->Replace(std::move(result->items), result->metadata.resource_version());
  lists_.fetch_add(1);
  return true;
}

Status Reflector::WatchOnce(size_t* applied) {
  static thread_local std::mt19937 random(std::random_device{}());
  ListOptions watch;
  watch.label_selector = options_.label_selector;
  watch.field_selector = options_.field_selector;
  watch.resource_version = LastSyncResourceVersion();
  watch.allow_watch_bookmarks = true;
  int64_t min = options_.min_watch_timeout.count();
  watch.timeout_seconds = min + std::uniform_int_distribution<int64_t>(0, min)(random);
  auto stream = lister_watcher_->Watch(watch);
  if (!stream.ok()) return stream.take_status();
  WatchStream& w = **stream;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Status();
    current_watch_ = &w;
  }
  Status outcome;
  while (!stopped()) {
    auto event = w.Next(kPoll);
    if (!event) {
      if (w.done()) break;
      continue;
    }
    outcome = Apply(*event);
    if (!outcome.ok()) break;
    ++*applied;
    backoff_.Reset();
  }
  w.Stop();
  {
    std::lock_guard lock(mu_);
    current_watch_ = nullptr;
  }
  return outcome.ok() ? w.status() : outcome;
}

Status Reflector::Apply(const RawEvent& event) {
  switch (event.type) {
    case EventType::kError:
      return event.error.ok() ? Status::InternalError("watch ERROR without a status") : event.error;
    case EventType::kAdded:
      store_->Add(event.object);
      break;
    case EventType::kModified:
      store_->Update(event.object);
      break;
    case EventType::kDeleted:
      store_->Delete(event.object);
      break;
    case EventType::kBookmark:
      break;
  }
  SetResourceVersion(event.object);
  return Status();
}

void Reflector::SetResourceVersion(const ObjectPtr& object) {
  if (object == nullptr) return;
  const k8s::meta::v1::ObjectMeta* meta = GetObjectMeta(*object);
  if (meta == nullptr || meta->resource_version().empty()) return;
  std::lock_guard lock(mu_);
  resource_version_ = meta->resource_version();
}

}  // namespace pk::client
