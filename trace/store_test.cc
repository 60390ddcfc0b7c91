#include "trace/store.h"

#include <doctest/doctest.h>

namespace pk::trace {
namespace {

Span MakeSpan(const std::string& uid, int64_t start, const std::string& step = "s",
              const std::string& name = "") {
  Span s;
  s.set_pod_uid(uid);
  s.set_component("kubelet");
  s.set_step(step);
  s.set_start_unix_nano(start);
  if (!name.empty()) {
    s.set_namespace_("default");
    s.set_pod_name(name);
  }
  return s;
}

TraceStoreOptions Limits(size_t pods, size_t spans_per_pod, size_t spans = 1000) {
  TraceStoreOptions options;
  options.max_pods = pods;
  options.max_spans_per_pod = spans_per_pod;
  options.max_spans = spans;
  return options;
}

TEST_CASE("spans are kept per pod sorted by start, arrival order among equal starts") {
  TraceStore store;
  CHECK(store.Add({MakeSpan("u1", 30, "c"), MakeSpan("u1", 10, "a"), MakeSpan("u2", 5)}) == 3);
  CHECK(store.Add(MakeSpan("u1", 10, "b")) == 1);
  auto trace = store.Get("u1");
  REQUIRE(trace);
  REQUIRE(trace->spans.size() == 3);
  CHECK(trace->spans[0].step() == "a");
  CHECK(trace->spans[1].step() == "b");
  CHECK(trace->spans[2].step() == "c");
  CHECK(store.pods() == 2);
  CHECK_FALSE(store.Get("nope"));
}

TEST_CASE("spans without a pod uid or component are not kept") {
  TraceStore store;
  Span no_component = MakeSpan("u1", 1);
  no_component.clear_component();
  CHECK(store.Add({MakeSpan("", 1), no_component}) == 0);
  CHECK(store.pods() == 0);
}

TEST_CASE("the pod first traced longest ago is evicted, with its name") {
  TraceStore store(Limits(2, 512));
  store.Add(MakeSpan("u1", 1, "s", "a"));
  store.Add(MakeSpan("u2", 2, "s", "b"));
  store.Add(MakeSpan("u1", 3));  // a later span does not make u1 newer
  store.Add(MakeSpan("u3", 4, "s", "c"));
  CHECK(store.pods() == 2);
  CHECK_FALSE(store.Get("u1"));
  CHECK_FALSE(store.UidOf("default", "a"));
  CHECK(store.Get("u2"));
  CHECK(store.UidOf("default", "c") == "u3");
}

TEST_CASE("a name finds the pod most recently traced under it (deleted pods too)") {
  TraceStore store;
  store.Add(MakeSpan("old", 1, "s", "web"));
  CHECK(store.UidOf("default", "web") == "old");
  store.Add(MakeSpan("new", 2, "s", "web"));
  CHECK(store.UidOf("default", "web") == "new");
  CHECK_FALSE(store.UidOf("other", "web"));
  auto trace = store.Get("old");
  REQUIRE(trace);
  CHECK(trace->ns == "default");
  CHECK(trace->name == "web");
}

TEST_CASE("beyond max_spans in all, the pods first traced are evicted") {
  TraceStore store(Limits(10, 10, 5));
  store.Add({MakeSpan("u1", 1), MakeSpan("u1", 2), MakeSpan("u1", 3)});
  store.Add({MakeSpan("u2", 4), MakeSpan("u2", 5)});
  CHECK(store.pods() == 2);
  store.Add(MakeSpan("u3", 6));
  CHECK(store.pods() == 2);
  CHECK_FALSE(store.Get("u1"));
  CHECK(store.Get("u3"));
}

TEST_CASE("a pod keeps at most max_spans_per_pod spans and counts the rest") {
  TraceStore store(Limits(10, 3));
  for (int i = 0; i < 5; ++i) store.Add(MakeSpan("u", i));
  auto trace = store.Get("u");
  REQUIRE(trace);
  CHECK(trace->spans.size() == 3);
  CHECK(trace->dropped == 2);
}

}  // namespace
}  // namespace pk::trace
