#include <fmt/format.h>

#include "apimachinery/object.h"
#include "apiserver/storage/forwarding_store.h"
#include "apiserver/tracing/tracing.h"
#include "trace/request_trace.h"

namespace pk::apiserver::tracing {
namespace {

using storage::ObjectPtr;

// Only pod writes of traced requests pay for more than one thread-local read.
trace::RequestTrace* TraceOf(const std::string& key) {
  trace::RequestTrace* t = trace::RequestTrace::Current();
  return t != nullptr && key.starts_with("/registry/pods/") ? t : nullptr;
}

// The span starts when the object was ready: a read-modify-write runs admission and
// validation inside the store call, and those have their own spans.
void RecordWrite(trace::RequestTrace* t, int64_t start, const Result<ObjectPtr>& result,
                 std::string_view operation) {
  int64_t from = std::max(start, t->last_end());
  std::string detail;
  if (result.ok()) {
    const auto* meta = GetObjectMeta(**result);
    t->SetPod(meta->uid(), meta->namespace_(), meta->name());
    detail = fmt::format("{}, revision {}", operation, meta->resource_version());
  } else {
    detail = fmt::format("{} failed: {}", operation, result.status().message());
  }
  t->Add("store write", from, trace::NowUnixNano() - from, std::move(detail));
}

class TracedStore final : public storage::ForwardingStore {
 public:
  explicit TracedStore(std::unique_ptr<storage::Store> store) : ForwardingStore(std::move(store)) {}

  Result<ObjectPtr> Create(const std::string& key, std::unique_ptr<google::protobuf::Message> o,
                           const storage::WriteOptions& options) override {
    trace::RequestTrace* t = TraceOf(key);
    if (t == nullptr) return inner().Create(key, std::move(o), options);
    int64_t start = trace::NowUnixNano();
    auto result = inner().Create(key, std::move(o), options);
    RecordWrite(t, start, result, "create");
    return result;
  }
  Result<ObjectPtr> GuaranteedUpdate(const std::string& key, const storage::Preconditions& p,
                                     const UpdateFunc& update, bool create_if_missing,
                                     const storage::WriteOptions& options) override {
    trace::RequestTrace* t = TraceOf(key);
    if (t == nullptr) return inner().GuaranteedUpdate(key, p, update, create_if_missing, options);
    int64_t start = trace::NowUnixNano();
    auto result = inner().GuaranteedUpdate(key, p, update, create_if_missing, options);
    RecordWrite(t, start, result, "update");
    return result;
  }
  Result<ObjectPtr> Delete(const std::string& key, const storage::Preconditions& p) override {
    trace::RequestTrace* t = TraceOf(key);
    if (t == nullptr) return inner().Delete(key, p);
    int64_t start = trace::NowUnixNano();
    auto result = inner().Delete(key, p);
    RecordWrite(t, start, result, "delete");
    return result;
  }
};

}  // namespace

std::unique_ptr<storage::Store> NewTracedStore(std::unique_ptr<storage::Store> store) {
  return std::make_unique<TracedStore>(std::move(store));
}

}  // namespace pk::apiserver::tracing
