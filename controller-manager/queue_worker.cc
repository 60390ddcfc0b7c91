#include "controller-manager/queue_worker.h"

#include "apimachinery/log.h"

namespace pk::controllers {

QueueWorker::QueueWorker(std::string name, SyncFunction sync)
    : name_(std::move(name)), sync_(std::move(sync)) {}

QueueWorker::~QueueWorker() { Stop(); }

void QueueWorker::Run(int workers) {
  for (int i = 0; i < std::max(workers, 1); ++i) threads_.emplace_back([this] { Work(); });
}

void QueueWorker::Stop() {
  queue_.ShutDown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void QueueWorker::Work() {
  while (true) {
    auto item = queue_.Get();
    if (item.shutdown) return;
    Status s = sync_(item.key);
    if (s.ok()) {
      queue_.Forget(item.key);
    } else {
      pk::Logf("%s: syncing %s: %s\n", name_.c_str(), item.key.c_str(), s.ToString().c_str());
      queue_.AddRateLimited(item.key);
    }
    queue_.Done(item.key);
  }
}

}  // namespace pk::controllers
