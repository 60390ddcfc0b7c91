#include "scheduler/framework/parallelize.h"

#include <algorithm>
#include <cmath>

namespace pk::scheduler {

struct Parallelizer::Job {
  int n;
  int chunk;
  const std::function<void(int)>* fn;
  const std::atomic<bool>* stop;
  std::atomic<int> next{0};
};

Parallelizer::Parallelizer(int parallelism) {
  if (parallelism <= 0) parallelism = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i < std::max(parallelism, 1); ++i) workers_.emplace_back([this] { Worker(); });
}

Parallelizer::~Parallelizer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void Parallelizer::Run(Job* job) {
  while (job->stop == nullptr || !job->stop->load(std::memory_order_relaxed)) {
    int begin = job->next.fetch_add(job->chunk);
    if (begin >= job->n) return;
    int end = std::min(job->n, begin + job->chunk);
    for (int i = begin; i < end; ++i) (*job->fn)(i);
  }
}

void Parallelizer::Worker() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || (job_ != nullptr && job_seq_ != seen); });
    if (stopping_) return;
    seen = job_seq_;
    Job* job = job_;
    ++busy_;
    lock.unlock();
    Run(job);
    lock.lock();
    if (--busy_ == 0) done_cv_.notify_all();
  }
}

// Kubernetes' chunkSizeFor: about sqrt(n) indexes per chunk, so that threads neither
// contend on every index nor wait on one long tail.
void Parallelizer::Until(int n, const std::function<void(int)>& fn, const std::atomic<bool>* stop) {
  if (n <= 0) return;
  Job job;
  job.n = n;
  job.chunk = std::max(1, std::min(static_cast<int>(std::sqrt(n)), n / parallelism() + 1));
  job.fn = &fn;
  job.stop = stop;
  if (workers_.empty() || n == 1) {
    Run(&job);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    ++job_seq_;
  }
  cv_.notify_all();
  Run(&job);
  std::unique_lock<std::mutex> lock(mu_);
  job_ = nullptr;  // no worker joins from now on
  done_cv_.wait(lock, [&] { return busy_ == 0; });
}

}  // namespace pk::scheduler
