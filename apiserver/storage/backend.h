// Where the store engine keeps its data durably. The engine holds the whole state in memory
// and only needs two things from a backend: everything back at startup, and atomic durable
// commits of write batches. Implementations: rocks_backend.h (RocksDB) and NewMemoryBackend
// (keeps nothing; for tests of the layers above the store).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apimachinery/status.h"

namespace pk::storage {

// One key of a batch: a Put of `value` (value_codec.h format), or a Delete.
struct BackendWrite {
  std::string_view key;
  std::string_view value;  // empty for a delete
  bool is_delete = false;
};

struct RecoveredData {
  std::vector<std::pair<std::string, std::string>> entries;  // every key and its value
  int64_t revision = 0;  // the revision of the last committed batch (0: empty store)
};

// Threads: Recover runs first and alone, then Commit is called from one thread at a time.
class Backend {
 public:
  virtual ~Backend() = default;
  // Whether commits persist anything. The engine skips encoding values when they do not.
  virtual bool durable() const = 0;
  virtual Result<RecoveredData> Recover() = 0;
  // Applies `writes` (in order) and records `revision` as the last one, atomically. Durable
  // when it returns OK; after an error, whether the batch is on disk is unknown.
  virtual Status Commit(const std::vector<BackendWrite>& writes, int64_t revision) = 0;
};

std::unique_ptr<Backend> NewMemoryBackend();

}  // namespace pk::storage
