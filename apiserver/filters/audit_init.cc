// Kubernetes' WithAuditInit (with WithRequestReceivedTimestamp): every request gets an audit
// ID -- the client's Audit-ID header, else a new UUID -- echoed in the Audit-Id response
// header whether or not the audit log is on, and the time it arrived.
#include "apiserver/filters/chain.h"
#include "apiserver/registry/names.h"

namespace pk::apiserver::filters {

Handler WithAuditInit(Handler next) {
  return [next = std::move(next)](Request& request) -> Response {
    request.received = std::chrono::system_clock::now();
    request.audit_id = request.Header("audit-id");
    if (request.audit_id.empty()) request.audit_id = registry::NewUid();
    Response response = next(request);
    bool has = false;
    for (const auto& [name, value] : response.headers) has |= name == "Audit-Id";
    if (!has) response.headers.emplace_back("Audit-Id", request.audit_id);
    return response;
  };
}

}  // namespace pk::apiserver::filters
