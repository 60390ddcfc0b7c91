#include "kubelet/runtime_cache.h"

#include <doctest/doctest.h>

namespace pk::kubelet {
namespace {

using namespace std::chrono_literals;

PodRuntimeState WithSandbox(const std::string& id) {
  PodRuntimeState s;
  s.sandbox_id = id;
  return s;
}

const RuntimeCache::Time t0 = std::chrono::steady_clock::now();

TEST_CASE("nothing is known before the first complete relist; then absence means no runtime pod") {
  RuntimeCache cache;
  CHECK_FALSE(cache.Get("a").has_value());
  cache.SetAll({{"a", WithSandbox("sb-a")}}, t0);
  REQUIRE(cache.Get("a").has_value());
  CHECK(cache.Get("a")->sandbox_id == "sb-a");
  REQUIRE(cache.Get("b").has_value());
  CHECK(cache.Get("b")->sandbox_id.empty());
}

TEST_CASE("a relist begun before a sync's own listing does not overwrite or drop it") {
  RuntimeCache cache;
  cache.SetAll({}, t0);
  cache.Set("a", WithSandbox("new"), t0 + 2s);      // a sync started the pod, then listed
  cache.SetAll({{"a", WithSandbox("old")}}, t0 + 1s);  // a relist begun before, done after
  CHECK(cache.Get("a")->sandbox_id == "new");
  cache.Set("b", WithSandbox("sb-b"), t0 + 3s);
  cache.SetAll({}, t0 + 2500ms);  // began before the sync's listing of b: b stays
  CHECK(cache.Get("b")->sandbox_id == "sb-b");
  CHECK(cache.Get("a")->sandbox_id.empty());  // listed at t0+2s, not relisted at 2.5 s: gone
}

TEST_CASE("newer listings replace older ones; an older relist finishing late changes nothing") {
  RuntimeCache cache;
  cache.SetAll({{"a", WithSandbox("1")}}, t0 + 1s);
  cache.Set("a", WithSandbox("0"), t0);  // older than the relist: ignored
  CHECK(cache.Get("a")->sandbox_id == "1");
  cache.SetAll({{"a", WithSandbox("2")}}, t0 + 3s);
  cache.SetAll({}, t0 + 2s);  // finished after the one begun at 3 s
  CHECK(cache.Get("a")->sandbox_id == "2");
  // A pod's listing that finishes after a newer relist which did not see the pod: gone.
  cache.Set("b", WithSandbox("late"), t0 + 2s);
  CHECK(cache.Get("b")->sandbox_id.empty());
}

}  // namespace
}  // namespace pk::kubelet
