// Slot for authorization (RBAC: the security issue). Without an authorizer every request
// is allowed.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"
#include "trace/request_trace.h"

namespace pk::apiserver::filters {

Handler WithAuthorization(Handler next, Authorizer authorizer) {
  return [next = std::move(next), authorizer](Request& request) -> Response {
    trace::ScopedStep step("authorization");
    if (!authorizer) {
      if (step.active()) step.set_detail("allowed (no authorizer: everything is)");
      step.End();
      return next(request);
    }
    Status allowed = authorizer(request);
    if (step.active()) {
      step.set_detail(allowed.ok() ? "allowed" : "denied: " + allowed.message());
    }
    step.End();
    if (!allowed.ok()) return ErrorResponse(allowed);
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
