#include <fmt/format.h>

#include "apimachinery/object.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/tracing/tracing.h"
#include "proto/trace/v1/trace.pb.h"
#include "trace/render.h"

namespace pk::apiserver::tracing {
namespace {

Response NotFound(std::string message) {
  return ErrorResponse(Status(Reason::kNotFound, std::move(message)));
}

Response Body(std::string content_type, std::string body) {
  Response r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

// "NAMESPACE/POD" after the prefix, both non-empty and one segment each.
bool SplitName(std::string_view rest, std::string* ns, std::string* name) {
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return false;
  if (rest.find('/', slash + 1) != std::string_view::npos) return false;
  *ns = rest.substr(0, slash);
  *name = rest.substr(slash + 1);
  return true;
}

// The live pod's UID, else the UID last traced under the name (a deleted pod), else "".
std::string ResolveUid(const trace::TraceStore& traces, storage::Store& store,
                       const std::string& ns, const std::string& name, bool* live) {
  auto pod = store.Get(storage::ObjectKey("pods", ns, name));
  *live = pod.ok();
  if (pod.ok() && traces.Get(GetObjectMeta(**pod)->uid())) return GetObjectMeta(**pod)->uid();
  if (auto uid = traces.UidOf(ns, name)) return *uid;
  return pod.ok() ? GetObjectMeta(**pod)->uid() : "";
}

Response Serve(const Request& request, const trace::TraceStore& traces, storage::Store& store) {
  std::string ns, name;
  std::string_view rest = std::string_view(request.path).substr(kTracePathPrefix.size());
  if (!SplitName(rest, &ns, &name)) {
    return NotFound(fmt::format("no trace at {}: the path of a pod's trace is {}NAMESPACE/POD",
                                request.path, kTracePathPrefix));
  }
  if (request.method != "GET") {
    return ErrorResponse(Status::MethodNotAllowed("a trace can only be read (GET)"));
  }
  std::string format = request.QueryOr("format", "json");
  if (format != "json" && format != "text" && format != "svg") {
    return ErrorResponse(Status::BadRequest(
        fmt::format("unknown format \"{}\": use format=json, text or svg", format)));
  }
  bool live = false;
  std::string uid = request.QueryOr("uid", "");
  if (uid.empty()) uid = ResolveUid(traces, store, ns, name, &live);
  auto trace = uid.empty() ? std::nullopt : traces.Get(uid);
  if (!trace) {
    if (!live && uid.empty()) {
      return NotFound(fmt::format(
          "no pod \"{}\" in namespace \"{}\" and no trace of a deleted one: check the pod's "
          "name and namespace (kubectl get pods -n {})",
          name, ns, ns));
    }
    return NotFound(fmt::format(
        "pod \"{}\" in namespace \"{}\" (uid {}) has no trace: the apiserver traces pods written "
        "since it started and keeps the most recent ones",
        name, ns, uid));
  }
  if (format == "text") return Body("text/plain; charset=utf-8", trace::RenderText(*trace));
  if (format == "svg") return Body("image/svg+xml", trace::RenderSvg(trace->spans));
  return Body("application/json", trace::RenderJson(*trace));
}

// A component's spans, from the gRPC TraceService (the only face that sends them typed).
Response Record(const Request& request, trace::TraceStore& traces) {
  using picokube::trace::v1::RecordRequest;
  if (request.method != "POST") {
    return ErrorResponse(Status::MethodNotAllowed(
        fmt::format("{} only takes spans (POST); a pod's trace is at {}NAMESPACE/POD",
                    kTraceRecordPath, kTracePathPrefix)));
  }
  const auto* in = dynamic_cast<const RecordRequest*>(request.object.get());
  if (!request.typed || in == nullptr) {
    return ErrorResponse(Status::BadRequest(
        "spans are sent over gRPC: picokube.trace.v1.TraceService/Record on the apiserver's "
        "gRPC port"));
  }
  std::vector<trace::Span> spans(in->spans().begin(), in->spans().end());
  auto out = std::make_shared<picokube::trace::v1::RecordResponse>();
  out->set_accepted(static_cast<int32_t>(traces.Add(spans)));
  Response response;
  response.object = std::move(out);
  return response;
}

}  // namespace

std::function<Response(Request&)> WithTraceEndpoint(std::function<Response(Request&)> next,
                                                    trace::TraceStore* traces,
                                                    storage::Store* store) {
  return [next = std::move(next), traces, store](Request& request) -> Response {
    bool record = request.path == kTraceRecordPath;
    if (request.info.is_resource_request ||
        (!record && !request.path.starts_with(kTracePathPrefix))) {
      return next(request);
    }
    if (traces == nullptr) {
      return NotFound("pod-flow tracing is off: start the apiserver with --trace-pods N (N > 0)");
    }
    return record ? Record(request, *traces) : Serve(request, *traces, *store);
  };
}

}  // namespace pk::apiserver::tracing
