// Turns an exception escaping a handler into a 500 Status, as Kubernetes' WithPanicRecovery
// turns a panic: one bad request must never take the server down.
#include <fmt/format.h>

#include <exception>

#include "apimachinery/log.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithPanicRecovery(Handler next) {
  return [next = std::move(next)](Request& request) -> Response {
    std::string what;
    try {
      return next(request);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "unknown exception";
    }
    pk::Logf("apiserver: recovered from \"%s\" serving %s %s\n", what.c_str(),
             request.method.c_str(), request.path.c_str());
    return ErrorResponse(Status::InternalError(fmt::format(
        "an error on the server (\"{}\") has prevented the request from succeeding", what)));
  };
}

}  // namespace pk::apiserver::filters
