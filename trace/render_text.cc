#include <fmt/format.h>

#include <algorithm>

#include "trace/render.h"
#include "trace/text.h"

namespace pk::trace {
namespace {

// Left-aligned in `width` code points (fmt pads by bytes, wrong for non-ASCII steps).
std::string Pad(const std::string& clean, size_t width) {
  size_t w = text::Width(clean);
  return w >= width ? clean : clean + std::string(width - w, ' ');
}

std::string HopLine(const std::vector<Span>& spans) {
  std::optional<Hop> hop = LongestHop(spans);
  if (!hop) return "Longest hop: none (the trace has one process only)\n";
  const Span& to = spans[hop->to_span];
  return fmt::format("Longest hop: {} -> {}, {} ms (before \"{}\" at {} ms)\n",
                     text::Clean(hop->from), text::Clean(hop->to), FormatMillis(*hop->nanos),
                     text::Clean(to.step()),
                     FormatMillis(to.start_unix_nano() - spans.front().start_unix_nano()));
}

}  // namespace

std::string FormatMillis(int64_t nanos) {
  return fmt::format("{:.3f}", static_cast<double>(nanos) / 1e6);
}

std::string RenderText(const std::vector<Span>& spans) {
  if (spans.empty()) return "No spans.\n";
  struct Row {
    std::string step, process, ms, duration, detail;
  };
  std::vector<Row> rows;
  Row head{"STEP", "PROCESS", "MS", "DURATION", "DETAIL"};
  size_t step_w = head.step.size(), process_w = head.process.size();
  size_t ms_w = head.ms.size(), duration_w = head.duration.size();
  int64_t t0 = spans.front().start_unix_nano();
  for (const Span& s : spans) {
    Row row{text::Clean(s.step()), text::Clean(s.component()),
            FormatMillis(s.start_unix_nano() - t0), FormatMillis(s.duration_nano()),
            text::Truncate(text::Clean(s.detail()), 160)};
    step_w = std::max(step_w, text::Width(row.step));
    process_w = std::max(process_w, text::Width(row.process));
    ms_w = std::max(ms_w, row.ms.size());
    duration_w = std::max(duration_w, row.duration.size());
    rows.push_back(std::move(row));
  }
  auto line = [&](const Row& r) {
    std::string out =
        fmt::format("{}  {}  {:>{}}  {:>{}}  {}", Pad(r.step, step_w), Pad(r.process, process_w),
                    r.ms, ms_w, r.duration, duration_w, r.detail);
    out.erase(out.find_last_not_of(' ') + 1);
    return out + "\n";
  };
  std::string out = line(head);
  for (const Row& r : rows) out += line(r);
  return out + HopLine(spans);
}

std::string RenderText(const PodTrace& trace) {
  std::string out =
      fmt::format("Pod {}/{} (uid {}): {} spans", text::Clean(trace.ns), text::Clean(trace.name),
                  text::Clean(trace.uid), trace.spans.size());
  if (trace.dropped > 0) out += fmt::format(", {} more dropped (per-pod limit)", trace.dropped);
  return out + "\n" + RenderText(trace.spans);
}

}  // namespace pk::trace
