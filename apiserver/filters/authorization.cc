// Authorization (Kubernetes' WithAuthorization). Without an authorizer every request is
// allowed (as --authorization-mode=AlwaysAllow). The decision and the authorizer's reason are
// left on the request for its audit event: authorization.k8s.io/decision "allow" or
// "forbid", authorization.k8s.io/reason.
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"
#include "trace/request_trace.h"

namespace pk::apiserver::filters {
namespace {

constexpr const char* kDecision = "authorization.k8s.io/decision";
constexpr const char* kReason = "authorization.k8s.io/reason";

}  // namespace

Handler WithAuthorization(Handler next, Authorizer authorizer) {
  return [next = std::move(next), authorizer](Request& request) -> Response {
    trace::ScopedStep step("authorization");
    if (!authorizer) {
      if (step.active()) step.set_detail("allowed (no authorizer: everything is)");
      step.End();
      request.audit_annotations[kDecision] = "allow";
      request.audit_annotations[kReason] = "";
      return next(request);
    }
    std::string reason;
    Status allowed = authorizer(request, &reason);
    request.audit_annotations[kDecision] = allowed.ok() ? "allow" : "forbid";
    request.audit_annotations[kReason] = reason;
    if (step.active()) {
      step.set_detail(allowed.ok() ? "allowed" : "denied: " + allowed.message());
    }
    step.End();
    if (!allowed.ok()) return ErrorResponse(allowed);
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
