// The JSON of stored objects, kept beside them, as kube-apiserver's watch cache keeps a
// cachingObject's serializations: the store hands out one immutable object per revision
// (storage::ObjectPtr), so a GET of an unchanged object, or the same watch event sent to many
// watchers, copies bytes instead of encoding again.
//
// Entries are keyed by the object's identity (its shared_ptr's control block, so a new object
// at a freed address never matches) and evicted least recently used past a byte budget.
// Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "apiserver/storage/store.h"

namespace pk::apiserver {

class EncodeCache {
 public:
  explicit EncodeCache(size_t max_bytes);
  ~EncodeCache();
  EncodeCache(const EncodeCache&) = delete;
  EncodeCache& operator=(const EncodeCache&) = delete;

  // The bytes `encode` makes of `object`: cached ones if `object` was encoded before and is
  // still cached, else encode()'s, then kept. `encode` must depend on the object alone.
  std::string Get(const storage::ObjectPtr& object, const std::function<std::string()>& encode);

  size_t hits() const;
  size_t misses() const;

  // The one the REST face uses (32 MB).
  static EncodeCache& Json();

 private:
  struct Shard;
  Shard& ShardOf(const void* key);
  static constexpr size_t kShards = 16;
  Shard* shards_;
};

}  // namespace pk::apiserver
