// MutatingWebhookConfiguration and ValidatingWebhookConfiguration strategies
// (pkg/apis/admissionregistration/v1/defaults.go and validation/validation.go, v1.32). Both
// webhook kinds share every rule but the mutating one's reinvocationPolicy, so the rules are
// templates over the webhook message.
#include <algorithm>
#include <set>

#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/admissionregistration/v1/admissionregistration.pb.h"

namespace pk::registry {
namespace {

namespace arv1 = k8s::admissionregistration::v1;
using validation::GoStringSlice;

const std::vector<std::string> kFailurePolicies = {"Fail", "Ignore"};
const std::vector<std::string> kMatchPolicies = {"Equivalent", "Exact"};
const std::vector<std::string> kNoSideEffects = {"None", "NoneOnDryRun"};
const std::vector<std::string> kAllSideEffects = {"None", "NoneOnDryRun", "Some", "Unknown"};
const std::vector<std::string> kReinvocationPolicies = {"IfNeeded", "Never"};
const std::vector<std::string> kOperations = {"*", "CONNECT", "CREATE", "DELETE", "UPDATE"};
const std::vector<std::string> kScopes = {"*", "Cluster", "Namespaced"};
const std::vector<std::string> kReviewVersions = {"v1", "v1beta1"};

bool In(const std::vector<std::string>& set, const std::string& v) {
  for (const std::string& s : set) {
    if (s == v) return true;
  }
  return false;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

template <class Repeated>
std::vector<std::string> Strings(const Repeated& r) {
  return std::vector<std::string>(r.begin(), r.end());
}

// SetDefaults_Rule and SetDefaults_ServiceReference.
void DefaultRulesAndService(google::protobuf::RepeatedPtrField<arv1::RuleWithOperations>* rules,
                            arv1::WebhookClientConfig* config) {
  for (auto& rule : *rules) {
    if (!rule.has_scope()) rule.set_scope("*");
  }
  if (config->has_service() && !config->service().has_port()) {
    config->mutable_service()->set_port(443);
  }
}

// SetDefaults_ValidatingWebhook (and the shared part of SetDefaults_MutatingWebhook).
template <class Hook>
void DefaultHook(Hook* hook) {
  if (!hook->has_failure_policy()) hook->set_failure_policy("Fail");
  if (!hook->has_match_policy()) hook->set_match_policy("Equivalent");
  if (!hook->has_namespace_selector()) hook->mutable_namespace_selector();
  if (!hook->has_object_selector()) hook->mutable_object_selector();
  if (!hook->has_timeout_seconds()) hook->set_timeout_seconds(10);
  DefaultRulesAndService(hook->mutable_rules(), hook->mutable_client_config());
}

// utilvalidation.IsFullyQualifiedName.
void ValidateFullyQualifiedName(const std::string& path, const std::string& name, Causes* out) {
  if (name.empty()) {
    out->push_back(Required(path));
    return;
  }
  auto errs = validation::IsDNS1123Subdomain(name);
  if (!errs.empty()) {
    std::string joined;
    for (const std::string& e : errs) joined += (joined.empty() ? "" : ",") + e;
    out->push_back(Invalid(path, BadValue::String(name), joined));
    return;
  }
  if (std::count(name.begin(), name.end(), '.') < 2) {
    out->push_back(Invalid(path, BadValue::String(name),
                           "should be a domain with at least three segments separated by dots"));
  }
}

bool HasWildcard(const std::vector<std::string>& v) { return In(v, "*"); }

// validateResources (subresources allowed).
void ValidateResources(const std::vector<std::string>& resources, const std::string& path,
                       Causes* out) {
  if (resources.empty()) out->push_back(Required(path));
  std::set<std::string> wildcard_sub_of, wildcard_res_of;
  bool double_wildcard = false, single_wildcard = false, plain = false;
  for (size_t i = 0; i < resources.size(); ++i) {
    const std::string& rs = resources[i];
    if (rs.empty()) {
      out->push_back(Required(Index(path, i)));
      continue;
    }
    if (rs == "*/*") double_wildcard = true;
    if (rs == "*") single_wildcard = true;
    size_t slash = rs.find('/');
    if (slash == std::string::npos) {
      plain = rs != "*";
      continue;
    }
    std::string res = rs.substr(0, slash), sub = rs.substr(slash + 1);
    if (wildcard_sub_of.count(res)) {
      out->push_back(Invalid(Index(path, i), BadValue::String(rs),
                             "if '" + res + "/*' is present, must not specify " + rs));
    }
    if (wildcard_res_of.count(sub)) {
      out->push_back(Invalid(Index(path, i), BadValue::String(rs),
                             "if '*/" + sub + "' is present, must not specify " + rs));
    }
    if (sub == "*") wildcard_sub_of.insert(res);
    if (res == "*") wildcard_res_of.insert(sub);
  }
  const BadValue all = BadValue::Raw(GoStringSlice(resources));
  if (resources.size() > 1 && double_wildcard) {
    out->push_back(Invalid(path, all, "if '*/*' is present, must not specify other resources"));
  }
  if (single_wildcard && plain) {
    out->push_back(Invalid(
        path, all, "if '*' is present, must not specify other resources without subresources"));
  }
}

// validateRuleWithOperations and validateRule.
void ValidateRule(const arv1::RuleWithOperations& rule, const std::string& path, Causes* out) {
  auto ops = Strings(rule.operations());
  if (ops.empty()) out->push_back(Required(path + ".operations"));
  if (ops.size() > 1 && HasWildcard(ops)) {
    out->push_back(Invalid(path + ".operations", BadValue::Raw(GoStringSlice(ops)),
                           "if '*' is present, must not specify other operations"));
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (!In(kOperations, ops[i])) {
      out->push_back(
          NotSupported(Index(path + ".operations", i), BadValue::String(ops[i]), kOperations));
    }
  }
  auto groups = Strings(rule.api_groups());
  if (groups.empty()) out->push_back(Required(path + ".apiGroups"));
  if (groups.size() > 1 && HasWildcard(groups)) {
    out->push_back(Invalid(path + ".apiGroups", BadValue::Raw(GoStringSlice(groups)),
                           "if '*' is present, must not specify other API groups"));
  }
  auto versions = Strings(rule.api_versions());
  if (versions.empty()) out->push_back(Required(path + ".apiVersions"));
  if (versions.size() > 1 && HasWildcard(versions)) {
    out->push_back(Invalid(path + ".apiVersions", BadValue::Raw(GoStringSlice(versions)),
                           "if '*' is present, must not specify other API versions"));
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    if (versions[i].empty()) out->push_back(Required(Index(path + ".apiVersions", i)));
  }
  ValidateResources(Strings(rule.resources()), path + ".resources", out);
  if (rule.has_scope() && !In(kScopes, rule.scope())) {
    out->push_back(NotSupported(path + ".scope", BadValue::String(rule.scope()), kScopes));
  }
}

// The parts of a URL that webhook.ValidateWebhookURL looks at (Go's url.Parse for the
// absolute URLs a webhook has).
struct UrlParts {
  std::string scheme, user, host, query, fragment;
  bool user_set = false;
};

UrlParts SplitUrl(std::string rest) {
  UrlParts u;
  if (size_t hash = rest.find('#'); hash != std::string::npos) {
    u.fragment = rest.substr(hash + 1);
    rest.resize(hash);
  }
  if (size_t q = rest.find('?'); q != std::string::npos) {
    u.query = rest.substr(q + 1);
    rest.resize(q);
  }
  size_t colon = rest.find("://");
  if (colon == std::string::npos) return u;
  u.scheme = rest.substr(0, colon);
  std::string authority = rest.substr(colon + 3);
  authority = authority.substr(0, authority.find('/'));
  if (size_t at = authority.rfind('@'); at != std::string::npos) {
    u.user = authority.substr(0, at);
    u.user_set = true;
    authority = authority.substr(at + 1);
  }
  u.host = authority;
  return u;
}

// webhook.ValidateWebhookURL with forceHttps.
void ValidateUrl(const std::string& path, const std::string& url, Causes* out) {
  const std::string form = "; desired format: https://host[/path]";
  UrlParts u = SplitUrl(url);
  if (u.scheme != "https") {
    out->push_back(
        Invalid(path, BadValue::String(u.scheme), "'https' is the only allowed URL scheme" + form));
  }
  if (u.host.empty()) {
    out->push_back(Invalid(path, BadValue::String(u.host), "host must be specified" + form));
  }
  if (u.user_set) {
    out->push_back(
        Invalid(path, BadValue::String(u.user), "user information is not permitted in the URL"));
  }
  if (!u.fragment.empty()) {
    out->push_back(
        Invalid(path, BadValue::String(u.fragment), "fragments are not permitted in the URL"));
  }
  if (!u.query.empty()) {
    out->push_back(
        Invalid(path, BadValue::String(u.query), "query parameters are not permitted in the URL"));
  }
}

// webhook.ValidateWebhookService.
void ValidateService(const std::string& path, const arv1::ServiceReference& svc, Causes* out) {
  if (svc.name().empty()) out->push_back(Required(path + ".name", "service name is required"));
  if (svc.namespace_().empty()) {
    out->push_back(Required(path + ".namespace", "service namespace is required"));
  }
  auto port_errs = validation::IsValidPortNum(svc.port());
  if (!port_errs.empty()) {
    out->push_back(
        Invalid(path + ".port", BadValue::Int(svc.port()), "port is not valid: " + port_errs[0]));
  }
  if (!svc.has_path() || svc.path().empty() || svc.path() == "/") return;
  const std::string& p = svc.path();
  const BadValue value = BadValue::String(p);
  if (p == "//") {
    out->push_back(Invalid(path + ".path", value, "segment[0] may not be empty"));
    return;
  }
  if (p[0] != '/') out->push_back(Invalid(path + ".path", value, "must start with a '/'"));
  std::string check = p.substr(1);
  if (!check.empty() && check.back() == '/') check.pop_back();
  size_t i = 0, start = 0;
  while (true) {
    size_t end = check.find('/', start);
    std::string step = check.substr(start, end == std::string::npos ? end : end - start);
    std::string seg = "segment[" + std::to_string(i) + "]";
    if (step.empty()) {
      out->push_back(Invalid(path + ".path", value, seg + " may not be empty"));
    } else {
      for (const std::string& f : validation::IsDNS1123Subdomain(step)) {
        out->push_back(Invalid(path + ".path", value, seg + ": " + f));
      }
    }
    if (end == std::string::npos) break;
    start = end + 1;
    ++i;
  }
}

// validateAdmissionReviewVersions (a recognized version is always required: this apiserver
// stores only configurations it validated itself).
void ValidateReviewVersions(const std::vector<std::string>& versions, const std::string& path,
                            Causes* out) {
  if (versions.empty()) {
    out->push_back(Required(path, "must specify one of " + Join(kReviewVersions)));
    return;
  }
  std::set<std::string> seen;
  bool accepted = false;
  for (size_t i = 0; i < versions.size(); ++i) {
    const std::string& v = versions[i];
    if (!seen.insert(v).second) {
      out->push_back(Invalid(Index(path, i), BadValue::String(v), "duplicate version"));
      continue;
    }
    for (const std::string& e : validation::IsDNS1035Label(v)) {
      out->push_back(Invalid(Index(path, i), BadValue::String(v), e));
    }
    if (In(kReviewVersions, v)) accepted = true;
  }
  if (!accepted) {
    out->push_back(Invalid(path, BadValue::Raw(GoStringSlice(versions)),
                           "must include at least one of " + Join(kReviewVersions)));
  }
}

// validateValidatingWebhook / validateMutatingWebhook, the shared part. `no_side_effects`:
// only None and NoneOnDryRun are allowed. Kubernetes relaxes that on update only for objects
// created through v1beta1 with Some or Unknown; this apiserver serves v1 alone, so every
// stored configuration already passed the strict rule and updates keep it.
template <class Hook>
void ValidateHook(const Hook& hook, const std::string& path, bool no_side_effects, Causes* out) {
  ValidateFullyQualifiedName(path + ".name", hook.name(), out);
  for (int i = 0; i < hook.rules_size(); ++i) {
    ValidateRule(hook.rules(i), Index(path + ".rules", i), out);
  }
  if (hook.has_failure_policy() && !In(kFailurePolicies, hook.failure_policy())) {
    out->push_back(NotSupported(path + ".failurePolicy", BadValue::String(hook.failure_policy()),
                                kFailurePolicies));
  }
  if (hook.has_match_policy() && !In(kMatchPolicies, hook.match_policy())) {
    out->push_back(
        NotSupported(path + ".matchPolicy", BadValue::String(hook.match_policy()), kMatchPolicies));
  }
  const auto& allowed = no_side_effects ? kNoSideEffects : kAllSideEffects;
  if (!hook.has_side_effects()) {
    out->push_back(Required(path + ".sideEffects", "must specify one of " + Join(allowed)));
  } else if (!In(allowed, hook.side_effects())) {
    out->push_back(
        NotSupported(path + ".sideEffects", BadValue::String(hook.side_effects()), allowed));
  }
  if (hook.has_timeout_seconds() && (hook.timeout_seconds() > 30 || hook.timeout_seconds() < 1)) {
    out->push_back(Invalid(path + ".timeoutSeconds", BadValue::Int(hook.timeout_seconds()),
                           "the timeout value must be between 1 and 30 seconds"));
  }
  if (hook.has_namespace_selector()) {
    Append(out, ValidateLabelSelector(hook.namespace_selector(), path + ".namespaceSelector"));
  }
  if (hook.has_object_selector()) {
    Append(out, ValidateLabelSelector(hook.object_selector(), path + ".objectSelector"));
  }
  const auto& cc = hook.client_config();
  if (cc.has_url() == cc.has_service()) {
    out->push_back(Required(path + ".clientConfig", "exactly one of url or service is required"));
  } else if (cc.has_url()) {
    ValidateUrl(path + ".clientConfig.url", cc.url(), out);
  } else {
    ValidateService(path + ".clientConfig.service", cc.service(), out);
  }
}

void ValidateReinvocation(const arv1::MutatingWebhook& hook, const std::string& path, Causes* out) {
  if (hook.has_reinvocation_policy() && !In(kReinvocationPolicies, hook.reinvocation_policy())) {
    out->push_back(NotSupported(path + ".reinvocationPolicy",
                                BadValue::String(hook.reinvocation_policy()),
                                kReinvocationPolicies));
  }
}
void ValidateReinvocation(const arv1::ValidatingWebhook&, const std::string&, Causes*) {}

// validate{Validating,Mutating}WebhookConfiguration: every webhook, its review versions, and
// unique names.
template <class Config>
Causes ValidateConfig(const Config& config, bool no_side_effects) {
  Causes causes;
  std::set<std::string> names;
  for (int i = 0; i < config.webhooks_size(); ++i) {
    const auto& hook = config.webhooks(i);
    const std::string path = Index("webhooks", i);
    ValidateHook(hook, path, no_side_effects, &causes);
    ValidateReinvocation(hook, path, &causes);
    ValidateReviewVersions(Strings(hook.admission_review_versions()),
                           path + ".admissionReviewVersions", &causes);
    if (!hook.name().empty() && !names.insert(hook.name()).second) {
      causes.push_back(Duplicate(path + ".name", BadValue::String(hook.name())));
    }
  }
  return causes;
}

template <class Config>
class WebhookConfigurationStrategy : public Strategy {
 public:
  void Default(Message* object) const override {
    auto& config = As<Config>(object);
    for (auto& hook : *config.mutable_webhooks()) {
      DefaultHook(&hook);
      DefaultReinvocation(&hook);
    }
  }
  Causes Validate(const Message& object) const override {
    return ValidateConfig(As<Config>(object), true);
  }

 private:
  static void DefaultReinvocation(arv1::MutatingWebhook* hook) {
    if (!hook->has_reinvocation_policy()) hook->set_reinvocation_policy("Never");
  }
  static void DefaultReinvocation(arv1::ValidatingWebhook*) {}
};

}  // namespace

const Strategy& MutatingWebhookConfigurationStrategy() {
  static const WebhookConfigurationStrategy<arv1::MutatingWebhookConfiguration> strategy;
  return strategy;
}

const Strategy& ValidatingWebhookConfigurationStrategy() {
  static const WebhookConfigurationStrategy<arv1::ValidatingWebhookConfiguration> strategy;
  return strategy;
}

}  // namespace pk::registry
