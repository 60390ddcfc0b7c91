// The backend of NewMemoryStore: nothing to recover, nothing to persist. The engine keeps the
// state; this only lets it run without a disk.
#include "apiserver/storage/backend.h"
#include "apiserver/storage/store_engine.h"

namespace pk::storage {
namespace {

class MemoryBackend final : public Backend {
 public:
  bool durable() const override { return false; }
  Result<RecoveredData> Recover() override { return RecoveredData{}; }
  Status Commit(const std::vector<BackendWrite>& writes, int64_t revision) override {
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<Backend> NewMemoryBackend() { return std::make_unique<MemoryBackend>(); }

std::unique_ptr<Store> NewMemoryStore(const StoreOptions& options) {
  // A memory backend recovers nothing, so opening cannot fail.
  return std::move(StoreEngine::Open(NewMemoryBackend(), options).value());
}

}  // namespace pk::storage
