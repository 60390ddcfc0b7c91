#include "apimachinery/slow_motion.h"

#include <doctest/doctest.h>

#include <chrono>

namespace pk::slowmotion {
namespace {

double TimedPause() {
  const auto t0 = std::chrono::steady_clock::now();
  Pause("a hop");
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST_CASE("slow motion: off by default, a hop waits the set seconds when on") {
  CHECK(Seconds() == 0);
  CHECK(TimedPause() < 0.05);
  Set(0.1);
  CHECK(Seconds() == 0.1);
  CHECK(TimedPause() >= 0.1);
  Set(-1);  // negative: off
  CHECK(Seconds() == 0);
}

}  // namespace
}  // namespace pk::slowmotion
