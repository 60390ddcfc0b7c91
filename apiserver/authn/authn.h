// Authentication: who is asking, from the request's credentials, as Kubernetes' union of
// authenticators decides (k8s.io/apiserver/pkg/authentication). Configured methods are tried
// in order; the first that recognises the credentials names the user. Credentials that are
// present but wrong are 401 Unauthorized -- never a fall-back to anonymous. A request without
// credentials is system:anonymous (group system:unauthenticated) when anonymous requests are
// allowed, else 401. Every authenticated user also gets the group system:authenticated.
//
//   AuthenticationOptions o;
//   o.token_auth_file = "tokens.csv";          // token,user,uid,"group1,group2"
//   auto authenticate = NewAuthenticator(o);   // a filters::Authenticator
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::apiserver::authn {

inline constexpr char kAnonymousUser[] = "system:anonymous";
inline constexpr char kUnauthenticatedGroup[] = "system:unauthenticated";
inline constexpr char kAuthenticatedGroup[] = "system:authenticated";

struct AuthenticationOptions {
  // --token-auth-file: a CSV of bearer tokens, `token,user,uid,"group1,group2"` per line
  // (the groups column optional), as kube-apiserver's static token file.
  std::string token_auth_file;
  // --anonymous-auth: requests without credentials act as system:anonymous.
  bool anonymous = true;
  // --client-ca-file: TLS client certificates issued by these CAs authenticate their
  // subject's CommonName as the user, its Organizations as the groups.
  std::string client_ca_file;
};

// Verifies a client certificate (PEM) against the client CAs: its user, or Unauthorized.
using CertificateAuthenticator = std::function<Result<UserInfo>(const std::string& pem)>;
Result<CertificateAuthenticator> NewCertificateAuthenticator(const std::string& client_ca_file);

// The static tokens: token -> user. BadRequest naming the file and line for a malformed
// line or a token listed twice.
Result<std::map<std::string, UserInfo>> ParseTokenFile(const std::string& text,
                                                       const std::string& file);

// Result: the user; Unauthorized (401, "Unauthorized") for wrong or missing credentials.
using Authenticator = std::function<Result<UserInfo>(const Request&)>;
Result<Authenticator> NewAuthenticator(const AuthenticationOptions& options);

}  // namespace pk::apiserver::authn
