#include "client/handler_listener.h"

namespace pk::client {

// A notification the handler has no function for is not queued: delivering it would only
// wake the listener's thread to do nothing (the deployment controller, say, handles only pod
// deletions).
bool HandlerListener::Wants(const Notification& n) const {
  switch (n.kind) {
    case Notification::Kind::kAdd:
      return handler_.on_add != nullptr;
    case Notification::Kind::kUpdate:
      return handler_.on_update != nullptr;
    case Notification::Kind::kDelete:
      return handler_.on_delete != nullptr;
    case Notification::Kind::kSynced:
      return true;
  }
  return true;
}

void HandlerListener::Push(Notification n) {
  if (!Wants(n)) return;
  std::lock_guard lock(mu_);
  if (stopped_) return;
  pending_.push_back(std::move(n));
  cv_.notify_one();
}

void HandlerListener::Start() {
  thread_.Start([self = shared_from_this()] { self->Run(); });
}

void HandlerListener::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    pending_.clear();
  }
  cv_.notify_all();
  synced_cv_.notify_all();
  thread_.Join();
}

bool HandlerListener::HasSynced() const {
  std::lock_guard lock(mu_);
  return synced_;
}

bool HandlerListener::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return synced_cv_.wait_for(lock, timeout, [&] { return synced_ || stopped_; }) && synced_;
}

void HandlerListener::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopped_ || !pending_.empty(); });
    if (stopped_) return;
    Notification n = std::move(pending_.front());
    pending_.pop_front();
    if (n.kind == Notification::Kind::kSynced) {
      synced_ = true;
      synced_cv_.notify_all();
      continue;
    }
    lock.unlock();
    Deliver(n);
    lock.lock();
  }
}

void HandlerListener::Deliver(const Notification& n) const {
  switch (n.kind) {
    case Notification::Kind::kAdd:
      if (handler_.on_add) handler_.on_add(n.object, n.is_initial_list);
      break;
    case Notification::Kind::kUpdate:
      if (handler_.on_update) handler_.on_update(n.old_object, n.object);
      break;
    case Notification::Kind::kDelete:
      if (handler_.on_delete) handler_.on_delete(n.deleted);
      break;
    case Notification::Kind::kSynced:
      break;
  }
}

}  // namespace pk::client
