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

k8s::core::v1::Toleration Tol(const std::string& key, const std::string& op,
                              const std::string& value, const std::string& effect) {
  k8s::core::v1::Toleration t;
  t.set_key(key);
  t.set_operator_(op);
  t.set_value(value);
  t.set_effect(effect);
  return t;
}
k8s::core::v1::Taint Taint(const std::string& key, const std::string& value,
                           const std::string& effect) {
  k8s::core::v1::Taint t;
  t.set_key(key);
  t.set_value(value);
  t.set_effect(effect);
  return t;
}

// Cases of k8s.io/api's TestTolerationToleratesTaint.
TEST_CASE("ToleratesTaint") {
  struct Case {
    const char* name;
    k8s::core::v1::Toleration toleration;
    k8s::core::v1::Taint taint;
    bool want;
  };
  const Case cases[] = {
      {"toleration and taint have the same key and effect, and operator is Exists, and taint "
       "has no value, expect tolerated",
       Tol("foo", "Exists", "", "NoSchedule"), Taint("foo", "", "NoSchedule"), true},
      {"toleration and taint have the same key and effect, and operator is Exists, and taint "
       "has some value, expect tolerated",
       Tol("foo", "Exists", "", "NoSchedule"), Taint("foo", "bar", "NoSchedule"), true},
      {"toleration and taint have the same effect, toleration has empty key and operator is "
       "Exists, means match all taints, expect tolerated",
       Tol("", "Exists", "", "NoSchedule"), Taint("foo", "bar", "NoSchedule"), true},
      {"toleration and taint have the same key, effect and value, and operator is Equal, expect "
       "tolerated",
       Tol("foo", "Equal", "bar", "NoSchedule"), Taint("foo", "bar", "NoSchedule"), true},
      {"toleration and taint have the same key and effect, but different values, and operator "
       "is Equal, expect not tolerated",
       Tol("foo", "Equal", "value1", "NoSchedule"), Taint("foo", "value2", "NoSchedule"), false},
      {"toleration and taint have the same key and value, but different effects, and operator "
       "is Equal, expect not tolerated",
       Tol("foo", "Equal", "bar", "NoSchedule"), Taint("foo", "bar", "NoExecute"), false},
      {"an empty operator means Equal", Tol("foo", "", "bar", ""), Taint("foo", "bar", "NoExecute"),
       true},
      {"an empty effect matches every effect", Tol("foo", "Exists", "", ""),
       Taint("foo", "x", "PreferNoSchedule"), true},
      {"an unknown operator tolerates nothing", Tol("foo", "Lt", "1", ""),
       Taint("foo", "0", "NoSchedule"), false},
      {"different keys", Tol("foo", "Exists", "", ""), Taint("bar", "", "NoSchedule"), false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(ToleratesTaint(c.toleration, c.taint) == c.want);
  }
}

TEST_CASE("FindMatchingUntoleratedTaint") {
  std::vector<k8s::core::v1::Taint> taints = {Taint("a", "1", "PreferNoSchedule"),
                                              Taint("b", "2", "NoSchedule"),
                                              Taint("c", "3", "NoExecute")};
  std::vector<k8s::core::v1::Toleration> none;
  auto first = FindMatchingUntoleratedTaint(taints, none, IsDoNotScheduleTaint);
  REQUIRE(first);
  CHECK(first->key() == "b");
  std::vector<k8s::core::v1::Toleration> b = {Tol("b", "Exists", "", "")};
  auto second = FindMatchingUntoleratedTaint(taints, b, IsDoNotScheduleTaint);
  REQUIRE(second);
  CHECK(second->key() == "c");
  std::vector<k8s::core::v1::Toleration> all = {Tol("", "Exists", "", "")};
  CHECK(!FindMatchingUntoleratedTaint(taints, all, IsDoNotScheduleTaint));
  CHECK(FindMatchingUntoleratedTaint(taints, b, nullptr)->key() == "a");
  CHECK(TolerationsTolerateTaint(b, taints[1]));
  CHECK(!TolerationsTolerateTaint(none, taints[1]));
}

}  // namespace
}  // namespace pk::scheduler::plugins
