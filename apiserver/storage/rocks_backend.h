// The durable backend: one RocksDB database. Object keys are stored as given; the value format
// is value_codec.h's. One meta key, kRevisionKey (it sorts before every "/registry/" key),
// holds the last committed revision and is rewritten in every batch, so the revision keeps
// rising across restarts even when the newest writes were deletes.
#pragma once

#include <rocksdb/options.h>

#include <memory>
#include <string>
#include <string_view>

#include "apiserver/storage/backend.h"

namespace pk::storage {

inline constexpr std::string_view kRevisionKey{"\0meta/revision", 14};

// The RocksDB options of the store, shared with bench/store_bench.cc so its raw RocksDB runs
// measure the same configuration.
rocksdb::Options StoreRocksOptions();

// Opens (creating if needed) the database in `dir`. Every Commit is one synced WriteBatch.
Result<std::unique_ptr<Backend>> OpenRocksBackend(const std::string& dir);

}  // namespace pk::storage
