#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

// Built inside out: the last wrapped filter runs first. Read bottom-up for the request's
// path: panic recovery -> request info -> trace -> max-in-flight -> timeout -> authentication ->
// audit -> impersonation -> authorization -> API.
Handler BuildHandlerChain(Handler api, const ChainOptions& options) {
  Handler h = std::move(api);
  h = WithAuthorization(std::move(h), options.authorizer);
  h = WithImpersonation(std::move(h), options.authorizer);
  h = WithAudit(std::move(h), options.audit);
  h = WithAuthentication(std::move(h), options.authenticator);
  h = WithTimeout(std::move(h), options.request_timeout);
  h = WithMaxInFlight(std::move(h), options.max_requests_in_flight,
                      options.max_mutating_requests_in_flight);
  h = WithTrace(std::move(h), options.traces);
  h = WithRequestInfo(std::move(h));
  h = WithPanicRecovery(std::move(h));
  return h;
}

}  // namespace pk::apiserver::filters
