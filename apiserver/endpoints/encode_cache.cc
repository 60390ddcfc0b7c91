#include "apiserver/endpoints/encode_cache.h"

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace pk::apiserver {

// One lock's worth of entries, least recently used at the back.
struct EncodeCache::Shard {
  struct Entry {
    std::weak_ptr<const google::protobuf::Message> object;
    std::string bytes;
  };
  using Lru = std::list<std::pair<const void*, Entry>>;

  std::mutex mu;
  Lru lru;
  std::unordered_map<const void*, Lru::iterator> index;
  size_t bytes = 0;
  size_t max_bytes = 0;
  std::atomic<size_t> hits{0}, misses{0};

  // Whether `entry` holds `object` itself (same control block), not one at a reused address.
  static bool Same(const Entry& entry, const storage::ObjectPtr& object) {
    return !entry.object.owner_before(object) && !object.owner_before(entry.object);
  }

  bool Find(const storage::ObjectPtr& object, std::string* out) {
    std::lock_guard lock(mu);
    auto it = index.find(object.get());
    if (it == index.end() || !Same(it->second->second, object)) return false;
    lru.splice(lru.begin(), lru, it->second);
    *out = it->second->second.bytes;
    return true;
  }

  void Put(const storage::ObjectPtr& object, const std::string& encoded) {
    if (encoded.size() > max_bytes) return;
    std::lock_guard lock(mu);
    if (auto it = index.find(object.get()); it != index.end()) Erase(it->second);
    lru.push_front({object.get(), Entry{object, encoded}});
    index[object.get()] = lru.begin();
    bytes += encoded.size();
    while (bytes > max_bytes && !lru.empty()) Erase(std::prev(lru.end()));
  }

  void Erase(Lru::iterator it) {
    bytes -= it->second.bytes.size();
    index.erase(it->first);
    lru.erase(it);
  }
};

EncodeCache::EncodeCache(size_t max_bytes) : shards_(new Shard[kShards]) {
  for (size_t i = 0; i < kShards; ++i) shards_[i].max_bytes = max_bytes / kShards;
}

EncodeCache::~EncodeCache() { delete[] shards_; }

EncodeCache::Shard& EncodeCache::ShardOf(const void* key) {
  return shards_[(reinterpret_cast<uintptr_t>(key) >> 6) % kShards];
}

std::string EncodeCache::Get(const storage::ObjectPtr& object,
                             const std::function<std::string()>& encode) {
  Shard& shard = ShardOf(object.get());
  std::string out;
  if (shard.Find(object, &out)) {
    shard.hits.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  shard.misses.fetch_add(1, std::memory_order_relaxed);
  out = encode();
  shard.Put(object, out);
  return out;
}

size_t EncodeCache::hits() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) n += shards_[i].hits.load(std::memory_order_relaxed);
  return n;
}

size_t EncodeCache::misses() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) n += shards_[i].misses.load(std::memory_order_relaxed);
  return n;
}

EncodeCache& EncodeCache::Json() {
  static EncodeCache* cache = new EncodeCache(32u << 20);  // never destroyed: used at exit
  return *cache;
}

}  // namespace pk::apiserver
