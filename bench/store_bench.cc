// Durable write throughput of the store against raw RocksDB on the same disk, same run.
//
//   store create, N writers   N threads each Create() distinct ~1 KB ConfigMaps through
//                             OpenRocksStore (every create is synced before it returns)
//   raw put, N threads        N threads each do a synced rocksdb Put of a value of the same
//                             size (RocksDB groups concurrent synced writes itself)
//   raw batch x64, 1 thread   one thread writes synced WriteBatches of 64 Puts
//
// All use StoreRocksOptions(), each run a fresh database in a temp dir (under $TMPDIR, or
// --dir). The machine may be shared, so runs are interleaved (raw, store, raw, ...) and the
// 64-writer configs run --rounds times (default 3) and report the median. The last line
// compares the store at 64 writers with raw RocksDB:
//   store/raw ratio at 64 writers: X.XX (vs synced batch: Y.YY)
// X = store creates/s / raw synced Puts/s (64 threads); Y = store creates/s / Puts/s written
// by synced batches of 64. Progress goes to stderr. Total time: about 11 x --seconds plus
// setup. Usage: store_bench [--seconds=N] [--rounds=N] [--dir=PATH] [--only=RUN,...]
#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "apiserver/storage/rocks_backend.h"
#include "apiserver/storage/store.h"
#include "apiserver/storage/value_codec.h"
#include "bench/rocks_load.h"
#include "proto/core/v1/config.pb.h"

namespace pk::storage {
namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string config;
  double ops_per_sec = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

// A ConfigMap the size of a typical small one in a real cluster (~1 KB serialized).
std::unique_ptr<k8s::core::v1::ConfigMap> MakeConfigMap(int writer, int64_t i) {
  auto cm = std::make_unique<k8s::core::v1::ConfigMap>();
  auto* meta = cm->mutable_metadata();
  meta->set_name(fmt::format("cm-{}-{}", writer, i));
  meta->set_namespace_("bench");
  meta->set_uid(fmt::format("0b6a8f2e-4c1d-4e8a-9f{:02d}-{:012d}", writer % 100, i));
  meta->mutable_creation_timestamp()->set_seconds(1700000000 + i);
  (*meta->mutable_labels())["app.kubernetes.io/name"] = "store-bench";
  (*meta->mutable_labels())["app.kubernetes.io/component"] = "config";
  (*meta->mutable_labels())["writer"] = std::to_string(writer);
  (*meta->mutable_annotations())["kubectl.kubernetes.io/last-applied-configuration"] =
      std::string(160, 'a');
  for (int k = 0; k < 4; ++k) {
    (*cm->mutable_data())[fmt::format("setting-{}.yaml", k)] = std::string(170, 'x' + k);
  }
  return cm;
}

std::string KeyOf(int writer, int64_t i) {
  return ObjectKey("configmaps", "bench", fmt::format("cm-{}-{}", writer, i));
}

// Runs `threads` workers, each calling op(worker, i) for i = 0, 1, ... until `seconds` pass.
// op returns how many writes it made (0 on failure, which aborts the bench).
Row RunLoad(const std::string& config, int threads, std::chrono::seconds seconds,
            const std::function<int(int, int64_t)>& op) {
  fmt::print(stderr, "  {} ...\n", config);
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<int64_t> writes(threads, 0);
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      latencies[t].reserve(1 << 16);
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        auto begin = Clock::now();
        int n = op(t, i);
        if (n == 0) std::abort();
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
        writes[t] += n;
      }
    });
  }
  std::this_thread::sleep_for(seconds);
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  int64_t total = 0;
  for (int t = 0; t < threads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    total += writes[t];
  }
  std::sort(all.begin(), all.end());
  Row row{config, total / elapsed, all[all.size() / 2], all[all.size() * 99 / 100]};
  return row;
}

