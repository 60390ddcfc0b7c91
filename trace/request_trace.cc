#include "trace/request_trace.h"

#include <algorithm>

namespace pk::trace {
namespace {
thread_local RequestTrace* current = nullptr;
}  // namespace

Span& RequestTrace::Add(std::string_view step, int64_t start_unix_nano, int64_t duration_nano,
                        std::string detail) {
  Span& span = spans_.emplace_back();
  span.set_component(component_);
  span.set_step(std::string(step));
  span.set_start_unix_nano(start_unix_nano);
  span.set_duration_nano(duration_nano);
  span.set_detail(std::move(detail));
  last_end_ = std::max(last_end_, start_unix_nano + duration_nano);
  return span;
}

void RequestTrace::SetPod(std::string_view uid, std::string_view ns, std::string_view name) {
  uid_ = uid;
  ns_ = ns;
  name_ = name;
}

std::vector<Span> RequestTrace::Take() {
  for (Span& span : spans_) {
    span.set_pod_uid(uid_);
    span.set_namespace_(ns_);
    span.set_pod_name(name_);
  }
  return std::move(spans_);
}

RequestTrace* RequestTrace::Current() { return current; }

RequestTrace::Bind::Bind(RequestTrace* trace) : previous_(current) { current = trace; }

RequestTrace::Bind::~Bind() { current = previous_; }

ScopedStep::ScopedStep(std::string_view step, std::string_view qualifier)
    : trace_(RequestTrace::Current()) {
  if (trace_ == nullptr) return;
  step_ = step;
  if (!qualifier.empty()) {
    step_ += ": ";
    step_ += qualifier;
  }
  start_ = NowUnixNano();
}

void ScopedStep::End() {
  if (trace_ == nullptr) return;
  trace_->Add(step_, start_, NowUnixNano() - start_, std::move(detail_));
  trace_ = nullptr;
}

}  // namespace pk::trace
