// The apiserver's part of the pod-flow trace (trace/): a store that records each pod write
// into the request's trace, and the page that serves a pod's trace. The filter that opens a
// request's trace is filters::WithTrace (filters/trace.cc).
#pragma once

#include <functional>
#include <memory>

#include "apiserver/endpoints/request.h"
#include "apiserver/storage/store.h"
#include "trace/store.h"

namespace pk::apiserver::tracing {

// Wraps `store`: a write of a pod made while the thread serves a traced request
// (trace::RequestTrace::Current()) adds a "store write" span with the revision, and names the
// pod the request is about (a create learns the UID only here). Everything else passes through.
std::unique_ptr<storage::Store> NewTracedStore(std::unique_ptr<storage::Store> store);

// GET /debug/picokube/traces/NAMESPACE/POD[?format=json|text|svg][&uid=UID]: the pod's trace.
// The name resolves to the live pod's UID through `store`, else to the UID last traced under
// that name (a deleted pod).
// POST /debug/picokube/traces with a typed picokube.trace.v1.RecordRequest (the gRPC
// TraceService's calls, grpc/trace_service.h): the components' spans, kept in `traces`; the
// answer is a typed RecordResponse. Behind the chain like any request, so only callers RBAC
// allows to post there (bootstrap role picokube:trace-recorder) add spans.
// Errors are Kubernetes Status objects. Other paths go to `next`. `traces` (null: tracing is
// off, 404) and `store` must outlive the handler.
std::function<Response(Request&)> WithTraceEndpoint(std::function<Response(Request&)> next,
                                                    trace::TraceStore* traces,
                                                    storage::Store* store);

inline constexpr std::string_view kTraceRecordPath = "/debug/picokube/traces";
inline constexpr std::string_view kTracePathPrefix = "/debug/picokube/traces/";

}  // namespace pk::apiserver::tracing
