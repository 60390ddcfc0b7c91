#include "client/clock.h"

#include <doctest/doctest.h>

namespace pk::client {
namespace {

TEST_CASE("a fake clock moves only when advanced; waits end once its deadline passes") {
  FakeClock clock;
  auto start = clock.Now();
  auto wall = clock.WallNow();
  clock.Advance(std::chrono::seconds(5));
  CHECK(clock.Now() - start == std::chrono::seconds(5));
  CHECK(clock.WallNow() - wall == std::chrono::seconds(5));

  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  auto deadline = clock.Now() + std::chrono::seconds(1);
  CHECK(clock.WaitUntil(cv, lock, deadline));  // not yet: an early return, as documented
  clock.Advance(std::chrono::seconds(2));
  CHECK_FALSE(clock.WaitUntil(cv, lock, deadline));
}

TEST_CASE("the real clock waits in real time") {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  auto before = RealClock().Now();
  CHECK_FALSE(RealClock().WaitUntil(cv, lock, before + std::chrono::milliseconds(20)));
  CHECK(RealClock().Now() - before >= std::chrono::milliseconds(20));
}

}  // namespace
}  // namespace pk::client
