// The union of authenticators and the anonymous fall-back (authenticator.go's
// union.New(...), anonymous.NewAuthenticator and group.NewAuthenticatedGroupAdder).
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "apiserver/authn/authn.h"

namespace pk::apiserver::authn {
namespace {

Status Unauthorized() { return Status::Unauthorized("Unauthorized"); }

// "Bearer TOKEN" (the scheme case-insensitive, as Go's strings.EqualFold); "" otherwise.
std::string BearerToken(const Request& request) {
  std::string header = request.Header("authorization");
  if (header.size() < 7) return "";
  std::string scheme = header.substr(0, 7);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  if (scheme != "bearer ") return "";
  std::string token = header.substr(7);
  token.erase(0, token.find_first_not_of(' '));
  return token;
}

void AddAuthenticatedGroup(UserInfo* user) {
  auto& g = user->groups;
  if (std::find(g.begin(), g.end(), kAuthenticatedGroup) == g.end()) {
    g.push_back(kAuthenticatedGroup);
  }
}

}  // namespace

Result<Authenticator> NewAuthenticator(const AuthenticationOptions& options) {
  auto tokens = std::make_shared<std::map<std::string, UserInfo>>();
  if (!options.token_auth_file.empty()) {
    std::ifstream in(options.token_auth_file);
    if (!in) {
      return Status::BadRequest(
          fmt::format("--token-auth-file {}: cannot read the file", options.token_auth_file));
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParseTokenFile(text.str(), options.token_auth_file);
    if (!parsed.ok()) return parsed.take_status();
    *tokens = std::move(parsed).value();
  }
  CertificateAuthenticator certificates;
  if (!options.client_ca_file.empty()) {
    auto x509 = NewCertificateAuthenticator(options.client_ca_file);
    if (!x509.ok()) return x509.take_status();
    certificates = std::move(x509).value();
  }
  const bool anonymous = options.anonymous;
  return Authenticator(
      [tokens, certificates, anonymous](const Request& request) -> Result<UserInfo> {
        // Kubernetes' order: the client certificate first, then the bearer token.
        if (certificates && request.client_certificate) {
          auto user = certificates(*request.client_certificate);
          if (user.ok()) {
            AddAuthenticatedGroup(&user.value());
            return user;
          }
          if (request.Header("authorization").empty()) return user;
        }
        const bool has_authorization = !request.Header("authorization").empty();
        if (has_authorization) {
          std::string token = BearerToken(request);
          auto it = token.empty() ? tokens->end() : tokens->find(token);
          if (it == tokens->end()) return Unauthorized();  // present but wrong: never anonymous
          UserInfo user = it->second;
          AddAuthenticatedGroup(&user);
          return user;
        }
        if (!anonymous) return Unauthorized();
        return UserInfo{kAnonymousUser, "", {kUnauthenticatedGroup}};
      });
}

}  // namespace pk::apiserver::authn
