// Join moves the std::thread out under the lock and joins it unlocked, so IsCurrent and other
// Join callers never wait behind a join while holding the mutex.
#include "client/background_thread.h"

namespace pk::client {

BackgroundThread::~BackgroundThread() {
  {
    std::lock_guard lock(mu_);
    if (id_ == std::this_thread::get_id()) {
      closed_ = true;
      if (thread_.joinable()) thread_.detach();
      return;
    }
  }
  Join();
}

bool BackgroundThread::Start(std::function<void()> body) {
  std::lock_guard lock(mu_);
  if (closed_ || id_ != std::thread::id()) return false;
  thread_ = std::thread(std::move(body));
  id_ = thread_.get_id();
  return true;
}

void BackgroundThread::Join() {
  std::unique_lock lock(mu_);
  closed_ = true;
  if (id_ == std::this_thread::get_id()) return;
  if (joining_) {
    joined_cv_.wait(lock, [&] { return !joining_; });
    return;
  }
  if (!thread_.joinable()) return;
  std::thread thread = std::move(thread_);
  joining_ = true;
  lock.unlock();
  thread.join();
  lock.lock();
  joining_ = false;
  joined_cv_.notify_all();
}

bool BackgroundThread::IsCurrent() const {
  std::lock_guard lock(mu_);
  return id_ != std::thread::id() && id_ == std::this_thread::get_id();
}

}  // namespace pk::client
