// Slot for the audit log: the sink sees each request with its response.
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

Handler WithAudit(Handler next, AuditSink sink) {
  if (!sink) return next;
  return [next = std::move(next), sink](Request& request) -> Response {
    Response response = next(request);
    sink(request, response);
    return response;
  };
}

}  // namespace pk::apiserver::filters
