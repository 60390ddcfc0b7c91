// Gives every non-long-running request a deadline: the server's --request-timeout, or the
// client's shorter ?timeout=. Handlers are synchronous, so the deadline is honoured where a
// request waits (for a resourceVersion, in the store) rather than by abandoning a request
// midway -- which could acknowledge nothing yet commit a write.
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
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
