#include "scheduler/plugins/helper.h"

#include <doctest/doctest.h>

namespace pk::scheduler::plugins {
namespace {

std::vector<NodeScore> Scores(const std::vector<int64_t>& raw) {
  std::vector<NodeScore> out;
  for (size_t i = 0; i < raw.size(); ++i) out.push_back({"n" + std::to_string(i), raw[i]});
  return out;
}

std::vector<int64_t> Values(const std::vector<NodeScore>& scores) {
  std::vector<int64_t> out;
  for (const NodeScore& s : scores) out.push_back(s.score);
  return out;
}

// Cases of Kubernetes' normalize_score_test.go.
TEST_CASE("DefaultNormalizeScore") {
  struct Case {
    std::vector<int64_t> scores;
    bool reverse;
    std::vector<int64_t> want;
  };
  const Case cases[] = {
      {{1, 2, 3, 4}, false, {25, 50, 75, 100}},
      {{1, 2, 3, 4}, true, {75, 50, 25, 0}},
      {{1000, 10, 20, 30}, false, {100, 1, 2, 3}},
      {{1000, 10, 20, 30}, true, {0, 99, 98, 97}},
      {{1, 1, 1, 1}, false, {100, 100, 100, 100}},
      {{1, 1, 1, 1}, true, {0, 0, 0, 0}},
      {{0, 0, 0, 0}, false, {0, 0, 0, 0}},
      {{0, 0, 0, 0}, true, {100, 100, 100, 100}},
      {{}, true, {}},
  };
  for (const Case& c : cases) {
    auto scores = Scores(c.scores);
    CHECK(DefaultNormalizeScore(kMaxNodeScore, c.reverse, scores).ok());
    CHECK(Values(scores) == c.want);
  }
}

}  // namespace
}  // namespace pk::scheduler::plugins
