#include "scheduler/explanation.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <map>

namespace pk::scheduler {
namespace {

std::string ScoresOf(const Explanation& e, const Explanation::Row& row) {
  std::string out;
  for (size_t p = 0; p < e.score_plugins.size() && p < row.scores.size(); ++p) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} {}", e.score_plugins[p], row.scores[p]);
    if (e.weights[p] != 1) out += fmt::format("x{}", e.weights[p]);
  }
  return out;
}

// "3 node(s) had untolerated taint {k: v}; 2 NodeResourcesFit: Insufficient cpu".
std::string RejectionHistogram(const Explanation& e) {
  std::map<std::string, int> counts = e.rejection_counts;
  if (counts.empty()) {
    for (const auto& [node, why] : e.rejected) counts[why]++;
  }
  std::string out;
  for (const auto& [why, n] : counts) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{} x {}", n, why);
  }
  return out;
}

std::string More(size_t listed, size_t total) {
  return total > listed ? fmt::format("  ... and {} more\n", total - listed) : "";
}

}  // namespace

void Explanation::Trim() {
  if (rejection_counts.empty()) {
    for (const auto& [node, why] : rejected) rejection_counts[why]++;
  }
  rejected_total = RejectedTotal();
  scored_total = ScoredTotal();
  if (rejected.size() > kNodesListed) rejected.resize(kNodesListed);
  if (scored.size() > kNodesListed) scored.resize(kNodesListed);
}

std::string Explanation::ToText() const {
  std::string out =
      fmt::format("pod {}/{} (uid {}), profile {}, attempt {}, at {:%FT%TZ}\n", ns, name, uid,
                  profile, attempt, std::chrono::floor<std::chrono::seconds>(time));
  out += fmt::format(
      "nodes: {} in cluster, {} evaluated (search stops after {} feasible), {} "
      "feasible, {} rejected; cycle {} us\n",
      nodes_total, nodes_evaluated, nodes_to_find, ScoredTotal(), RejectedTotal(), duration_us);
  if (!pre_filter.empty()) out += "prefilter rejected the pod: " + pre_filter + "\n";
  if (!rejected.empty()) {
    out += "\nrejected by filters:\n";
    for (const auto& [node, why] : rejected) out += fmt::format("  {:<24} {}\n", node, why);
    out += More(rejected.size(), RejectedTotal());
  }
  if (!scored.empty()) {
    out += "\nscores (normalized 0-100, x weight):\n";
    for (const Row& r : scored) {
      out += fmt::format("  {:<24} total {:>5}  {}\n", r.node, r.total, ScoresOf(*this, r));
    }
    out += More(scored.size(), ScoredTotal());
  }
  if (!post_filter.empty()) out += "\npostfilter: " + post_filter + "\n";
  if (!nominated.empty()) out += "nominated node: " + nominated + "\n";
  out += "\nresult: " + message + "\n";
  return out;
}

nlohmann::json Explanation::ToJson() const {
  nlohmann::json rejected_json = nlohmann::json::object();
  for (const auto& [node, why] : rejected) rejected_json[node] = why;
  nlohmann::json rows = nlohmann::json::array();
  for (const Row& r : scored) {
    nlohmann::json scores = nlohmann::json::object();
    for (size_t p = 0; p < score_plugins.size() && p < r.scores.size(); ++p) {
      scores[score_plugins[p]] = r.scores[p];
    }
    rows.push_back({{"node", r.node}, {"total", r.total}, {"scores", scores}});
  }
  nlohmann::json weights_json = nlohmann::json::object();
  for (size_t p = 0; p < score_plugins.size(); ++p) weights_json[score_plugins[p]] = weights[p];
  return {{"namespace", ns},
          {"name", name},
          {"uid", uid},
          {"profile", profile},
          {"attempt", attempt},
          {"time", fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(time))},
          {"cycleMicroseconds", duration_us},
          {"nodesTotal", nodes_total},
          {"nodesEvaluated", nodes_evaluated},
          {"nodesToFind", nodes_to_find},
          {"preFilter", pre_filter},
          {"rejected", rejected_json},
          {"rejectedTotal", RejectedTotal()},
          {"scoredTotal", ScoredTotal()},
          {"weights", weights_json},
          {"scored", rows},
          {"chosen", chosen},
          {"postFilter", post_filter},
          {"nominatedNodeName", nominated},
          {"message", message}};
}

std::string Explanation::Summary() const {
  std::string out = fmt::format("{} of {} nodes evaluated, {} feasible", nodes_evaluated,
                                nodes_total, ScoredTotal());
  if (RejectedTotal() > 0) out += "; rejected: " + RejectionHistogram(*this);
  for (size_t i = 0; i < scored.size() && i < 2; ++i) {
    out += fmt::format("; {} {} total {} ({})", i == 0 ? "chosen" : "runner-up", scored[i].node,
                       scored[i].total, ScoresOf(*this, scored[i]));
  }
  if (scored.empty() && !chosen.empty()) out += "; chosen " + chosen;
  return out;
}

}  // namespace pk::scheduler
