// Parallelizer: runs fn(i) for i in [0, n) on a fixed pool of threads, as Kubernetes'
// parallelize.Until (16 goroutines by default; here one thread per core unless told).
// Until returns once every index ran, or stops handing out indexes once `stop` is true.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pk::scheduler {

class Parallelizer {
 public:
  explicit Parallelizer(int parallelism = 0);  // 0: std::thread::hardware_concurrency()
  ~Parallelizer();
  Parallelizer(const Parallelizer&) = delete;
  Parallelizer& operator=(const Parallelizer&) = delete;

  // Calls fn(i) for every i in [0, n) (the caller's thread takes part). Indexes are handed
  // out in chunks; once `stop` (if given) reads true no further chunk starts.
  void Until(int n, const std::function<void(int)>& fn, const std::atomic<bool>* stop = nullptr);
  int parallelism() const { return static_cast<int>(workers_.size()) + 1; }

 private:
  struct Job;
  void Worker();
  static void Run(Job* job);

  std::mutex mu_;
  std::condition_variable cv_;
  Job* job_ = nullptr;    // guarded by mu_
  uint64_t job_seq_ = 0;  // guarded by mu_
  int busy_ = 0;          // workers inside the current job; guarded by mu_
  std::condition_variable done_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::vector<std::thread> workers_;
};

}  // namespace pk::scheduler
