#include "controller-manager/replicaset/manage_replicas.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "apimachinery/slow_motion.h"

namespace pk::controllers::replicaset {
namespace {

// Threads per batch: enough to overlap apiserver round trips, few enough for a small host.
constexpr int kMaxParallelCalls = 16;

// Runs fn(0..n-1) on up to kMaxParallelCalls threads and waits for them all.
void ParallelFor(int n, const std::function<void(int)>& fn) {
  if (n == 1) return fn(0);
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min(n, kMaxParallelCalls); ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : threads) t.join();
}

Status CreateMissing(const ManageContext& c, const k8s::apps::v1::ReplicaSet& rs, int diff) {
  slowmotion::Pause(
      fmt::format("controller-manager: create {} pods for ReplicaSet {}", diff, c.key));
  c.expectations->ExpectCreations(c.key, diff);
  auto ref = NewControllerRef(rs.metadata(), "apps/v1", "ReplicaSet");
  auto [created, error] = SlowStartBatch(diff, kSlowStartInitialBatchSize, [&]() -> Status {
    Status s = c.control->CreatePod(rs.metadata().namespace_(), rs.spec().template_(), rs, ref);
    // A terminating namespace refuses every create: nothing to do.
    if (IsNamespaceTerminating(s)) return {};
    return s;
  });
  // The pods never attempted will not be observed: stop expecting them.
  for (int i = created; i < diff; ++i) c.expectations->CreationObserved(c.key);
  return error;
}

Status DeleteExcess(const ManageContext& c, const k8s::apps::v1::ReplicaSet& rs,
                    const std::vector<PodPtr>& pods, int diff, Timestamp now) {
  std::vector<PodPtr> related = c.related_pods ? c.related_pods() : std::vector<PodPtr>{};
  std::vector<PodPtr> doomed = GetPodsToDelete(pods, related, diff, now);
  std::vector<std::string> keys;
  for (const PodPtr& p : doomed) keys.push_back(PodKey(*p));
  c.expectations->ExpectDeletions(c.key, keys);
  std::mutex mu;
  Status first;
  ParallelFor(static_cast<int>(doomed.size()), [&](int i) {
    Status s = c.control->DeletePod(rs.metadata().namespace_(), doomed[i]->metadata().name(), rs);
    if (s.ok()) return;
    // The informer will not observe this deletion.
    c.expectations->DeletionObserved(c.key, keys[i]);
    if (client::IsNotFound(s)) return;
    std::lock_guard lock(mu);
    if (first.ok()) first = std::move(s);
  });
  return first;
}

}  // namespace

Status ManageReplicas(const ManageContext& context, const k8s::apps::v1::ReplicaSet& rs,
                      const std::vector<PodPtr>& pods, Timestamp now) {
  int diff = static_cast<int>(pods.size()) - rs.spec().replicas();
  if (diff < 0) return CreateMissing(context, rs, std::min(-diff, context.burst_replicas));
  if (diff > 0) return DeleteExcess(context, rs, pods, std::min(diff, context.burst_replicas), now);
  return {};
}

std::pair<int, Status> SlowStartBatch(int count, int initial_batch_size,
                                      const std::function<Status()>& fn) {
  int remaining = count, successes = 0;
  for (int batch = std::min(remaining, initial_batch_size); batch > 0;
       batch = std::min(2 * batch, remaining)) {
    std::mutex mu;
    Status first;
    int failures = 0;
    ParallelFor(batch, [&](int) {
      Status s = fn();
      if (s.ok()) return;
      std::lock_guard lock(mu);
      ++failures;
      if (first.ok()) first = std::move(s);
    });
    successes += batch - failures;
    if (failures > 0) return {successes, std::move(first)};
    remaining -= batch;
  }
  return {successes, Status()};
}

std::vector<PodPtr> GetPodsToDelete(std::vector<PodPtr> pods, const std::vector<PodPtr>& related,
                                    int diff, Timestamp now) {
  // No need to sort when every pod goes.
  if (diff < static_cast<int>(pods.size())) SortPodsForDeletion(&pods, related, now);
  pods.resize(std::min<size_t>(diff, pods.size()));
  return pods;
}

}  // namespace pk::controllers::replicaset
