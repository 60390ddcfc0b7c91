// Raw RocksDB synced writes as the reference for durable writes/s on this disk: N threads, each
// looping a synced Put of a fixed value into a fresh database opened with the store's own
// options (StoreRocksOptions), so the figure is what the disk and RocksDB's group commit give
// before any server's work. Shared by the benchmarks that compare a store with the raw disk
// (store_bench, etcd_bench).
#pragma once

#include <fmt/format.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/storage/rocks_backend.h"

namespace pk::bench {

// One closed-loop run: ops/s over the measured window, and the latency of the ops in it.
struct LoadResult {
  double ops_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
};

// `threads` threads each call op(thread, i) for i = 0, 1, ... : the first `warmup` seconds are
// not counted, then ops that end within the next `seconds` are. op returns false on failure,
// which stops the run with an error.
inline Result<LoadResult> RunThreads(int threads, double warmup, double seconds,
                                     const std::function<bool(int, int64_t)>& op) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  const auto from = Clock::now() + std::chrono::microseconds(int64_t(warmup * 1e6));
  const auto to = from + std::chrono::microseconds(int64_t(seconds * 1e6));
  std::atomic<bool> failed{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      latencies[t].reserve(1 << 14);
      for (int64_t i = 0; !failed.load(std::memory_order_relaxed); ++i) {
        auto begin = Clock::now();
        if (begin >= to) break;
        if (!op(t, i)) failed = true;
        auto end = Clock::now();
        if (begin >= from && end <= to) latencies[t].push_back(ms(end - begin));
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed) return Status::InternalError("a write failed");
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  if (all.empty()) return Status::InternalError("no write completed in the window");
  std::sort(all.begin(), all.end());
  return LoadResult{all.size() / seconds, all[all.size() / 2], all[all.size() * 99 / 100]};
}

// `threads` threads doing synced Puts of `value` under distinct keys into a fresh RocksDB at
// `dir` (created; left for the caller to remove).
inline Result<LoadResult> RawSyncedPuts(const std::string& dir, int threads, double warmup,
                                        double seconds, const std::string& value) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(storage::StoreRocksOptions(), dir, &raw);
  if (!s.ok()) return Status::InternalError(fmt::format("rocksdb open {}: {}", dir, s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return RunThreads(threads, warmup, seconds, [&](int t, int64_t i) {
    return db->Put(sync, fmt::format("/registry/configmaps/default/raw-{}-{}", t, i), value).ok();
  });
}

}  // namespace pk::bench
