#include "client/workqueue.h"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "client/rate_limiter.h"
#include "tests/testing.h"

namespace pk::client {
namespace {

using pk::testing::Eventually;

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("adds are de-duplicated and a key being processed is re-queued only after Done") {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  CHECK(q.Len() == 2);
  auto first = q.Get();
  CHECK(first.key == "a");
  q.Add("a");  // processing: waits for Done
  CHECK(q.Len() == 1);
  CHECK(q.Get().key == "b");
  CHECK(q.Len() == 0);
  q.Done("a");
  CHECK(q.Len() == 1);
  CHECK(q.Get().key == "a");
}

TEST_CASE("stress: many workers never share a key and every add is processed after it") {
  constexpr int kWorkers = 16, kKeys = 200, kAdders = 4;
  WorkQueue q;
  std::atomic<uint64_t> clock{0};
  std::array<std::atomic<int>, kKeys> in_flight{};
  std::array<std::atomic<uint64_t>, kKeys> last_add{}, last_get{};
  std::atomic<int> overlaps{0};
  std::atomic<long> processed{0};

  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        auto [key, shutdown] = q.Get();
        if (shutdown) return;
        int k = std::stoi(key);
        uint64_t stamp = ++clock;
        if (in_flight[k].fetch_add(1) != 0) ++overlaps;
        uint64_t prev = last_get[k].load();
        while (prev < stamp && !last_get[k].compare_exchange_weak(prev, stamp)) {
        }
        std::this_thread::yield();
        in_flight[k].fetch_sub(1);
        ++processed;
        q.Done(key);
      }
    });
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> adders;
  for (int a = 0; a < kAdders; ++a) {
    adders.emplace_back([&, a] {
      for (int i = a; !stop.load(); i = (i + 7) % kKeys) {
        last_add[i] = ++clock;  // stamped before Add: a later Get must follow
        q.Add(std::to_string(i));
      }
    });
  }
  std::this_thread::sleep_for(seconds(1));
  stop = true;
  for (auto& t : adders) t.join();
  q.ShutDownWithDrain();  // queued keys are still handed out; workers exit once it is empty
  for (auto& t : workers) t.join();

  CHECK(overlaps.load() == 0);
  CHECK(processed.load() > kKeys);
  int stale = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (last_add[k].load() != 0 && last_get[k].load() < last_add[k].load()) ++stale;
  }
  CHECK(stale == 0);
  CHECK(q.Len() == 0);
}

TEST_CASE("delayed adds come out in ready-time order as the fake clock advances") {
  FakeClock clock;
  DelayingQueue q(clock);
  q.AddAfter("c", seconds(3));
  q.AddAfter("a", seconds(1));
  q.AddAfter("b", seconds(2));
  q.AddAfter("a", seconds(5));  // the earlier ready time is kept
  q.AddAfter("now", milliseconds(0));
  CHECK(q.Len() == 1);
  CHECK(q.Get().key == "now");
  std::this_thread::sleep_for(milliseconds(20));
  CHECK(q.Len() == 0);

  clock.Advance(milliseconds(1500));
  REQUIRE(Eventually([&] { return q.Len() == 1; }));
  CHECK(q.Get().key == "a");
  clock.Advance(seconds(2));
  REQUIRE(Eventually([&] { return q.Len() == 2; }));
  CHECK(q.Get().key == "b");
  CHECK(q.Get().key == "c");
  clock.Advance(seconds(10));  // the superseded entry for "a" must not fire again
  std::this_thread::sleep_for(milliseconds(20));
  CHECK(q.Len() == 0);
}

