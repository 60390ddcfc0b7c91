// Freshness and TrackWrites: how a denial knows whether the index may be missing a write
// that was already acknowledged (see authorization.h).
#include <charconv>

#include "apimachinery/object.h"
#include "apiserver/authorization/internal.h"
#include "apiserver/storage/forwarding_store.h"

namespace pk::apiserver::authorization {
namespace {

using storage::ObjectPtr;

// "roles" of "/registry/roles/ns/name" when tracked, else "".
std::string_view TrackedResourceOf(std::string_view key) {
  constexpr std::string_view kPrefix = "/registry/";
  if (!key.starts_with(kPrefix)) return {};
  key.remove_prefix(kPrefix.size());
  std::string_view resource = key.substr(0, key.find('/'));
  for (std::string_view tracked : kTrackedResources) {
    if (resource == tracked) return tracked;
  }
  return {};
}

int64_t RevisionOf(const google::protobuf::Message& object) {
  const auto* meta = GetObjectMeta(object);
  if (meta == nullptr) return 0;
  int64_t revision = 0;
  const std::string& rv = meta->resource_version();
  std::from_chars(rv.data(), rv.data() + rv.size(), revision);
  return revision;
}

class TrackingStore final : public storage::ForwardingStore {
 public:
  TrackingStore(std::unique_ptr<storage::Store> store, std::shared_ptr<Freshness> freshness)
      : ForwardingStore(std::move(store)), freshness_(std::move(freshness)) {}

  Result<ObjectPtr> Create(const std::string& key, std::unique_ptr<google::protobuf::Message> o,
                           const storage::WriteOptions& options) override {
    return Note(key, inner().Create(key, std::move(o), options));
  }
  Result<ObjectPtr> GuaranteedUpdate(const std::string& key, const storage::Preconditions& p,
                                     const UpdateFunc& update, bool create_if_missing,
                                     const storage::WriteOptions& options) override {
    return Note(key, inner().GuaranteedUpdate(key, p, update, create_if_missing, options));
  }
  Result<ObjectPtr> Delete(const std::string& key, const storage::Preconditions& p) override {
    return Note(key, inner().Delete(key, p));  // the last state carries the deletion revision
  }

 private:
  Result<ObjectPtr> Note(const std::string& key, Result<ObjectPtr> result) {
    if (!result.ok() || *result == nullptr) return result;
    std::string_view resource = TrackedResourceOf(key);
    if (!resource.empty()) freshness_->Written(resource, RevisionOf(**result));
    return result;
  }

  const std::shared_ptr<Freshness> freshness_;
};

}  // namespace

void Freshness::Written(std::string_view resource, int64_t revision) {
  std::lock_guard lock(mu_);
  auto it = written_.find(resource);
  if (it == written_.end()) it = written_.emplace(std::string(resource), 0).first;
  it->second = std::max(it->second, revision);
}

void Freshness::Applied(std::string_view resource, int64_t revision) {
  {
    std::lock_guard lock(mu_);
    auto it = applied_.find(resource);
    if (it == applied_.end()) {
      applied_.emplace(std::string(resource), revision);  // a first list, at any revision
    } else {
      if (revision <= it->second) return;
      it->second = revision;
    }
  }
  cv_.notify_all();
}

bool Freshness::CaughtUpLocked(const std::map<std::string, int64_t, std::less<>>& targets) const {
  for (const auto& [resource, revision] : targets) {
    auto it = applied_.find(resource);
    if (it == applied_.end() || it->second < revision) return false;
  }
  return true;
}

bool Freshness::Behind() const {
  std::lock_guard lock(mu_);
  return !CaughtUpLocked(written_);
}

bool Freshness::WaitCaughtUp(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  auto targets = written_;
  return cv_.wait_for(lock, timeout, [&] { return CaughtUpLocked(targets); });
}

std::shared_ptr<Freshness> NewFreshness() { return std::make_shared<Freshness>(); }

std::unique_ptr<storage::Store> TrackWrites(std::unique_ptr<storage::Store> store,
                                            std::shared_ptr<Freshness> freshness) {
  return std::make_unique<TrackingStore>(std::move(store), std::move(freshness));
}

}  // namespace pk::apiserver::authorization
