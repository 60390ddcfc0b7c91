// One webhook invocation, the part both dispatchers share (callHook in
// k8s.io/apiserver/pkg/admission/plugin/webhook/{mutating,validating}/dispatcher.go, v1.32):
// the dry-run rule, the review, the POST, and the verification of the answer.
#include <fmt/format.h>

#include "apimachinery/validation.h"
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

CallFailure Failed(const Hook& hook, std::string_view why) {
  return {fmt::format("failed calling webhook {}: {}", validation::GoQuote(hook.name), why)};
}

bool AcceptsV1(const Hook& hook) {
  for (const std::string& v : hook.admission_review_versions) {
    if (v == "v1") return true;
  }
  return false;
}

}  // namespace

CallResult CallHook(const Hook& hook, const Attributes& attributes, bool mutating) {
  CallResult result;
  if (attributes.dry_run) {
    if (!hook.side_effects) {
      result.failure = Failed(hook, "Webhook SideEffects is nil");
      return result;
    }
    if (*hook.side_effects != "None" && *hook.side_effects != "NoneOnDryRun") {
      // webhookerrors.NewDryRunUnsupportedErr: not a call failure, so no failurePolicy.
      result.status = Status::BadRequest(fmt::format(
          "admission webhook {} does not support dry run", validation::GoQuote(hook.name)));
      return result;
    }
  }
  if (!AcceptsV1(hook)) {
    // Only admission.k8s.io/v1 reviews are sent (v1beta1 is the one other version).
    result.failure = Failed(hook, "webhook does not accept v1 AdmissionReview");
    return result;
  }
  auto url = CallUrl(hook);
  if (!url.ok()) {
    result.failure = Failed(hook, "failed to call webhook: " + url.status().message());
    return result;
  }
  const std::string uid = NewUid();
  auto body = PostJson(*url, hook.client_config.ca_bundle(), BuildReview(attributes, uid),
                       std::chrono::seconds(hook.timeout_seconds));
  if (!body.ok()) {
    result.failure = Failed(hook, "failed to call webhook: " + body.status().message());
    return result;
  }
  auto response = ParseResponse(*body, uid, mutating);
  if (!response.ok()) {
    result.failure = Failed(hook, response.status().message());
    return result;
  }
  result.response = std::move(response).value();
  return result;
}

Status FailureStatus(const CallFailure& failure) {
  Status s = Status::InternalError("Internal error occurred: " + failure.text);
  s.mutable_details().causes.push_back({"", failure.text, ""});
  return s;
}

}  // namespace pk::admission::webhook
