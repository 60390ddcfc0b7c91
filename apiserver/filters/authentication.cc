// Slot for authentication (tokens, client certificates: the security issue). Without an
// authenticator the server is insecure and every request acts as an administrator.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithAuthentication(Handler next, Authenticator authenticator) {
  return [next = std::move(next), authenticator](Request& request) -> Response {
    if (!authenticator) {
      request.user = {"system:admin", "", {"system:masters", "system:authenticated"}};
      return next(request);
    }
    auto user = authenticator(request);
    if (!user.ok()) return ErrorResponse(user.status());
    request.user = std::move(user).value();
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
