// Rule and subject matching, as k8s.io/component-helpers/auth/rbac/validation and
// pkg/apis/rbac/v1/evaluation_helpers.go do it.
#include <algorithm>

#include "apiserver/authorization/authorization.h"

namespace pk::apiserver::authorization {
namespace {

template <class Repeated>
bool ContainsOrAll(const Repeated& values, std::string_view wanted) {
  return std::any_of(values.begin(), values.end(),
                     [&](const std::string& v) { return v == "*" || v == wanted; });
}

constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

}  // namespace

bool VerbMatches(const PolicyRule& rule, std::string_view verb) {
  return ContainsOrAll(rule.verbs(), verb);
}

bool APIGroupMatches(const PolicyRule& rule, std::string_view group) {
  return ContainsOrAll(rule.api_groups(), group);
}

bool ResourceMatches(const PolicyRule& rule, std::string_view resource,
                     std::string_view subresource) {
  std::string combined(resource);
  if (!subresource.empty()) combined += "/" + std::string(subresource);
  for (const std::string& r : rule.resources()) {
    if (r == "*" || r == combined) return true;
    if (subresource.empty()) continue;
    // "*/scale" matches the scale subresource of every resource.
    if (r.size() == subresource.size() + 2 && r.starts_with("*/") && r.ends_with(subresource)) {
      return true;
    }
  }
  return false;
}

bool ResourceNameMatches(const PolicyRule& rule, std::string_view name) {
  if (rule.resource_names().empty()) return true;
  return std::find(rule.resource_names().begin(), rule.resource_names().end(), name) !=
         rule.resource_names().end();
}

bool NonResourceURLMatches(const PolicyRule& rule, std::string_view path) {
  for (const std::string& url : rule.non_resource_urls()) {
    if (url == "*" || url == path) return true;
    if (url.ends_with('*')) {
      std::string_view prefix = url;
      while (!prefix.empty() && prefix.back() == '*') prefix.remove_suffix(1);
      if (path.starts_with(prefix)) return true;
    }
  }
  return false;
}

bool RuleAllows(const Attributes& a, const PolicyRule& rule) {
  if (!VerbMatches(rule, a.verb)) return false;
  if (!a.resource_request) return NonResourceURLMatches(rule, a.path);
  return APIGroupMatches(rule, a.api_group) && ResourceMatches(rule, a.resource, a.subresource) &&
         ResourceNameMatches(rule, a.name);
}

bool AppliesTo(const UserInfo& user, const k8s::rbac::v1::Subject& subject,
               std::string_view binding_namespace) {
  if (subject.kind() == "User") return user.name == subject.name();
  if (subject.kind() == "Group") {
    return std::find(user.groups.begin(), user.groups.end(), subject.name()) != user.groups.end();
  }
  if (subject.kind() == "ServiceAccount") {
    std::string_view ns =
        subject.namespace_().empty() ? binding_namespace : std::string_view(subject.namespace_());
    if (ns.empty()) return false;
    std::string expected(kServiceAccountPrefix);
    expected.append(ns).append(":").append(subject.name());
    return user.name == expected;
  }
  return false;
}

}  // namespace pk::apiserver::authorization
