#include "trace/request_trace.h"

#include <doctest/doctest.h>

#include <thread>

namespace pk::trace {
namespace {

TEST_CASE("steps record into the thread's request trace, stamped with the pod at the end") {
  RequestTrace trace("apiserver");
  {
    RequestTrace::Bind bind(&trace);
    CHECK(RequestTrace::Current() == &trace);
    ScopedStep step("admission", "NamespaceLifecycle");
    CHECK(step.active());
    step.set_detail("allowed");
    step.End();
    step.End();  // once only
    ScopedStep validation("validation");
  }
  CHECK(RequestTrace::Current() == nullptr);
  REQUIRE(trace.spans().size() == 2);
  CHECK(trace.spans()[0].step() == "admission: NamespaceLifecycle");
  CHECK(trace.spans()[0].detail() == "allowed");
  CHECK(trace.spans()[1].step() == "validation");
  CHECK(trace.last_end() >= trace.spans()[1].start_unix_nano());
  CHECK_FALSE(trace.has_pod());
  trace.SetPod("u", "default", "web");
  std::vector<Span> spans = trace.Take();
  REQUIRE(spans.size() == 2);
  CHECK(spans[1].pod_uid() == "u");
  CHECK(spans[1].pod_name() == "web");
  CHECK(spans[1].component() == "apiserver");
}

TEST_CASE("without a bound trace a step is a no-op; other threads do not see the binding") {
  ScopedStep nothing("validation");
  CHECK_FALSE(nothing.active());
  RequestTrace trace("apiserver");
  RequestTrace::Bind bind(&trace);
  bool other_sees = true;
  std::thread([&] { other_sees = RequestTrace::Current() != nullptr; }).join();
  CHECK_FALSE(other_sees);
  {
    RequestTrace inner("apiserver");
    RequestTrace::Bind nested(&inner);
    CHECK(RequestTrace::Current() == &inner);
  }
  CHECK(RequestTrace::Current() == &trace);
}

}  // namespace
}  // namespace pk::trace
