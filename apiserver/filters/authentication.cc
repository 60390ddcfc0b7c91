// Slot for authentication (tokens, client certificates: the security issue). Without an
// authenticator the server is insecure and every request acts as an administrator.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"
#include "trace/request_trace.h"

namespace pk::apiserver::filters {

Handler WithAuthentication(Handler next, Authenticator authenticator, FailedAuthentication failed) {
  return [next = std::move(next), authenticator, failed](Request& request) -> Response {
    trace::ScopedStep step("authentication");
    if (!authenticator) {
      request.user = {"system:admin", "", {"system:masters", "system:authenticated"}};
      if (step.active()) step.set_detail("user system:admin (no authenticator: insecure)");
      step.End();
      return next(request);
    }
    auto user = authenticator(request);
    if (!user.ok()) {
      if (step.active()) step.set_detail("rejected: " + user.status().message());
      return failed ? failed(request, user.status()) : ErrorResponse(user.status());
    }
    request.user = std::move(user).value();
    if (step.active()) step.set_detail("user " + request.user.name);
    step.End();
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
