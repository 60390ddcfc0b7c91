// The handler chain: the filters every request passes before the API handler, in the order
// Kubernetes' DefaultBuildHandlerChain applies them (BuildHandlerChain lists them). Each
// filter is a function from the next handler to a handler, in its own file. Transport
// neutral: the REST and gRPC faces both call the chain.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::trace {
class TraceStore;
}  // namespace pk::trace
namespace pk::apiserver::audit {
class Auditor;
}  // namespace pk::apiserver::audit

namespace pk::apiserver::filters {

using Handler = std::function<Response(Request&)>;

// Hook points of the security issue. Unset: the insecure defaults below.
// Who is asking; Unauthorized (401) when credentials are present but wrong.
using Authenticator = std::function<Result<UserInfo>(const Request&)>;
// Whether `user` may do what the request asks; Forbidden (403) when not. `reason`, when not
// null, receives the authorizer's reason (the audit annotation authorization.k8s.io/reason).
using Authorizer = std::function<Status(const Request&, std::string* reason)>;
// Answers a request whose credentials were refused with `status` (Kubernetes' failed
// handler: 401 Unauthorized, audited by WithFailedAuthenticationAudit).
using FailedAuthentication = std::function<Response(Request&, const Status&)>;

// Kubernetes' SafeWaitGroup over the non-long-running requests in flight, for graceful
// shutdown: once Wait starts, Add refuses and Wait returns when the last one is Done.
class RequestWaitGroup {
 public:
  bool Add();  // false once shutting down (Wait called)
  void Done();
  // Refuses new requests from now on and waits until none is in flight (true) or `deadline`
  // passes (false).
  bool Wait(std::chrono::steady_clock::time_point deadline);
  bool shutting_down() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable idle_;
  int64_t count_ = 0;
  bool waiting_ = false;
};

struct ChainOptions {
  int max_requests_in_flight = 400;           // --max-requests-inflight (0: no limit)
  int max_mutating_requests_in_flight = 200;  // --max-mutating-requests-inflight (0: no limit)
  std::chrono::seconds request_timeout{60};   // --request-timeout
  Authenticator authenticator;        // unset: every request is "system:admin" (insecure serving)
  Authorizer authorizer;              // unset: everything is allowed
  audit::Auditor* auditor = nullptr;  // unset: no audit log
  // --cors-allowed-origins: regular expressions an Origin must match (unanchored, as Go's
  // MatchString); empty: no CORS headers at all.
  std::vector<std::string> cors_allowed_origins;
  // Counts the requests graceful shutdown waits for; unset: none counted.
  RequestWaitGroup* wait_group = nullptr;
  // --shutdown-send-retry-after: during shutdown answer 429 with Retry-After: 5 and
  // Connection: close (WithRetryAfter) instead of the wait group's 503.
  bool shutdown_send_retry_after = false;
  // Where the pod-flow traces of pod writes go (filters/trace.cc); unset: none.
  trace::TraceStore* traces = nullptr;
};

Handler BuildHandlerChain(Handler api, const ChainOptions& options);

// kube-apiserver's validation of --cors-allowed-origins: each value compiles and pins the
// start ('^' or '//') and end ('$' or ':') of the host (CVE-2022-1996).
Status ValidateCorsAllowedOrigins(const std::vector<std::string>& origins);

// The filters, outermost first.
Handler WithAuditInit(Handler next);
Handler WithPanicRecovery(Handler next);
Handler WithRequestInfo(Handler next);
Handler WithRetryAfter(Handler next, const RequestWaitGroup* wait_group);
Handler WithWaitGroup(Handler next, RequestWaitGroup* wait_group);
Handler WithTrace(Handler next, trace::TraceStore* traces);
Handler WithTimeout(Handler next, std::chrono::seconds timeout);
Handler WithCORS(Handler next, const std::vector<std::string>& allowed_origins);
Handler WithAuthentication(Handler next, Authenticator authenticator,
                           FailedAuthentication failed = {});
Handler WithAudit(Handler next, audit::Auditor* auditor);
Handler WithImpersonation(Handler next, Authorizer authorizer);
Handler WithMaxInFlight(Handler next, int max_read_only, int max_mutating);
Handler WithAuthorization(Handler next, Authorizer authorizer);

// isRequestExemptFromRetryAfter: health probes, metrics and the apiserver's own loopback
// client are served during shutdown. WithRetryAfter and WithWaitGroup must agree on it, or
// the shutdown could wait for requests it refused.
bool ExemptFromRetryAfter(const Request& request);

// The failed-authentication handler: the 401, audited at stage ResponseStarted as
// Kubernetes' WithFailedAuthenticationAudit does (when `auditor` is set).
FailedAuthentication WithFailedAuthenticationAudit(audit::Auditor* auditor);

}  // namespace pk::apiserver::filters
