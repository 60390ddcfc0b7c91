// Kubernetes' WithFailedAuthenticationAudit: a request whose credentials are refused never
// reaches the audit filter, so its 401 is audited here -- one event at stage ResponseStarted,
// the level from the policy for an unknown user, the message naming the credentials tried.
#include <fmt/format.h>

#include "apiserver/audit/audit.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/filters/chain.h"

namespace pk::apiserver::filters {
namespace {

// getAuthMethods: "Authentication failed, attempted: bearer, x509", or no credentials.
std::string AuthMethods(const Request& request) {
  std::vector<std::string> methods;
  std::string auth = request.Header("authorization");
  std::string scheme = auth.substr(0, auth.find(' '));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "basic") methods.push_back("basic");
  if (scheme == "bearer" && auth.find(' ') != std::string::npos) methods.push_back("bearer");
  if (!request.QueryOr("access_token", "").empty()) methods.push_back("access_token");
  if (request.client_certificate) methods.push_back("x509");
  if (methods.empty()) return "Authentication failed, no credentials provided";
  return fmt::format("Authentication failed, attempted: {}", fmt::join(methods, ", "));
}

}  // namespace

FailedAuthentication WithFailedAuthenticationAudit(audit::Auditor* auditor) {
  return [auditor](Request& request, const Status& status) -> Response {
    Response response = ErrorResponse(status);
    if (auditor == nullptr) return response;
    request.user = {};
    auto config = auditor->policy().Evaluate(audit::AttributesOf(request));
    if (config.level == audit::Level::kNone) return response;
    audit::Event event(request, std::move(config), auditor->backend());
    nlohmann::ordered_json recorded = nlohmann::ordered_json::object();
    recorded["metadata"] = nlohmann::ordered_json::object();
    recorded["message"] = AuthMethods(request);
    recorded["code"] = response.code;
    event.SetResponseStatus(std::move(recorded));
    event.Send(audit::Stage::kResponseStarted);
    return response;
  };
}

}  // namespace pk::apiserver::filters
