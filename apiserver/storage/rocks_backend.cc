#include "apiserver/storage/rocks_backend.h"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "apiserver/storage/store_engine.h"
#include "apiserver/storage/value_codec.h"

namespace pk::storage {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  return Status::InternalError(fmt::format("rocksdb {}: {}", what, s.ToString()));
}

class RocksBackend final : public Backend {
 public:
  explicit RocksBackend(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) { sync_.sync = true; }

  bool durable() const override { return true; }

  Result<RecoveredData> Recover() override {
    RecoveredData data;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      rocksdb::Slice key = it->key();
      if (key.ToStringView() == kRevisionKey) {
        if (it->value().size() != 8) return Status::InternalError("corrupt store revision key");
        data.revision = static_cast<int64_t>(GetFixed64(it->value().data()));
      } else if (!key.starts_with(rocksdb::Slice("\0", 1))) {  // other meta keys: none yet
        data.entries.emplace_back(key.ToString(), it->value().ToString());
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "recovery scan");
    return data;
  }

  Status Commit(const std::vector<BackendWrite>& writes, int64_t revision) override {
    batch_.Clear();  // keeps its buffer: one allocation pattern for the life of the store
    for (const BackendWrite& w : writes) {
      rocksdb::Status s = w.is_delete ? batch_.Delete(ToSlice(w.key))
                                      : batch_.Put(ToSlice(w.key), ToSlice(w.value));
      if (!s.ok()) return FromRocks(s, "batch");
    }
    char rev[8];
    PutFixed64(rev, static_cast<uint64_t>(revision));
    rocksdb::Status s = batch_.Put(ToSlice(kRevisionKey), rocksdb::Slice(rev, sizeof(rev)));
    // One WAL record and one fsync for the whole group.
    if (s.ok()) s = db_->Write(sync_, &batch_);
    return s.ok() ? Status::OK() : FromRocks(s, "write");
  }

 private:
  static rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

  // Constant after construction.
  const std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions sync_;
  // Used by the (single) committing thread only.
  rocksdb::WriteBatch batch_;
};

}  // namespace

rocksdb::Options StoreRocksOptions() {
  rocksdb::Options options;
  options.create_if_missing = true;
  // A control plane's database is small (MBs to a few GB) and shares a few cores with the
  // apiserver: two background threads (flush + compaction) are plenty.
  options.IncreaseParallelism(2);
  // Memtables of 32 MB: small enough to keep recovery replay short, large enough that the
  // steady write load of a cluster flushes rarely.
  options.write_buffer_size = 32 << 20;
  options.max_write_buffer_number = 3;
  // Old info logs pile up otherwise.
  options.keep_log_file_num = 3;
  return options;
}

Result<std::unique_ptr<Backend>> OpenRocksBackend(const std::string& dir) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(StoreRocksOptions(), dir, &raw);
  if (!s.ok()) return FromRocks(s, fmt::format("open {}", dir));
  return std::unique_ptr<Backend>(new RocksBackend(std::unique_ptr<rocksdb::DB>(raw)));
}

Result<std::unique_ptr<Store>> OpenRocksStore(const std::string& dir, const StoreOptions& options) {
  auto backend = OpenRocksBackend(dir);
  if (!backend.ok()) return backend.take_status();
  auto engine = StoreEngine::Open(std::move(*backend), options);
  if (!engine.ok()) return engine.take_status();
  return std::unique_ptr<Store>(std::move(*engine));
}

}  // namespace pk::storage
