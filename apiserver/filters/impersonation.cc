// Impersonation (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): Impersonate-User,
// Impersonate-Group (repeatable), Impersonate-Uid. Each is authorized as the verb
// "impersonate" on users, groups, uids or, for system:serviceaccount:NS:NAME,
// serviceaccounts NAME in NS; then the request acts as the impersonated user. Groups not
// given are those Kubernetes adds: system:authenticated (not for system:anonymous) and, for a
// service account, system:serviceaccounts and system:serviceaccounts:NS.
#include <fmt/format.h>

#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

constexpr std::string_view kServiceAccountPrefix = "system:serviceaccount:";

// The header's values: repeated headers arrive joined with ", " (http/session.cc).
std::vector<std::string> Values(const std::string& header) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= header.size() && !header.empty()) {
    size_t end = header.find(", ", start);
    if (end == std::string::npos) end = header.size();
    out.push_back(header.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

// May `who` impersonate `name` as a `resource` (in `ns` for service accounts)?
Status Check(const Authorizer& authorizer, const Request& request, const std::string& resource,
             const std::string& ns, const std::string& name) {
  if (!authorizer) return {};
  Request attributes;
  attributes.user = request.user;
  attributes.info.is_resource_request = true;
  attributes.info.verb = "impersonate";
  attributes.info.api_prefix = "api";
  attributes.info.api_version = "v1";
  attributes.info.resource = resource;
  attributes.info.ns = ns;
  attributes.info.name = name;
  return authorizer(attributes, nullptr);
}

Result<UserInfo> Impersonate(const Authorizer& authorizer, const Request& request,
                             const std::string& user_header) {
  UserInfo as;
  as.name = user_header;
  std::string sa_ns;
  if (as.name.starts_with(kServiceAccountPrefix)) {
    std::string rest = as.name.substr(kServiceAccountPrefix.size());
    size_t colon = rest.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
      return Status::BadRequest(fmt::format("invalid service account name {}", as.name));
    }
    sa_ns = rest.substr(0, colon);
    PK_RETURN_IF_ERROR(
        Check(authorizer, request, "serviceaccounts", sa_ns, rest.substr(colon + 1)));
  } else {
    PK_RETURN_IF_ERROR(Check(authorizer, request, "users", "", as.name));
  }
  for (const std::string& group : Values(request.Header("impersonate-group"))) {
    PK_RETURN_IF_ERROR(Check(authorizer, request, "groups", "", group));
    as.groups.push_back(group);
  }
  std::string uid = request.Header("impersonate-uid");
  if (!uid.empty()) {
    PK_RETURN_IF_ERROR(Check(authorizer, request, "uids", "", uid));
    as.uid = uid;
  }
  auto add = [&](const std::string& g) {
    if (std::find(as.groups.begin(), as.groups.end(), g) == as.groups.end()) as.groups.push_back(g);
  };
  if (!sa_ns.empty()) {
    add("system:serviceaccounts");
    add("system:serviceaccounts:" + sa_ns);
  }
  if (as.name != "system:anonymous") add("system:authenticated");
  return as;
}

}  // namespace

Handler WithImpersonation(Handler next, Authorizer authorizer) {
  return [next = std::move(next), authorizer](Request& request) -> Response {
    const std::string user = request.Header("impersonate-user");
    if (user.empty()) {
      if (!request.Header("impersonate-group").empty() ||
          !request.Header("impersonate-uid").empty()) {
        return ErrorResponse(Status::BadRequest(
            "requested impersonation of groups or a uid without impersonating a user"));
      }
      return next(request);
    }
    auto as = Impersonate(authorizer, request, user);
    if (!as.ok()) return ErrorResponse(as.status());
    request.user = std::move(as).value();
    return next(request);
  };
}

}  // namespace pk::apiserver::filters
