// Slot for authorization (RBAC: the security issue). Without an authorizer every request
// is allowed.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithAuthorization(Handler next, Authorizer authorizer) {
  if (!authorizer) return next;
  return [next = std::move(next), authorizer](Request& request) -> Response {
    Status allowed = authorizer(request);
    if (!allowed.ok()) return ErrorResponse(allowed);
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
