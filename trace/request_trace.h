// Spans of one unit of work -- an apiserver request -- about a pod that may be known only at
// its end (a create learns the pod's UID from the store write). The work appends spans as
// it goes; its owner takes them with the pod's identity once the work is done.
//
// The layers a request passes through do not all see the request (admission, the registry,
// the store), so the trace is also bound to the thread serving it: RequestTrace::Current().
// That holds because a request runs on one thread from the handler chain to the store's
// acknowledgment; a layer that hands work to another thread must pass the trace along.
// Not thread-safe: one request, one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trace/trace.h"

namespace pk::trace {

class RequestTrace {
 public:
  explicit RequestTrace(std::string_view component) : component_(component) {}

  Span& Add(std::string_view step, int64_t start_unix_nano, int64_t duration_nano,
            std::string detail);
  // The pod the work is about (the last call wins).
  void SetPod(std::string_view uid, std::string_view ns, std::string_view name);
  bool has_pod() const { return !uid_.empty(); }
  // When the latest-ending span so far ended; 0 when there is none.
  int64_t last_end() const { return last_end_; }
  const std::vector<Span>& spans() const { return spans_; }
  // The spans, each with the pod's identity.
  std::vector<Span> Take();

  // The trace bound to this thread, or nullptr.
  static RequestTrace* Current();
  // Binds `trace` to this thread for the scope (restores the previous one after).
  class Bind {
   public:
    explicit Bind(RequestTrace* trace);
    ~Bind();
    Bind(const Bind&) = delete;
    Bind& operator=(const Bind&) = delete;

   private:
    RequestTrace* previous_;
  };

 private:
  std::string component_;
  std::string uid_, ns_, name_;
  std::vector<Span> spans_;
  int64_t last_end_ = 0;
};

// Times one step of the thread's RequestTrace: [construction, End() or destruction). A no-op
// (no clock read, no allocation) when the thread has none. The step is "STEP" or
// "STEP: QUALIFIER" ("admission: NamespaceLifecycle").
class ScopedStep {
 public:
  explicit ScopedStep(std::string_view step, std::string_view qualifier = {});
  ~ScopedStep() { End(); }
  ScopedStep(const ScopedStep&) = delete;
  ScopedStep& operator=(const ScopedStep&) = delete;

  bool active() const { return trace_ != nullptr; }
  void set_detail(std::string detail) {
    if (active()) detail_ = std::move(detail);
  }
  // Records the step now; later calls (and the destructor) do nothing.
  void End();

 private:
  RequestTrace* trace_;
  std::string step_;
  std::string detail_;
  int64_t start_ = 0;
};

}  // namespace pk::trace