std::unique_ptr<rocksdb::DB> OpenRaw(const std::string& dir) {
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(StoreRocksOptions(), dir, &db);
  if (!s.ok()) {
    fmt::print(stderr, "rocksdb open {}: {}\n", dir, s.ToString());
    std::exit(1);
  }
  return std::unique_ptr<rocksdb::DB>(db);
}

// The value the store would write for MakeConfigMap(writer, i).
std::string RawValue(int writer, int64_t i) {
  std::string value = NewValue(0);
  MakeConfigMap(writer, i)->AppendToString(&value);
  SetValueRevision(&value, i + 1);
  return value;
}

Row StoreRun(const std::string& dir, int writers, std::chrono::seconds seconds,
             bool memory = false) {
  auto store = memory ? Result<std::unique_ptr<Store>>(NewMemoryStore()) : OpenRocksStore(dir);
  if (!store.ok()) {
    fmt::print(stderr, "{}\n", store.status().ToString());
    std::exit(1);
  }
  return RunLoad(fmt::format("{} create, {} writer{}", memory ? "memory" : "store", writers,
                             writers > 1 ? "s" : ""),
                 writers, seconds, [&](int t, int64_t i) {
                   auto created = (*store)->Create(KeyOf(t, i), MakeConfigMap(t, i));
                   if (!created.ok()) fmt::print(stderr, "{}\n", created.status().ToString());
                   return created.ok() ? 1 : 0;
                 });
}

Row RawPutRun(const std::string& dir, int threads, std::chrono::seconds seconds) {
  const std::string config = fmt::format("raw put, {} thread{}", threads, threads > 1 ? "s" : "");
  fmt::print(stderr, "  {} ...\n", config);
  auto load = bench::RawSyncedPuts(dir, threads, 0, double(seconds.count()), RawValue(0, 0));
  if (!load.ok()) {
    fmt::print(stderr, "{}\n", load.status().ToString());
    std::exit(1);
  }
  return Row{config, load->ops_per_s, load->p50_ms, load->p99_ms};
}

Row RawBatchRun(const std::string& dir, std::chrono::seconds seconds) {
  constexpr int kBatch = 64;
  auto db = OpenRaw(dir);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  const std::string value = RawValue(0, 0);
  return RunLoad("raw batch x64, 1 thread", 1, seconds, [&](int, int64_t i) {
    rocksdb::WriteBatch batch;
    for (int k = 0; k < kBatch; ++k) batch.Put(KeyOf(k, i), value);
    return db->Write(sync, &batch).ok() ? kBatch : 0;
  });
}

struct Flags {
  std::chrono::seconds seconds{3};
  int rounds = 3;  // runs of each 64-writer config, interleaved; the median is reported
  std::filesystem::path base = std::filesystem::temp_directory_path();
  std::string only;  // comma-separated run names (raw1,store1,...,batch,memory64); "": all
  std::string json;  // --json=FILE: each run's ops/s, for `scripts/bench all`
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int a = 1; a < argc; ++a) {
    std::string arg = argv[a];
    if (arg.starts_with("--seconds=")) {
      flags->seconds = std::chrono::seconds(std::stoi(arg.substr(10)));
    } else if (arg.starts_with("--rounds=")) {
      flags->rounds = std::max(1, std::stoi(arg.substr(9)));
    } else if (arg.starts_with("--dir=")) {
      flags->base = arg.substr(6);
    } else if (arg.starts_with("--only=")) {
      flags->only = arg.substr(7);
    } else if (arg.starts_with("--json=")) {
      flags->json = arg.substr(7);
    } else {
      fmt::print(stderr,
                 "usage: store_bench [--seconds=N] [--rounds=N] [--dir=PATH] [--json=FILE] "
                 "[--only=raw1,store1,raw16,store16,raw64,store64,batch,memory64]\n");
      return false;
    }
  }
  return true;
}

bool Wanted(const Flags& flags, const std::string& run) {
  if (flags.only.empty()) return run != "memory64";  // a diagnostic: only when asked for
  return ("," + flags.only + ",").find("," + run + ",") != std::string::npos;
}

