// Kubernetes' WithRetryAfter (k8s.io/apiserver/pkg/server/filters/with_retry_after.go), on
// with --shutdown-send-retry-after: once graceful shutdown refuses new requests, they are
// answered 429 "The apiserver is shutting down, please try again later." (plain text) with
// Retry-After: 5 and Connection: close, rather than the wait group's 503; the same requests
// are exempt (health probes, metrics, the apiserver's own loopback client).
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {

bool ExemptFromRetryAfter(const Request& request) {
  for (const char* prefix : {"/readyz", "/livez", "/healthz", "/metrics"}) {
    if (request.path.starts_with(prefix)) return true;
  }
  return request.Header("user-agent").starts_with("kube-apiserver/");
}

Handler WithRetryAfter(Handler next, const RequestWaitGroup* wait_group) {
  if (wait_group == nullptr) return next;
  return [next = std::move(next), wait_group](Request& request) -> Response {
    if (!wait_group->shutting_down() || ExemptFromRetryAfter(request)) return next(request);
    Response response;
    response.code = 429;
    response.content_type = "text/plain; charset=utf-8";
    response.headers.emplace_back("Connection", "close");
    response.headers.emplace_back("Retry-After", "5");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.body = "The apiserver is shutting down, please try again later.\n";
    response.error =
        Status::TooManyRequests("The apiserver is shutting down, please try again later.", 5);
    return response;
  };
}

}  // namespace pk::apiserver::filters
