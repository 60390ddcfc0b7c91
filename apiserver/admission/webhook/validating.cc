// ValidatingAdmissionWebhook (k8s.io/apiserver/pkg/admission/plugin/webhook/validating,
// v1.32): every matching webhook may refuse the request. As in Kubernetes, the matching
// webhooks are called in parallel (a request waits for the slowest, not for their sum); a
// matching error stops the request before any call. Of several refusals, Kubernetes returns
// whichever reached its channel first; here the first in configuration order, so the answer
// does not depend on timing.
#include <future>

#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

// One webhook's verdict: OK, its refusal, or its failure under its failurePolicy.
Status Verdict(const Hook& hook, const Attributes& a) {
  CallResult result = CallHook(hook, a, /*mutating=*/false);
  if (!result.status.ok()) return result.status;
  if (result.failure) return hook.fail_open ? Status() : FailureStatus(*result.failure);
  if (!result.response->allowed) return DenialStatus(hook.name, *result.response);
  return Status();
}

class ValidatingWebhook : public Plugin {
 public:
  explicit ValidatingWebhook(storage::Store* store)
      : store_(store), source_(store, "validatingwebhookconfigurations") {}
  std::string_view Name() const override { return "ValidatingAdmissionWebhook"; }

  Status Validate(const Attributes& a) override {
    if (IsExemptConfigurationResource(a)) return Status();
    auto hooks = source_.Hooks();
    std::vector<const Hook*> relevant;
    for (const Hook& hook : *hooks) {
      auto should = ShouldCallHook(hook, a, store_);
      if (!should.ok()) return should.take_status();
      if (*should) relevant.push_back(&hook);
    }
    if (relevant.size() == 1) return Verdict(*relevant[0], a);
    std::vector<std::future<Status>> verdicts;
    for (const Hook* hook : relevant) {
      verdicts.push_back(std::async(std::launch::async, [hook, &a] { return Verdict(*hook, a); }));
    }
    Status first;
    for (auto& verdict : verdicts) {
      Status s = verdict.get();
      if (first.ok() && !s.ok()) first = std::move(s);
    }
    return first;
  }

 private:
  storage::Store* store_;
  Source source_;
};

}  // namespace

std::unique_ptr<Plugin> NewValidatingWebhook(storage::Store* store) {
  return std::make_unique<ValidatingWebhook>(store);
}

}  // namespace pk::admission::webhook
