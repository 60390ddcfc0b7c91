// The apiserver's side of the pod-flow trace: the spans of the most recent pods, in memory.
// Bounded: at most `max_pods` pods and `max_spans` spans in all (beyond either, the pod first
// traced longest ago is evicted), and `max_spans_per_pod` spans each (later spans are counted,
// not kept: the creation flow a trace is for comes first, a long-lived pod's status writes
// would crowd it out). Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "trace/trace.h"

namespace pk::trace {

struct TraceStoreOptions {
  size_t max_pods = 5000;
  // About 700 bytes a span as stored (heaptrack of the apiserver): ~35 MB, the full flows of
  // the last ~1,500 pods. 200,000 took ~140 MB of an apiserver meant to idle under 100 MB.
  size_t max_spans = 50000;
  size_t max_spans_per_pod = 256;
};

// One pod's trace: its identity (from the first span that named it) and its spans sorted by
// start (stable: spans starting together keep their arrival order).
struct PodTrace {
  std::string uid;
  std::string ns;
  std::string name;
  std::vector<Span> spans;
  uint64_t dropped = 0;  // spans beyond max_spans_per_pod
};

class TraceStore {
 public:
  explicit TraceStore(TraceStoreOptions options = {});

  // Adds spans (of any pods); a span without pod_uid or component is ignored. Returns how
  // many were kept.
  size_t Add(const std::vector<Span>& spans);
  size_t Add(const Span& span) { return Add(std::vector<Span>{span}); }

  std::optional<PodTrace> Get(std::string_view uid) const;
  // The UID of the pod named ns/name most recently traced: finds deleted pods' traces.
  std::optional<std::string> UidOf(std::string_view ns, std::string_view name) const;
  size_t pods() const;

 private:
  // Inserts into `trace`; false when it is full.
  bool Insert(PodTrace& trace, const Span& span);
  PodTrace& Entry(const Span& span);  // requires mu_
  void EvictLocked();

  const TraceStoreOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, PodTrace> traces_;  // by uid; guarded by mu_
  std::deque<std::string> order_;                     // uids, first traced first
  size_t spans_ = 0;                                  // kept, over all pods
  std::map<std::pair<std::string, std::string>, std::string, std::less<>> uids_;  // (ns, name)
};

}  // namespace pk::trace
