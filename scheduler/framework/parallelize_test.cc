#include "scheduler/framework/parallelize.h"

#include <doctest/doctest.h>

#include <vector>

namespace pk::scheduler {

TEST_CASE("Parallelizer runs every index exactly once, job after job") {
  Parallelizer p(4);
  for (int round = 0; round < 200; ++round) {
    int n = round % 37 + 1;
    std::vector<std::atomic<int>> hits(n);
    p.Until(n, [&](int i) { hits[i]++; });
    for (int i = 0; i < n; ++i) REQUIRE(hits[i].load() == 1);
  }
}

TEST_CASE("Parallelizer stops handing out work once asked") {
  Parallelizer p(2);
  std::atomic<bool> stop{false};
  std::atomic<int> ran{0};
  p.Until(
      100000,
      [&](int i) {
        if (++ran >= 10) stop = true;
      },
      &stop);
  CHECK(ran.load() < 100000);
  CHECK(ran.load() >= 10);
}

}  // namespace pk::scheduler
