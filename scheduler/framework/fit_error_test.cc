#include "scheduler/framework/fit_error.h"

#include <doctest/doctest.h>

namespace pk::scheduler {
namespace {

TEST_CASE("FitErrorMessage: a sorted histogram of the nodes' reasons") {
  NodeToStatus statuses{
      {"n1", PluginStatus::Unschedulable("Insufficient cpu")},
      {"n2", PluginStatus(Code::kUnschedulable,
                          std::vector<std::string>{"Insufficient cpu", "Insufficient memory"})},
      {"n3", PluginStatus::Unresolvable("node(s) had untolerated taint {k: v}")},
  };
  CHECK(FitErrorMessage(3, statuses) ==
        "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, "
        "2 Insufficient cpu.");
}

TEST_CASE("FitErrorMessage: counts sort as strings, as Go's sort.Strings") {
  NodeToStatus statuses;
  for (int i = 0; i < 10; ++i) statuses["a" + std::to_string(i)] = PluginStatus::Unschedulable("x");
  statuses["b1"] = PluginStatus::Unschedulable("y");
  statuses["b2"] = PluginStatus::Unschedulable("y");
  CHECK(FitErrorMessage(12, statuses) == "0/12 nodes are available: 10 x, 2 y.");
}

TEST_CASE("FitErrorMessage: a PreFilter message replaces the histogram") {
  NodeToStatus statuses{{"n1", PluginStatus::Unschedulable("pvc not found")}};
  CHECK(FitErrorMessage(1, statuses, "pvc not found") == "0/1 nodes are available: pvc not found.");
}

TEST_CASE("FitErrorMessage: the PostFilter message is appended as is") {
  NodeToStatus statuses{{"n1", PluginStatus::Unschedulable("Insufficient cpu")}};
  CHECK(FitErrorMessage(1, statuses, "",
                        "preemption: 0/1 nodes are available: 1 No preemption victims found for "
                        "incoming pod.") ==
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No "
        "preemption victims found for incoming pod.");
}

TEST_CASE("FitErrorMessage: no statuses, no messages") {
  CHECK(FitErrorMessage(0, {}) == "0/0 nodes are available:");
}

}  // namespace
}  // namespace pk::scheduler
