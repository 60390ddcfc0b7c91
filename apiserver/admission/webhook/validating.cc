// ValidatingAdmissionWebhook (k8s.io/apiserver/pkg/admission/plugin/webhook/validating,
// v1.32): every matching webhook may refuse the request. Kubernetes calls them in parallel and
// returns one of the refusals; here they are called in configuration order and the first
// refusal is returned (the same outcome whenever at most one webhook refuses).
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

class ValidatingWebhook : public Plugin {
 public:
  explicit ValidatingWebhook(storage::Store* store)
      : store_(store), source_(store, "validatingwebhookconfigurations") {}
  std::string_view Name() const override { return "ValidatingAdmissionWebhook"; }

  Status Validate(const Attributes& a) override {
    if (IsExemptConfigurationResource(a)) return Status();
    auto hooks = source_.Hooks();
    for (const Hook& hook : *hooks) {
      auto should = ShouldCallHook(hook, a, store_);
      if (!should.ok()) return should.take_status();
      if (!*should) continue;
      CallResult result = CallHook(hook, a, /*mutating=*/false);
      if (!result.status.ok()) return result.status;
      if (result.failure) {
        if (hook.fail_open) continue;
        return FailureStatus(*result.failure);
      }
      if (!result.response->allowed) return DenialStatus(hook.name, *result.response);
    }
    return Status();
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
