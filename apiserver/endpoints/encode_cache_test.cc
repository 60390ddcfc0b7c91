// The encoding cache: a hit returns the bytes of the first encoding of the same object; another
// object (even at a reused address, or equal in content) is encoded anew; the budget evicts
// the least recently used.
#include "apiserver/endpoints/encode_cache.h"

#include <doctest/doctest.h>

#include "proto/core/v1/config.pb.h"

namespace pk::apiserver {
namespace {

storage::ObjectPtr ConfigMap(const std::string& name) {
  auto cm = std::make_shared<k8s::core::v1::ConfigMap>();
  cm->mutable_metadata()->set_name(name);
  return cm;
}

TEST_CASE("EncodeCache: one encoding per object, keyed by identity") {
  EncodeCache cache(1 << 20);
  int encodes = 0;
  auto encode = [&](const std::string& text) {
    return [&, text] {
      ++encodes;
      return text;
    };
  };
  auto a = ConfigMap("a");
  CHECK(cache.Get(a, encode("first")) == "first");
  CHECK(cache.Get(a, encode("second")) == "first");  // cached: encode not called
  CHECK(encodes == 1);
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);

  auto same_content = ConfigMap("a");
  CHECK(cache.Get(same_content, encode("other")) == "other");
  CHECK(encodes == 2);

  // A new object at the address of a freed one is not mistaken for it.
  const void* address = a.get();
  a.reset();
  for (int i = 0; i < 64; ++i) {
    auto b = ConfigMap("b");
    if (b.get() != address) continue;
    CHECK(cache.Get(b, encode("new")) == "new");
    break;
  }
}

TEST_CASE("EncodeCache: past its budget the least recently used goes") {
  // 16 shards of 1 KB each hold one 1,000-byte encoding each: of 100 objects, 16 stay.
  EncodeCache cache(16 * 1024);
  std::vector<storage::ObjectPtr> objects;
  for (int i = 0; i < 100; ++i) objects.push_back(ConfigMap("cm-" + std::to_string(i)));
  int encodes = 0;
  auto encode = [&] {
    ++encodes;
    return std::string(1000, 'x');
  };
  for (const auto& o : objects) cache.Get(o, encode);
  for (const auto& o : objects) cache.Get(o, encode);
  // The second pass in the same order finds evicted entries (a shard that got a single
  // object, by address, keeps it: a few may hit).
  CHECK(encodes > 180);
  const int before = encodes;
  cache.Get(objects.back(), encode);  // the most recent one stayed
  CHECK(encodes == before);
  // An encoding larger than a shard's budget is returned and not kept.
  auto big = ConfigMap("big");
  CHECK(cache.Get(big, [] { return std::string(4096, 'y'); }).size() == 4096);
  CHECK(cache.Get(big, [] { return std::string("again"); }) == "again");
}

}  // namespace
}  // namespace pk::apiserver
