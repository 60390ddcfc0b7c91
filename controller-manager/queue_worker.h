// QueueWorker: the loop every controller runs (client-go's processNextWorkItem): N threads take
// keys from a rate-limited work queue and call `sync(key)`; a failure retries the key with
// per-key exponential back-off, a success forgets its back-off. A key is never synced by two
// workers at once.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "apimachinery/status.h"
#include "client/workqueue.h"

namespace pk::controllers {

class QueueWorker {
 public:
  using SyncFunction = std::function<Status(const std::string& key)>;
  // `name` is for log lines ("replicaset").
  QueueWorker(std::string name, SyncFunction sync);
  ~QueueWorker();  // Stop()

  client::RateLimitingQueue& queue() { return queue_; }
  void Enqueue(const std::string& key) { queue_.Add(key); }
  void EnqueueAfter(const std::string& key, client::Clock::Duration delay) {
    queue_.AddAfter(key, delay);
  }

  void Run(int workers);
  void Stop();  // shuts the queue down and joins the workers; idempotent

 private:
  void Work();

  const std::string name_;
  const SyncFunction sync_;
  client::RateLimitingQueue queue_;
  std::vector<std::thread> threads_;
};

}  // namespace pk::controllers
