// Which requests a webhook's rules select (k8s.io/apiserver/pkg/admission/plugin/webhook/
// predicates/rules/rules.go, v1.32).
#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

using k8s::admissionregistration::v1::RuleWithOperations;

template <class Repeated>
bool ExactOrWildcard(const Repeated& items, std::string_view requested) {
  for (const std::string& item : items) {
    if (item == "*" || item == requested) return true;
  }
  return false;
}

bool IsNamespaceObject(const Attributes& a) {
  return a.type->kind.group.empty() && a.type->resource == "namespaces";
}

// Namespace objects are cluster-scoped, though their requests carry their own name as the
// namespace in Kubernetes.
bool ScopeMatches(const RuleWithOperations& rule, const Attributes& a) {
  if (!rule.has_scope() || rule.scope() == "*") return true;
  bool cluster = IsNamespaceObject(a) || a.ns.empty();
  if (rule.scope() == "Namespaced") return !cluster;
  if (rule.scope() == "Cluster") return cluster;
  return false;
}

// "pods" and "pods/status": resource and subresource; "*" covers no subresource, "*/*" all.
bool ResourceMatches(const RuleWithOperations& rule, const Attributes& a) {
  for (const std::string& entry : rule.resources()) {
    size_t slash = entry.find('/');
    std::string_view res = std::string_view(entry).substr(0, slash);
    std::string_view sub =
        slash == std::string::npos ? "" : std::string_view(entry).substr(slash + 1);
    bool res_match = res == "*" || res == a.type->resource;
    bool sub_match = sub == "*" || sub == a.subresource;
    if (res_match && sub_match) return true;
  }
  return false;
}

}  // namespace

bool RuleMatches(const RuleWithOperations& rule, const Attributes& a) {
  return ScopeMatches(rule, a) && ExactOrWildcard(rule.operations(), OperationName(a.operation)) &&
         ExactOrWildcard(rule.api_groups(), a.type->kind.group) &&
         ExactOrWildcard(rule.api_versions(), a.type->kind.version) && ResourceMatches(rule, a);
}

bool IsExemptConfigurationResource(const Attributes& a) {
  return a.type->kind.group == "admissionregistration.k8s.io" &&
         (a.type->resource == "validatingwebhookconfigurations" ||
          a.type->resource == "mutatingwebhookconfigurations");
}

}  // namespace pk::admission::webhook
