#include "scheduler/schedule_one.h"

#include <doctest/doctest.h>

namespace pk::scheduler {

TEST_CASE("numFeasibleNodesToFind: every node below 100, then an adaptive share, at least 100") {
  struct Case {
    int32_t percentage;
    int nodes;
    int want;
  };
  for (const Case& c : std::vector<Case>{
           {0, 0, 0},
           {0, 50, 50},
           {0, 99, 99},
           {0, 100, 100},
           {0, 1000, 420},
           {0, 5000, 500},
           {0, 6000, 300},
           {0, 10000, 500},
           {30, 1000, 300},
           {1, 1000, 100},
           {100, 5000, 5000},
           {50, 150, 100},
       }) {
    CAPTURE(c.percentage);
    CAPTURE(c.nodes);
    CHECK(NumFeasibleNodesToFind(c.percentage, c.nodes) == c.want);
  }
}

}  // namespace pk::scheduler
