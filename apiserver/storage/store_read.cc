// StoreEngine reads: Get, List (current and past states), and waiting for a revision.
#include <fmt/format.h>

#include "apiserver/storage/continue_token.h"
#include "apiserver/storage/store_engine.h"

namespace pk::storage {
namespace {

// Walks a key range of the state at some revision: the current state from `start`, with the
// rollback's entries (the past state of the keys changed since) taking precedence.
class StateCursor {
 public:
  StateCursor(const StateMap& state, const Rollback& undo, const std::string& start,
              const std::string& prefix)
      : state_(state),
        undo_(undo),
        prefix_(prefix),
        s_(state.lower_bound(start)),
        u_(undo.lower_bound(start)) {}

  // The next key and its object (nullptr: the key did not exist then); false at the end.
  bool Next(std::string_view* key, ObjectPtr* object) {
    bool have_s = s_ != state_.end() && KeyInRange(s_->first, prefix_);
    bool have_u = u_ != undo_.end() && KeyInRange(u_->first, prefix_);
    if (!have_s && !have_u) return false;
    if (have_u && (!have_s || u_->first <= std::string_view(s_->first))) {
      if (have_s && u_->first == std::string_view(s_->first)) ++s_;  // the past wins
      *key = u_->first;
      *object = u_->second;
      ++u_;
    } else {
      *key = s_->first;
      *object = s_->second.object;
      ++s_;
    }
    return true;
  }

 private:
  const StateMap& state_;
  const Rollback& undo_;
  const std::string& prefix_;
  StateMap::const_iterator s_;
  Rollback::const_iterator u_;
};

}  // namespace

Result<ObjectPtr> StoreEngine::Get(const std::string& key) {
  auto parts = ParseKey(key);
  if (!parts.ok()) return parts.take_status();
  {
    std::shared_lock lock(state_mu_);
    auto it = state_.find(key);
    if (it != state_.end()) return it->second.object;
  }
  return Status::NotFound(GroupResourceOf(key), parts->name);
}

int64_t StoreEngine::CurrentRevision() { return current_revision_.load(std::memory_order_acquire); }

Status StoreEngine::WaitForRevision(int64_t revision) {
  if (CurrentRevision() >= revision) return Status::OK();
  std::unique_lock lock(rev_mu_);
  if (rev_cv_.wait_for(lock, options_.resource_version_wait,
                       [&] { return CurrentRevision() >= revision; })) {
    return Status::OK();
  }
  // Kubernetes' storage.NewTooLargeResourceVersionError.
  Status status = Status::Timeout(
      fmt::format("Too large resource version: {}, current: {}", revision, CurrentRevision()));
  status.mutable_details().causes.push_back(
      StatusCause{"ResourceVersionTooLarge", "Too large resource version", ""});
  status.mutable_details().retry_after_seconds = 1;
  return status;
}

int64_t StoreEngine::FloorLocked(std::string_view prefix) const {
  std::string_view resource = ResourceOf(prefix);
  if (!resource.empty()) {
    auto it = windows_.find(resource);
    return it == windows_.end() ? open_revision_ : it->second.floor;
  }
  int64_t floor = open_revision_;  // a prefix over several resources needs all their history
  for (const auto& [name, window] : windows_) floor = std::max(floor, window.floor);
  return floor;
}

// What the keys under `prefix` that changed after `revision` looked like at `revision`:
// walking each window back from its newest event, the oldest event after `revision` wins.
// Requires revision >= FloorLocked(prefix).
Rollback StoreEngine::RollbackLocked(const std::string& prefix, int64_t revision) const {
  Rollback undo;
  auto visit = [&](const Window& window) {
    for (auto it = window.events.rbegin(); it != window.events.rend(); ++it) {
      const Event& event = **it;
      if (event.revision <= revision) break;
      if (!KeyInRange(event.key, prefix)) continue;
      undo[event.key] = event.type == Event::Type::kAdded ? nullptr : event.prev_object;
    }
  };
  std::string_view resource = ResourceOf(prefix);
  if (!resource.empty()) {
    auto it = windows_.find(resource);
    if (it != windows_.end()) visit(it->second);
  } else {
    for (const auto& [name, window] : windows_) visit(window);
  }
  return undo;
}

Result<ListResult> StoreEngine::List(const ListOptions& options) {
  ObjectFilter filter(options.prefix, options.labels, options.fields);
  std::string start = options.prefix;
  int64_t revision = 0;  // 0: the current state
  const bool continued = !options.continue_token.empty();
  if (continued) {
    auto point = DecodeContinueToken(options.continue_token, options.prefix);
    if (!point.ok()) return point.take_status();
    start = std::move(point->start_key);
    revision = point->revision;
    PK_RETURN_IF_ERROR(WaitForRevision(revision));
  } else if (options.resource_version > 0) {
    PK_RETURN_IF_ERROR(WaitForRevision(options.resource_version));
    if (options.exact) revision = options.resource_version;
  } else if (options.resource_version < 0) {
    return Status::BadRequest(
        fmt::format("invalid resource version: {}", options.resource_version));
  }
  std::shared_lock lock(state_mu_);
  const int64_t current = CurrentRevision();
  if (revision == 0 || revision >= current) {
    revision = current;
  } else if (int64_t floor = FloorLocked(options.prefix); revision < floor) {
    if (continued) {
      return Status::Expired(
          "The provided continue parameter is too old to display a consistent list result. "
          "You can start a new list without the continue parameter.");
    }
    return Status::Expired(fmt::format("too old resource version: {} ({})", revision, floor));
  }
  return ListLocked(options, filter, start, revision);
}

// One page of the state at `revision` from `start`: up to `limit` selected objects, a
// continue token when more keys follow, and how many when nothing is filtered.
Result<ListResult> StoreEngine::ListLocked(const ListOptions& options, const ObjectFilter& filter,
                                           const std::string& start, int64_t revision) {
  Rollback undo;
  if (revision < CurrentRevision()) undo = RollbackLocked(options.prefix, revision);
  ListResult result;
  result.revision = revision;
  const size_t limit = options.limit > 0 ? static_cast<size_t>(options.limit) : 0;
  StateCursor cursor(state_, undo, start, options.prefix);
  std::string_view key;
  std::string_view last_key;
  ObjectPtr object;
  while (cursor.Next(&key, &object)) {
    if (object == nullptr) continue;                  // absent at `revision`
    if (limit > 0 && result.items.size() == limit) {  // a full page, and more after it
      result.continue_token =
          EncodeContinueToken(std::string(last_key) + '\0', options.prefix, revision);
      if (filter.selects_everything()) {
        int64_t remaining = 1;
        while (cursor.Next(&key, &object)) remaining += object != nullptr;
        result.remaining_item_count = remaining;
      }
      break;
    }
    if (filter.Matches(*object)) {
      result.items.push_back(std::move(object));
      last_key = key;
    }
  }
  return result;
}

}  // namespace pk::storage
