#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

// Built inside out: the last wrapped filter runs first. Read bottom-up for the request's
// path, which is Kubernetes' DefaultBuildHandlerChain's: audit init -> panic recovery ->
// request info -> retry-after (--shutdown-send-retry-after) -> wait group -> trace (picokube's) ->
// timeout -> CORS -> authentication -> audit -> impersonation -> max-in-flight -> authorization ->
// API.
Handler BuildHandlerChain(Handler api, const ChainOptions& options) {
  Handler h = std::move(api);
  h = WithAuthorization(std::move(h), options.authorizer);
  h = WithMaxInFlight(std::move(h), options.max_requests_in_flight,
                      options.max_mutating_requests_in_flight);
  h = WithImpersonation(std::move(h), options.authorizer);
  h = WithAudit(std::move(h), options.auditor);
  h = WithAuthentication(std::move(h), options.authenticator,
                         WithFailedAuthenticationAudit(options.auditor));
  h = WithCORS(std::move(h), options.cors_allowed_origins);
  h = WithTimeout(std::move(h), options.request_timeout);
  h = WithTrace(std::move(h), options.traces);
  h = WithWaitGroup(std::move(h), options.wait_group);
  if (options.shutdown_send_retry_after) h = WithRetryAfter(std::move(h), options.wait_group);
  h = WithRequestInfo(std::move(h));
  h = WithPanicRecovery(std::move(h));
  h = WithAuditInit(std::move(h));
  return h;
}

}  // namespace pk::apiserver::filters
