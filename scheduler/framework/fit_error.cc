#include "scheduler/framework/fit_error.h"

#include <algorithm>
#include <map>
#include <vector>

namespace pk::scheduler {

namespace {

// "<count> <reason>" per distinct reason, sorted as strings (so "10 x" sorts before "2 y", as
// Go's sort.Strings does).
std::vector<std::string> ReasonHistogram(const NodeToStatus& statuses) {
  std::map<std::string, int> counts;
  for (const auto& [node, status] : statuses) {
    for (const auto& reason : status.reasons()) ++counts[reason];
  }
  std::vector<std::string> out;
  out.reserve(counts.size());
  for (const auto& [reason, n] : counts) out.push_back(std::to_string(n) + " " + reason);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

}  // namespace

std::string FitErrorMessage(int num_all_nodes, const NodeToStatus& statuses,
                            const std::string& pre_filter_msg, const std::string& post_filter_msg) {
  std::string msg = "0/" + std::to_string(num_all_nodes) + " nodes are available:";
  if (!pre_filter_msg.empty()) {
    msg += " " + pre_filter_msg + ".";
  } else {
    std::vector<std::string> histogram = ReasonHistogram(statuses);
    if (!histogram.empty()) msg += " " + Join(histogram, ", ") + ".";
  }
  if (!post_filter_msg.empty()) msg += " " + post_filter_msg;
  return msg;
}

}  // namespace pk::scheduler
