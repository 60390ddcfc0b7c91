// BackgroundThread: the one thread of a client/ piece with Start/Stop (reflector, informer,
// leader elector, event recorder), with the discipline they all need:
//   - Start runs the body at most once, and never after Join (Stop before Start is final);
//   - Join is idempotent and thread-safe: concurrent callers all return once the thread ended;
//   - Join called on the thread itself (a Stop from inside a callback) returns at once, since
//     a thread cannot wait for itself; the thread ends when the callback returns.
// The destructor joins, or detaches when it runs on the thread itself (the owner destroyed
// from its own callback): the body must then touch only state it co-owns (a shared_ptr).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace pk::client {

class BackgroundThread {
 public:
  BackgroundThread() = default;
  ~BackgroundThread();
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  // Runs `body` on a new thread unless started or joined before; whether it did.
  bool Start(std::function<void()> body);
  // Waits for the thread to end (at once when never started, or on the thread itself), and
  // forbids any later Start.
  void Join();
  // True when called on this thread.
  bool IsCurrent() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable joined_cv_;
  std::thread thread_;    // guarded by mu_; moved out by the one caller that joins
  std::thread::id id_;    // guarded by mu_; the thread's id once started
  bool closed_ = false;   // guarded by mu_: Join was called
  bool joining_ = false;  // guarded by mu_: a caller is in thread.join()
};

}  // namespace pk::client
