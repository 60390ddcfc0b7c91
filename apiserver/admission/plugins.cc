#include "apiserver/admission/plugins.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "apiserver/admission/default_toleration_seconds.h"
#include "apiserver/admission/limit_ranger.h"
#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/admission/node_restriction.h"
#include "apiserver/admission/pod_security.h"
#include "apiserver/admission/priority.h"
#include "apiserver/admission/resource_quota.h"
#include "apiserver/admission/service_account.h"
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission {
namespace {

struct Context {
  storage::Store* store;
  const PluginOptions& options;
};

using Factory = std::function<std::unique_ptr<Plugin>(const Context&)>;

// One row per plugin picokube has; RecommendedPluginOrder places it in the chain.
const std::map<std::string, Factory>& Factories() {
  static const auto* factories = new std::map<std::string, Factory>{
      {"NamespaceLifecycle", [](const Context& c) { return NewNamespaceLifecycle(c.store); }},
      {"LimitRanger", [](const Context& c) { return NewLimitRanger(c.store); }},
      {"ResourceQuota", [](const Context& c) { return NewResourceQuota(c.store); }},
      {"MutatingAdmissionWebhook",
       [](const Context& c) { return webhook::NewMutatingWebhook(c.store); }},
      {"ValidatingAdmissionWebhook",
       [](const Context& c) { return webhook::NewValidatingWebhook(c.store); }},
      {"NodeRestriction", [](const Context& c) { return NewNodeRestriction(c.store); }},
      {"PodSecurity", [](const Context& c) { return NewPodSecurity(c.store); }},
      {"Priority", [](const Context& c) { return NewPriority(c.store); }},
      {"ServiceAccount", [](const Context& c) { return NewServiceAccount(c.store); }},
      {"DefaultTolerationSeconds",
       [](const Context& c) {
         return NewDefaultTolerationSeconds(c.options.not_ready_toleration_seconds,
                                            c.options.unreachable_toleration_seconds);
       }},
  };
  return *factories;
}

// kube-apiserver v1.32's default-on plugins (DefaultOffAdmissionPlugins' complement).
const std::set<std::string>& DefaultOn() {
  static const auto* on = new std::set<std::string>{
      "NamespaceLifecycle",
      "LimitRanger",
      "ServiceAccount",
      "DefaultStorageClass",
      "PersistentVolumeClaimResize",
      "DefaultTolerationSeconds",
      "MutatingAdmissionWebhook",
      "ValidatingAdmissionWebhook",
      "ResourceQuota",
      "StorageObjectInUseProtection",
      "Priority",
      "TaintNodesByCondition",
      "RuntimeClass",
      "CertificateApproval",
      "CertificateSigning",
      "ClusterTrustBundleAttest",
      "CertificateSubjectRestriction",
      "DefaultIngressClass",
      "PodSecurity",
      "ValidatingAdmissionPolicy",
  };
  return *on;
}

Status Unknown(std::string_view flag, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (!Factories().count(name)) {
      return Status::BadRequest(
          fmt::format("{}-admission-plugins plugin \"{}\" is unknown", flag, name));
    }
  }
  return Status();
}

}  // namespace

const std::vector<std::string>& RecommendedPluginOrder() {
  static const auto* order = new std::vector<std::string>{
      "AlwaysAdmit",
      "NamespaceAutoProvision",
      "NamespaceLifecycle",
      "NamespaceExists",
      "LimitPodHardAntiAffinityTopology",
      "LimitRanger",
      "ServiceAccount",
      "NodeRestriction",
      "TaintNodesByCondition",
      "AlwaysPullImages",
      "ImagePolicyWebhook",
      "PodSecurity",
      "PodNodeSelector",
      "Priority",
      "DefaultTolerationSeconds",
      "PodTolerationRestriction",
      "EventRateLimit",
      "ExtendedResourceToleration",
      "DefaultStorageClass",
      "StorageObjectInUseProtection",
      "OwnerReferencesPermissionEnforcement",
      "PersistentVolumeClaimResize",
      "RuntimeClass",
      "CertificateApproval",
      "CertificateSigning",
      "ClusterTrustBundleAttest",
      "CertificateSubjectRestriction",
      "DefaultIngressClass",
      "DenyServiceExternalIPs",
      // webhooks, policies, quota and deny go last
      "MutatingAdmissionPolicy",
      "MutatingAdmissionWebhook",
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionWebhook",
      "ResourceQuota",
      "AlwaysDeny",
  };
  return *order;
}

std::vector<std::string> RegisteredPlugins() {
  std::vector<std::string> names;
  for (const auto& name : RecommendedPluginOrder()) {
    if (Factories().count(name)) names.push_back(name);
  }
  return names;
}

Result<std::vector<std::string>> EnabledPlugins(const ChainOptions& options) {
  PK_RETURN_IF_ERROR(Unknown("enable", options.enable));
  PK_RETURN_IF_ERROR(Unknown("disable", options.disable));
  std::set<std::string> enable(options.enable.begin(), options.enable.end());
  std::set<std::string> disable(options.disable.begin(), options.disable.end());
  std::vector<std::string> both;
  std::set_intersection(enable.begin(), enable.end(), disable.begin(), disable.end(),
                        std::back_inserter(both));
  if (!both.empty()) {
    return Status::BadRequest(
        fmt::format("[{}] in enable-admission-plugins and disable-admission-plugins overlapped",
                    fmt::join(both, " ")));
  }
  std::vector<std::string> names;
  for (const auto& name : RegisteredPlugins()) {
    bool on = DefaultOn().count(name) > 0 || enable.count(name) > 0;
    if (on && !disable.count(name)) names.push_back(name);
  }
  return names;
}

Status BuildChain(const ChainOptions& options, storage::Store* store, Chain* chain) {
  auto names = EnabledPlugins(options);
  if (!names.ok()) return names.take_status();
  Context context{store, options.plugins};
  for (const auto& name : *names) chain->Register(Factories().at(name)(context));
  return Status();
}

}  // namespace pk::admission