TEST_CASE("exponential failure back-off doubles per failure, caps, and resets on Forget") {
  ItemExponentialFailureRateLimiter limiter(milliseconds(5), seconds(1000));
  CHECK(limiter.When("x") == milliseconds(5));
  CHECK(limiter.When("x") == milliseconds(10));
  CHECK(limiter.When("x") == milliseconds(20));
  CHECK(limiter.When("y") == milliseconds(5));
  CHECK(limiter.NumRequeues("x") == 3);
  for (int i = 0; i < 100; ++i) (void)limiter.When("x");
  CHECK(limiter.When("x") == seconds(1000));
  limiter.Forget("x");
  CHECK(limiter.NumRequeues("x") == 0);
  CHECK(limiter.When("x") == milliseconds(5));
}

TEST_CASE("a token bucket allows its burst, then one token per 1/qps") {
  FakeClock clock;
  BucketRateLimiter limiter(10.0, 100, clock);
  for (int i = 0; i < 100; ++i) CHECK(limiter.When("k") == Clock::Duration::zero());
  CHECK(limiter.When("k") == milliseconds(100));
  CHECK(limiter.When("k") == milliseconds(200));
  clock.Advance(seconds(1));  // refills 10; 2 are owed
  for (int i = 0; i < 8; ++i) CHECK(limiter.When("k") == Clock::Duration::zero());
  CHECK(limiter.When("k") == milliseconds(100));

  TokenBucket bucket(1.0, 2, clock);
  CHECK(bucket.TryAccept());
  CHECK(bucket.TryAccept());
  CHECK_FALSE(bucket.TryAccept());
  clock.Advance(seconds(1));
  CHECK(bucket.TryAccept());
}

TEST_CASE("the default controller limiter takes the longer of back-off and bucket") {
  FakeClock clock;
  auto limiter = DefaultControllerRateLimiter(clock);
  CHECK(limiter->When("a") == milliseconds(5));
  CHECK(limiter->When("a") == milliseconds(10));
  CHECK(limiter->NumRequeues("a") == 2);
  limiter->Forget("a");
  CHECK(limiter->NumRequeues("a") == 0);
  for (int i = 0; i < 98; ++i) (void)limiter->When("b" + std::to_string(i));
  CHECK(limiter->When("z") == milliseconds(100));  // bucket empty: 10 qps
}

TEST_CASE("a rate-limited add waits for the back-off; Forget resets it") {
  FakeClock clock;
  RateLimitingQueue q(std::make_unique<ItemExponentialFailureRateLimiter>(seconds(1), seconds(60)),
                      clock);
  q.AddRateLimited("k");
  CHECK(q.NumRequeues("k") == 1);
  std::this_thread::sleep_for(milliseconds(10));
  CHECK(q.Len() == 0);
  clock.Advance(seconds(1));
  REQUIRE(Eventually([&] { return q.Len() == 1; }));
  auto item = q.Get();
  q.Forget(item.key);
  q.Done(item.key);
  CHECK(q.NumRequeues("k") == 0);
}

TEST_CASE("shutdown with drain waits for processing keys; Get then reports shutdown") {
  WorkQueue q;
  q.Add("a");
  auto item = q.Get();
  std::atomic<bool> drained{false};
  std::thread shutter([&] {
    q.ShutDownWithDrain();
    drained = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  CHECK_FALSE(drained.load());
  q.Add("b");  // ignored once shutting down
  q.Done(item.key);
  shutter.join();
  CHECK(drained.load());
  CHECK(q.Get().shutdown);
}

TEST_CASE("shutdown wakes blocked workers; queued keys are still handed out first") {
  DelayingQueue q;
  std::atomic<bool> woke{false};
  std::thread blocked([&] {
    CHECK(q.Get().shutdown);  // blocks: the queue is empty until it shuts down
    woke = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  CHECK_FALSE(woke);
  q.ShutDown();
  blocked.join();
  CHECK(woke);

  DelayingQueue queued;
  queued.Add("x");
  queued.ShutDown();
  CHECK(queued.Get().key == "x");
  queued.AddAfter("y", milliseconds(1));
  CHECK(queued.Len() == 0);
}

}  // namespace
}  // namespace pk::client