// The run with the median throughput.
Row Median(std::vector<Row> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Row& a, const Row& b) { return a.ops_per_sec < b.ops_per_sec; });
  Row row = runs[runs.size() / 2];
  if (runs.size() > 1) row.config += fmt::format(" (median of {})", runs.size());
  return row;
}

// Runs what `flags` asks for, raw and store interleaved so that a change in disk or CPU load
// during the run (the machine is shared) hits both sides alike. Rows by run name.
std::map<std::string, Row> RunAll(const Flags& flags, const std::filesystem::path& dir) {
  std::map<std::string, Row> rows;
  int next = 0;
  auto fresh = [&] { return (dir / fmt::format("db{}", next++)).string(); };
  for (int n : {1, 16}) {
    if (Wanted(flags, fmt::format("raw{}", n))) {
      rows[fmt::format("raw{}", n)] = RawPutRun(fresh(), n, flags.seconds);
    }
    if (Wanted(flags, fmt::format("store{}", n))) {
      rows[fmt::format("store{}", n)] = StoreRun(fresh(), n, flags.seconds);
    }
  }
  std::vector<Row> raw64, store64;
  for (int round = 0; round < flags.rounds; ++round) {
    if (Wanted(flags, "raw64")) raw64.push_back(RawPutRun(fresh(), 64, flags.seconds));
    if (Wanted(flags, "store64")) store64.push_back(StoreRun(fresh(), 64, flags.seconds));
    for (const auto* runs : {&raw64, &store64}) {
      if (!runs->empty() && (int)runs->size() == round + 1) {
        fmt::print(stderr, "    {:.0f} ops/s\n", runs->back().ops_per_sec);
      }
    }
  }
  if (!raw64.empty()) rows["raw64"] = Median(raw64);
  if (!store64.empty()) rows["store64"] = Median(store64);
  if (Wanted(flags, "batch")) rows["batch"] = RawBatchRun(fresh(), flags.seconds);
  if (Wanted(flags, "memory64")) rows["memory64"] = StoreRun("", 64, flags.seconds, true);
  return rows;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  std::string pattern = (flags.base / "picokube-store-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    fmt::print(stderr, "cannot create a directory under {}\n", flags.base.string());
    return 1;
  }
  const std::filesystem::path dir = pattern;
  fmt::print(stderr, "store_bench: {} s per run in {}; value size {} bytes\n",
             flags.seconds.count(), dir.string(), RawValue(0, 0).size());
  std::map<std::string, Row> rows = RunAll(flags, dir);
  std::filesystem::remove_all(dir);

  fmt::print("{:<40} {:>9} {:>8} {:>8}\n", "config", "ops/s", "p50 ms", "p99 ms");
  for (const char* name :
       {"raw1", "store1", "raw16", "store16", "raw64", "store64", "batch", "memory64"}) {
    auto it = rows.find(name);
    if (it == rows.end()) continue;
    const Row& r = it->second;
    fmt::print("{:<40} {:>9.0f} {:>8.2f} {:>8.2f}\n", r.config, r.ops_per_sec, r.p50_ms, r.p99_ms);
  }
  if (!flags.json.empty()) {
    nlohmann::json figures;
    for (const auto& [name, r] : rows) figures[name + "_per_s"] = r.ops_per_sec;
    std::ofstream(flags.json) << figures.dump(2) << "\n";
  }
  if (rows.count("store64") && rows.count("raw64") && rows.count("batch")) {
    const double store64 = rows["store64"].ops_per_sec;
    fmt::print("store/raw ratio at 64 writers: {:.2f} (vs synced batch: {:.2f})\n",
               store64 / rows["raw64"].ops_per_sec, store64 / rows["batch"].ops_per_sec);
  }
  return 0;
}

}  // namespace
}  // namespace pk::storage

int main(int argc, char** argv) { return pk::storage::Main(argc, argv); }
