// Opens the pod-flow trace of a request that writes a pod (create, update, patch, delete,
// status, binding) on either face: the request's steps are timed into a RequestTrace bound
// to the request (Request::trace) and to the thread serving it, so the filters after this
// one, admission, the registry and the store (tracing::NewTracedStore) add their spans. When
// the answer is ready the spans go to the TraceStore under the pod's UID -- known only after
// a create's store write, hence the buffering. Other requests pass through untouched.
#include <fmt/format.h>

#include "apiserver/filters/chain.h"
#include "trace/request_trace.h"
#include "trace/store.h"

namespace pk::apiserver::filters {
namespace {

bool WritesPod(const RequestInfo& info) {
  if (!info.is_resource_request || !info.api_group.empty()) return false;
  const std::string& v = info.verb;
  if (info.resource == "bindings") return v == "create";
  if (info.resource != "pods") return false;
  if (info.subresource.empty()) {
    return v == "create" || v == "update" || v == "patch" || v == "delete";
  }
  if (info.subresource == "status") return v == "update" || v == "patch";
  return info.subresource == "binding" && v == "create";
}

// The caller as its user agent names it: "kubectl" of "kubectl/v1.30.0 (linux/amd64) ...".
// gRPC's own agent ("grpc-c++/1.51") names no process.
std::string ClientOf(const Request& request) {
  std::string agent = request.Header("user-agent");
  std::string first = agent.substr(0, agent.find_first_of("/ "));
  return first.starts_with("grpc-") ? "" : first;
}

std::string Received(const Request& request) {
  std::string agent = request.Header("user-agent");
  return fmt::format("{} {} via {}{}", request.method, request.path,
                     request.typed ? "gRPC" : "REST",
                     agent.empty() ? "" : fmt::format(", user agent \"{}\"", agent));
}

std::string Answered(const Response& response) {
  if (response.error.ok()) return std::to_string(response.code);
  return fmt::format("{} {}: {}", response.error.code(), ReasonName(response.error.reason()),
                     response.error.message());
}

// Clears Request::trace however the handler leaves (an exception included).
struct Attach {
  Attach(Request& request, trace::RequestTrace* t) : request(request), bind(t) {
    request.trace = t;
  }
  ~Attach() { request.trace = nullptr; }
  Request& request;
  trace::RequestTrace::Bind bind;
};

Response Traced(const Handler& next, trace::TraceStore& traces, Request& request) {
  trace::RequestTrace spans(trace::kApiserver);
  int64_t start = trace::NowUnixNano();
  spans.Add(trace::kRequestReceived, start, 0, Received(request)).set_client(ClientOf(request));
  Response response;
  {
    Attach attach(request, &spans);
    response = next(request);
  }
  int64_t from = std::max(start, spans.last_end());
  spans.Add("response", from, trace::NowUnixNano() - from, Answered(response));
  const RequestInfo& info = request.info;
  if (!spans.has_pod() && !info.name.empty()) {
    // No pod written (a refused binding or update): the pod's trace, if it has one.
    if (auto uid = traces.UidOf(info.ns, info.name)) spans.SetPod(*uid, info.ns, info.name);
  }
  if (spans.has_pod()) traces.Add(spans.Take());
  return response;
}

}  // namespace

Handler WithTrace(Handler next, trace::TraceStore* traces) {
  if (traces == nullptr) return next;
  return [next = std::move(next), traces](Request& request) -> Response {
    if (!WritesPod(request.info)) return next(request);
    return Traced(next, *traces, request);
  };
}

}  // namespace pk::apiserver::filters
