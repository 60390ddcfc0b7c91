// Hops and lifelines: the structure shared by the text and SVG renderers.
#include <algorithm>
#include <array>

#include "trace/render.h"

namespace pk::trace {
namespace {

// Consecutive spans of one process, within one request: [begin, end) of the sorted spans.
struct Run {
  size_t begin;
  size_t end;
};

std::vector<Run> Runs(const std::vector<Span>& spans) {
  std::vector<Run> runs;
  for (size_t i = 0; i < spans.size(); ++i) {
    if (runs.empty() || spans[i].component() != spans[runs.back().begin].component() ||
        spans[i].step() == kRequestReceived) {
      runs.push_back({i, i + 1});
    } else {
      runs.back().end = i + 1;
    }
  }
  return runs;
}

// From the sender's last activity before `at` to `at`: a span that had ended counts by its
// end, one still running (the kubelet's "create" around fake-cri's call) by its start.
int64_t HandoffNanos(const std::vector<Span>& spans, Run sender, int64_t at) {
  int64_t last = spans[sender.begin].start_unix_nano();
  for (size_t i = sender.begin; i < sender.end; ++i) {
    int64_t end = spans[i].start_unix_nano() + spans[i].duration_nano();
    last = std::max(last, end <= at ? end : spans[i].start_unix_nano());
  }
  return std::max<int64_t>(0, at - last);
}

std::string RequestLabel(const Span& first) {
  bool request = first.step() == kRequestReceived && !first.detail().empty();
  return request ? first.detail() : first.step();
}

}  // namespace

std::vector<Hop> Hops(const std::vector<Span>& spans) {
  std::vector<Hop> hops;
  std::vector<Run> runs = Runs(spans);
  for (size_t k = 0; k < runs.size(); ++k) {
    const Span& first = spans[runs[k].begin];
    const std::string& to = first.component();
    std::string client = first.client() == to ? "" : first.client();
    const std::string* previous = k > 0 ? &spans[runs[k - 1].begin].component() : nullptr;
    if (!client.empty() && (previous == nullptr || *previous != client)) {
      hops.push_back({client, to, runs[k].begin, std::nullopt, false, RequestLabel(first)});
    } else if (previous != nullptr && *previous != to) {
      int64_t nanos = HandoffNanos(spans, runs[k - 1], first.start_unix_nano());
      hops.push_back({*previous, to, runs[k].begin, nanos, false, ""});
    }
    if (!client.empty()) {
      const Span& last = spans[runs[k].end - 1];
      hops.push_back({to, client, runs[k].end - 1, std::nullopt, true, last.detail()});
    }
  }
  return hops;
}

std::optional<Hop> LongestHop(const std::vector<Span>& spans) {
  std::optional<Hop> longest;
  for (Hop& hop : Hops(spans)) {
    if (hop.nanos && (!longest || *hop.nanos > *longest->nanos)) longest = std::move(hop);
  }
  return longest;
}

std::vector<std::string> Lifelines(const std::vector<Span>& spans) {
  static constexpr std::array<std::string_view, 6> kOrder = {
      kKubectl, kApiserver, kScheduler, kControllerManager, kKubelet, kFakeCri};
  std::vector<std::string> seen;
  auto note = [&seen](const std::string& name) {
    if (!name.empty() && std::find(seen.begin(), seen.end(), name) == seen.end()) {
      seen.push_back(name);
    }
  };
  for (const Span& span : spans) {
    note(span.client());
    note(span.component());
  }
  auto rank = [](const std::string& name) {
    auto it = std::find(kOrder.begin(), kOrder.end(), name);
    return static_cast<size_t>(it - kOrder.begin());  // kOrder.size() for the others
  };
  std::stable_sort(seen.begin(), seen.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  return seen;
}

}  // namespace pk::trace
