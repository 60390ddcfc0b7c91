// The handler chain: the filters every request passes before the API handler, in the order
// Kubernetes' DefaultBuildHandlerChain applies them (BuildHandlerChain lists them). Each
// filter is a function from the next handler to a handler, in its own file. Transport
// neutral: the REST and gRPC faces both call the chain.
#pragma once

#include <chrono>
#include <functional>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::trace {
class TraceStore;
}  // namespace pk::trace

namespace pk::apiserver::filters {

using Handler = std::function<Response(Request&)>;

// Hook points of the security issue. Unset: the insecure defaults below.
// Who is asking; Unauthorized (401) when credentials are present but wrong.
using Authenticator = std::function<Result<UserInfo>(const Request&)>;
// Whether `user` may do what the request asks; Forbidden (403) when not.
using Authorizer = std::function<Status(const Request&)>;
// Records a request and its response (Kubernetes' audit log).
using AuditSink = std::function<void(const Request&, const Response&)>;

struct ChainOptions {
  int max_requests_in_flight = 400;           // --max-requests-inflight
  int max_mutating_requests_in_flight = 200;  // --max-mutating-requests-inflight
  std::chrono::seconds request_timeout{60};   // --request-timeout
  Authenticator authenticator;  // unset: every request is "system:admin" (insecure serving)
  Authorizer authorizer;        // unset: everything is allowed
  AuditSink audit;              // unset: no audit log
  // Where the pod-flow traces of pod writes go (filters/trace.cc); unset: none.
  trace::TraceStore* traces = nullptr;
};

Handler BuildHandlerChain(Handler api, const ChainOptions& options);

// The filters, outermost first.
Handler WithPanicRecovery(Handler next);
Handler WithRequestInfo(Handler next);
Handler WithTrace(Handler next, trace::TraceStore* traces);
Handler WithMaxInFlight(Handler next, int max_read_only, int max_mutating);
Handler WithTimeout(Handler next, std::chrono::seconds timeout);
Handler WithAuthentication(Handler next, Authenticator authenticator);
Handler WithAudit(Handler next, AuditSink sink);
Handler WithImpersonation(Handler next, Authorizer authorizer);
Handler WithAuthorization(Handler next, Authorizer authorizer);

}  // namespace pk::apiserver::filters
