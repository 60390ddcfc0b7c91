// Admission webhooks: the MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins, as
// Kubernetes runs them (k8s.io/apiserver/pkg/admission/plugin/webhook, v1.32).
//
// Each plugin watches its configurations (MutatingWebhookConfiguration,
// ValidatingWebhookConfiguration) and, for every request, calls the webhooks whose rules,
// namespaceSelector and objectSelector match: it POSTs an admission.k8s.io/v1 AdmissionReview
// (JSON, built with nlohmann-json around the codec's JSON of the objects) over HTTPS to
// clientConfig.url, verifying the server with clientConfig.caBundle, within timeoutSeconds.
// Mutating webhooks run one after another and their JSONPatch responses change the object;
// validating webhooks run in parallel (the first refusal in configuration order wins). A
// refusal is
// `admission webhook "NAME" denied the request: MESSAGE`; a webhook that cannot be called
// fails the request with 500 under failurePolicy Fail and is skipped under Ignore.
//
// Not here: matchConditions (CEL) are not evaluated (matching webhooks are called), and
// clientConfig.service is refused (picokube services have no network to reach).
#pragma once

#include <google/protobuf/message.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/selectors.h"
#include "apiserver/admission/admission.h"
#include "apiserver/storage/store.h"
#include "proto/admissionregistration/v1/admissionregistration.pb.h"

namespace pk::admission::webhook {

// --- the plugins: register after the built-in plugins of each phase -------------------------

std::unique_ptr<Plugin> NewMutatingWebhook(storage::Store* store);
std::unique_ptr<Plugin> NewValidatingWebhook(storage::Store* store);

// --- one webhook, as both configuration kinds describe it -----------------------------------

struct Hook {
  std::string configuration;  // metadata.name of the configuration that holds it
  std::string name;
  k8s::admissionregistration::v1::WebhookClientConfig client_config;
  std::vector<k8s::admissionregistration::v1::RuleWithOperations> rules;
  bool fail_open = false;  // failurePolicy Ignore
  // The parsed selectors; a selector that does not parse makes every match an internal error.
  LabelSelector namespace_selector;
  LabelSelector object_selector;
  std::string selector_error;
  std::optional<std::string> side_effects;
  int timeout_seconds = 10;
  std::vector<std::string> admission_review_versions;
};

Hook HookOf(const std::string& configuration,
            const k8s::admissionregistration::v1::MutatingWebhook& webhook);
Hook HookOf(const std::string& configuration,
            const k8s::admissionregistration::v1::ValidatingWebhook& webhook);

// --- matching (rules.cc, selectors.cc) ------------------------------------------------------

// rules.Matcher: scope, operation, group, version and resource ("*", "pods/*", "*/status").
bool RuleMatches(const k8s::admissionregistration::v1::RuleWithOperations& rule,
                 const Attributes& attributes);
// Requests for the webhook configurations themselves never go to webhooks
// (rules.IsExemptAdmissionConfigurationResource).
bool IsExemptConfigurationResource(const Attributes& attributes);

// namespace.Matcher.MatchNamespaceSelector: cluster-scoped objects other than namespaces always
// match; a namespace's own create or update matches on its new labels; otherwise the
// namespace's stored labels (a missing namespace is its 404).
Result<bool> MatchNamespaceSelector(const Hook& hook, const Attributes& attributes,
                                    storage::Store* store);
// object.Matcher.MatchObjectSelector: the new or the old object's labels match.
bool MatchObjectSelector(const Hook& hook, const Attributes& attributes);

// generic.Webhook.ShouldCallHook: selectors, then any rule. An error only when the webhook
// would otherwise be called.
Result<bool> ShouldCallHook(const Hook& hook, const Attributes& attributes, storage::Store* store);

// --- AdmissionReview (review.cc) ------------------------------------------------------------

// The admission.k8s.io/v1 AdmissionReview request of `attributes` with `uid`.
std::string BuildReview(const Attributes& attributes, std::string_view uid);

// What a webhook answered (AdmissionResponse), after webhookrequest.VerifyAdmissionResponse.
struct Response {
  bool allowed = false;
  // response.status: code, reason and message of a refusal (unset fields are 0 / "").
  int code = 0;
  std::string reason;
  std::string message;
  std::string patch;  // decoded from base64: a JSON patch document
  std::string patch_type;
  std::vector<std::string> warnings;
  std::vector<std::pair<std::string, std::string>> audit_annotations;
};
// Errors are the verification's text ("expected response.uid=...").
Result<Response> ParseResponse(std::string_view body, std::string_view uid, bool mutating);

// webhookerrors.ToStatusErr: the refusal as the client sees it.
Status DenialStatus(const std::string& hook_name, const Response& response);

// A random version 4 UUID, the review's uid.
std::string NewUid();

// --- the call (client.cc) -------------------------------------------------------------------

// POSTs `body` (application/json) to `url` over HTTPS (HTTP/1.1), verifying the server
// against `ca_bundle` (PEM; empty: the system's roots) and its name against the URL's host,
// all within `timeout`. Returns the response body of a 2xx answer; otherwise an error text as
// Go's HTTP client words it ("dial tcp 127.0.0.1:1: connect: connection refused",
// "context deadline exceeded", "tls: failed to verify certificate: x509: ...").
Result<std::string> PostJson(const std::string& url, const std::string& ca_bundle,
                             const std::string& body, std::chrono::milliseconds timeout);

// The URL the call goes to (clientConfig.url plus the `?timeout=` the REST client adds), or
// why there is none (service references).
Result<std::string> CallUrl(const Hook& hook);

// callHook's failure: `failed calling webhook "NAME": <why>` as an ErrCallingWebhook.
struct CallFailure {
  std::string text;
};
// Calls `hook` for `attributes`: the response, or a failure (the webhook could not be called
// or answered nonsense), or a Status for errors that are not call failures (dry run refused).
struct CallResult {
  std::optional<Response> response;
  std::optional<CallFailure> failure;
  Status status;
};
CallResult CallHook(const Hook& hook, const Attributes& attributes, bool mutating);

// The Status a call failure becomes under failurePolicy Fail (apierrors.NewInternalError).
Status FailureStatus(const CallFailure& failure);

// --- mutation (mutating.cc) -----------------------------------------------------------------

// Applies a webhook's JSON patch to `object` (encoded to JSON, patched, decoded back into the
// same message type). Errors are 500 InternalError, as Kubernetes reports them.
Status ApplyPatch(const std::string& hook_name, std::string_view patch,
                  const Attributes& attributes, google::protobuf::Message* object);

// --- configurations (source.cc) -------------------------------------------------------------

// The webhooks of one configuration resource, kept current by a watch over the store (as
// Kubernetes' informer): a new configuration takes effect as soon as its event arrives.
class Source {
 public:
  // `resource`: "mutatingwebhookconfigurations" or "validatingwebhookconfigurations".
  Source(storage::Store* store, std::string resource);
  ~Source();  // stops the watch
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // The webhooks, configurations sorted by name, each configuration's webhooks in order.
  std::shared_ptr<const std::vector<Hook>> Hooks() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace pk::admission::webhook
