// Gives every non-long-running request a deadline: the server's --request-timeout, or the
// client's shorter ?timeout=. Handlers are synchronous and are not abandoned midway (that
// could leave a write committed but unanswered), so the deadline is checked when the handler
// returns: a read that overran answers 504 Timeout, as Kubernetes does -- its client has
// given up waiting. A write that overran still reports what it did.
#include "apimachinery/time.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithTimeout(Handler next, std::chrono::seconds timeout) {
  return [next = std::move(next), timeout](Request& request) -> Response {
    if (IsLongRunning(request)) return next(request);
    std::chrono::nanoseconds limit = timeout;
    if (auto client = request.Query("timeout"); client && !client->empty()) {
      auto parsed = ParseGoDuration(*client);
      if (!parsed.ok()) return ErrorResponse(parsed.status());
      if (*parsed > 0 && std::chrono::nanoseconds(*parsed) < limit) {
        limit = std::chrono::nanoseconds(*parsed);
      }
    }
    request.deadline = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(limit);
    Response response = next(request);
    const std::string& verb = request.info.verb;
    bool read = verb == "get" || verb == "list";
    if (read && std::chrono::steady_clock::now() > request.deadline) {
      // WithTimeoutForNonLongRunningRequests' answer (apierrors.NewTimeoutError).
      return ErrorResponse(
          Status::Timeout("Timeout: request did not complete within the allotted timeout"));
    }
    return response;
  };
}

}  // namespace pk::apiserver::filters
