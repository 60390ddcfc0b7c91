// What a scenario run prints as it goes, and what a failure shows: the check's verdict, the
// pods, nodes and events, and the scheduler's explanation for the pods involved.
#pragma once

#include <ostream>
#include <string>

#include "scenario/scenario_internal.h"

namespace pk::scenario {

class Printer {
 public:
  Printer(std::ostream& out, bool color) : out_(out), color_(color) {}
  void Header(const Scenario& s);
  void ClusterUp(int nodes, double seconds);
  void Step(size_t number, const StepResult& r);
  void Summary(const ScenarioResult& r);
  void Error(const std::string& message);
  void Kept(const cluster::Cluster& c, const std::filesystem::path& dir);

 private:
  std::string Paint(const std::string& text, const char* code) const;
  std::ostream& out_;
  bool color_;
};

// The text of a failed step: what it wanted and saw, then what the cluster looked like.
std::string FailureReport(RunContext& ctx, const Step& step, const Verdict& verdict);

}  // namespace pk::scenario
