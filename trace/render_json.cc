#include <nlohmann/json.hpp>

#include "trace/render.h"

namespace pk::trace {
namespace {

using Json = nlohmann::ordered_json;

double Millis(int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

Json HopJson(const Hop& hop, const std::vector<Span>& spans) {
  Json j = {{"from", hop.from}, {"to", hop.to}, {"step", spans[hop.to_span].step()}};
  if (hop.nanos) j["ms"] = Millis(*hop.nanos);
  if (hop.is_return) j["return"] = true;
  if (!hop.label.empty()) j["label"] = hop.label;
  return j;
}

}  // namespace

std::string RenderJson(const PodTrace& trace) {
  Json spans = Json::array();
  int64_t t0 = trace.spans.empty() ? 0 : trace.spans.front().start_unix_nano();
  for (const Span& s : trace.spans) {
    Json j = {{"component", s.component()},
              {"step", s.step()},
              {"startUnixNano", s.start_unix_nano()},
              {"offsetMs", Millis(s.start_unix_nano() - t0)},
              {"durationMs", Millis(s.duration_nano())},
              {"detail", s.detail()}};
    if (!s.client().empty()) j["client"] = s.client();
    spans.push_back(std::move(j));
  }
  Json hops = Json::array();
  for (const Hop& hop : Hops(trace.spans)) hops.push_back(HopJson(hop, trace.spans));
  Json out = {{"pod", {{"namespace", trace.ns}, {"name", trace.name}, {"uid", trace.uid}}},
              {"spans", std::move(spans)},
              {"hops", std::move(hops)}};
  if (auto longest = LongestHop(trace.spans)) out["longestHop"] = HopJson(*longest, trace.spans);
  out["droppedSpans"] = trace.dropped;
  // Span text is whatever components sent: invalid UTF-8 becomes U+FFFD instead of throwing.
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace pk::trace
