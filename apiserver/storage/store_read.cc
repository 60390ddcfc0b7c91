// StoreEngine reads: Get, List (current and past states), and waiting for a revision.
#include <fmt/format.h>

#include "apiserver/storage/continue_token.h"
#include "apiserver/storage/store_engine.h"

namespace pk::storage {

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

int64_t StoreEngine::CurrentRevision() {
  return current_revision_.load(std::memory_order_acquire);
}

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
StoreEngine::Rollback StoreEngine::RollbackLocked(const std::string& prefix,
                                                  int64_t revision) const {
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

// Walks the state at `revision` (the current state merged with its rollback) from `start`.
Result<ListResult> StoreEngine::ListLocked(const ListOptions& options, const ObjectFilter& filter,
                                           const std::string& start, int64_t revision) {
  Rollback undo;
  if (revision < CurrentRevision()) undo = RollbackLocked(options.prefix, revision);
  ListResult result;
  result.revision = revision;
  const size_t limit = options.limit > 0 ? static_cast<size_t>(options.limit) : 0;
  const std::string& prefix = options.prefix;
  auto s = state_.lower_bound(start);
  auto u = undo.lower_bound(start);
  std::string_view last_key;
  int64_t remaining = -1;  // >= 0: counting what is left after a full, unfiltered page
  for (;;) {
    bool have_s = s != state_.end() && KeyInRange(s->first, prefix);
    bool have_u = u != undo.end() && KeyInRange(u->first, prefix);
    if (!have_s && !have_u) break;
    std::string_view key;
    const google::protobuf::Message* object;
    ObjectPtr holder;
    if (have_u && (!have_s || u->first <= std::string_view(s->first))) {
      if (have_s && u->first == std::string_view(s->first)) ++s;  // the past state wins
      key = u->first;
      holder = u->second;
      ++u;
    } else {
      key = s->first;
      holder = s->second.object;
      ++s;
    }
    object = holder.get();
    if (object == nullptr) continue;  // absent at `revision`
    if (remaining >= 0) {
      ++remaining;
      continue;
    }
    if (limit > 0 && result.items.size() == limit) {
      // A full page with more after it.
      result.continue_token =
          EncodeContinueToken(std::string(last_key) + '\0', prefix, revision);
      if (!filter.selects_everything()) break;
      remaining = 1;
      continue;
    }
    if (filter.Matches(*object)) {
      result.items.push_back(std::move(holder));
      last_key = key;
    }
  }
  if (remaining >= 0) result.remaining_item_count = remaining;
  return result;
}

}  // namespace pk::storage
