// Slot for impersonation (Impersonate-User / Impersonate-Group headers). Until authorization
// exists to check who may impersonate whom, such requests are refused rather than honoured
// or silently ignored.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithImpersonation(Handler next) {
  return [next = std::move(next)](Request& request) -> Response {
    if (!request.Header("impersonate-user").empty() ||
        !request.Header("impersonate-group").empty()) {
      return ErrorResponse(Status::Forbidden("impersonation is not supported by this server yet"));
    }
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
