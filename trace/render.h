// The pod-flow trace as people read it: a timeline table (text), a sequence diagram (SVG:
// one lifeline per process, one arrow per hop, times on the arrows) and JSON (for pages and
// tools). Every renderer takes a pod's spans sorted by start (as TraceStore keeps them);
// text from the spans (steps, details) may be anything: it is sanitized and escaped here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/store.h"
#include "trace/trace.h"

namespace pk::trace {

// The flow passing from one process to another. Consecutive spans of one process form a
// run (a "request received" span starts a new one); each run is entered by a hop from the
// previous run's process -- or from the span's client (a caller that records no spans, like
// kubectl) -- and a run serving a client's request answers it with a return hop.
struct Hop {
  std::string from;
  std::string to;
  size_t to_span = 0;  // index of the first span of the run it enters (or left, for returns)
  // The handoff time: from the sender's last activity before `to_span` started (the end of
  // its last finished span, or the start of one still running) to that start. Unknown for
  // a client's request and for returns (the client's clock is not traced).
  std::optional<int64_t> nanos;
  bool is_return = false;
  std::string label;  // the request or answer, for hops without a time
};

std::vector<Hop> Hops(const std::vector<Span>& spans);
// The hop with the longest known time, if any.
std::optional<Hop> LongestHop(const std::vector<Span>& spans);
// The processes in flow order: kubectl, apiserver, scheduler, controller-manager, kubelet,
// fake-cri, then any others in order of appearance.
std::vector<std::string> Lifelines(const std::vector<Span>& spans);

// The timeline: step, process, ms since the first span, duration, detail; a last line names
// the hop that took longest.
std::string RenderText(const std::vector<Span>& spans);
std::string RenderText(const PodTrace& trace);  // with a heading naming the pod
// A standalone SVG document.
std::string RenderSvg(const std::vector<Span>& spans);
// {"pod": {...}, "spans": [...], "hops": [...], "longestHop": {...}, "droppedSpans": n}
std::string RenderJson(const PodTrace& trace);

// "1.234" (milliseconds with microsecond precision).
std::string FormatMillis(int64_t nanos);

}  // namespace pk::trace
