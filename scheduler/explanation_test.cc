#include "scheduler/explanation.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "scheduler/explanation_store.h"

namespace pk::scheduler {
namespace {

Explanation Sample() {
  Explanation e;
  e.ns = "default";
  e.name = "web";
  e.uid = "u1";
  e.profile = "default-scheduler";
  e.attempt = 1;
  e.nodes_total = 4;
  e.nodes_evaluated = 4;
  e.nodes_to_find = 4;
  e.rejected = {{"n3", "NodeResourcesFit: Insufficient cpu"},
                {"n4", "NodeResourcesFit: Insufficient cpu"}};
  e.score_plugins = {"NodeResourcesFit", "TaintToleration"};
  e.weights = {1, 3};
  e.scored = {{"n1", {80, 100}, 380}, {"n2", {40, 100}, 340}};
  e.chosen = "n1";
  e.message = "Successfully assigned default/web to n1";
  return e;
}

TEST_CASE("the summary counts nodes, groups rejections and shows the chosen node and runner-up") {
  CHECK(Sample().Summary() ==
        "4 of 4 nodes evaluated, 2 feasible; rejected: 2 x NodeResourcesFit: Insufficient cpu; "
        "chosen n1 total 380 (NodeResourcesFit 80, TaintToleration 100x3); runner-up n2 total 340 "
        "(NodeResourcesFit 40, TaintToleration 100x3)");
}

TEST_CASE("the text explanation lists every rejected node and every score") {
  std::string text = Sample().ToText();
  CHECK(text.find("pod default/web (uid u1), profile default-scheduler, attempt 1") == 0);
  CHECK(text.find("n3                       NodeResourcesFit: Insufficient cpu") !=
        std::string::npos);
  CHECK(text.find(
            "n2                       total   340  NodeResourcesFit 40, TaintToleration 100x3") !=
        std::string::npos);
  CHECK(text.find("result: Successfully assigned default/web to n1") != std::string::npos);
  auto json = Sample().ToJson();
  CHECK(json["chosen"] == "n1");
  CHECK(json["rejected"]["n4"] == "NodeResourcesFit: Insufficient cpu");
  CHECK(json["scored"][1]["scores"]["TaintToleration"] == 100);
}

TEST_CASE("the store keeps the newest attempt per pod and forgets the oldest pods") {
  ExplanationStore store(2);
  Explanation a = Sample(), b = Sample(), c = Sample();
  b.name = "b";
  c.name = "c";
  store.Put(a);
  a.attempt = 2;
  store.Put(a);
  store.Put(b);
  REQUIRE(store.Get("default", "web"));
  CHECK(store.Get("default", "web")->attempt == 2);
  store.Put(c);
  CHECK(!store.Get("default", "web"));
  CHECK(store.Get("default", "b"));
  CHECK(store.Get("default", "c"));
}

}  // namespace
}  // namespace pk::scheduler

namespace pk::scheduler {
namespace {

TEST_CASE("Trim keeps 100 rows of each kind and the counts of all") {
  Explanation e;
  for (int i = 0; i < 250; ++i) {
    e.rejected.emplace_back(fmt::format("r{}", i), i % 2 ? "A: x" : "B: y");
    e.scored.push_back({fmt::format("s{}", i), {1}, 250 - i});
  }
  e.score_plugins = {"P"};
  e.weights = {1};
  e.nodes_total = e.nodes_evaluated = 500;
  e.Trim();
  e.Trim();  // idempotent
  CHECK(e.rejected.size() == 100);
  CHECK(e.scored.size() == 100);
  CHECK(e.RejectedTotal() == 250);
  CHECK(e.ScoredTotal() == 250);
  CHECK(e.Summary().rfind(
            "500 of 500 nodes evaluated, 250 feasible; rejected: 125 x A: x; 125 x B: y", 0) == 0);
  CHECK(e.ToText().find("  ... and 150 more\n") != std::string::npos);
}

}  // namespace
}  // namespace pk::scheduler
