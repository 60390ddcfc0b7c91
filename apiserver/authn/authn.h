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
//
// Bearer tokens go to the static token file first, then to each of `token_authenticators`
// (service account tokens: apiserver/serviceaccount).
#pragma once

#include <google/protobuf/message.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::apiserver::authn {

inline constexpr char kAnonymousUser[] = "system:anonymous";
inline constexpr char kUnauthenticatedGroup[] = "system:unauthenticated";
inline constexpr char kAuthenticatedGroup[] = "system:authenticated";

// A token's user, and the audiences (of those asked for) it is valid for.
struct TokenUser {
  UserInfo user;
  std::vector<std::string> audiences;
};
// One kind of bearer token (authenticator.Token): nullopt when `token` is not of its kind (the
// next one is asked), an error (Unauthorized) when it is but is not valid. `audiences`: the
// audiences the token must be for; empty: the API server's own (--api-audiences).
using TokenAuthenticator = std::function<Result<std::optional<TokenUser>>(
    const std::string& token, const std::vector<std::string>& audiences)>;

struct AuthenticationOptions {
  // --token-auth-file: a CSV of bearer tokens, `token,user,uid,"group1,group2"` per line
  // (the groups column optional), as kube-apiserver's static token file.
  std::string token_auth_file;
  // --anonymous-auth: requests without credentials act as system:anonymous.
  bool anonymous = true;
  // --client-ca-file: TLS client certificates issued by these CAs authenticate their
  // subject's CommonName as the user, its Organizations as the groups.
  std::string client_ca_file;
  std::vector<TokenAuthenticator> token_authenticators;
  // --api-audiences: what a TokenReview without spec.audiences checks a token against.
  std::vector<std::string> api_audiences;
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

// Answers authentication.k8s.io/v1 reviews, never stored (pkg/registry/authentication):
// a TokenReview checks spec.token with the same authenticators as requests (BadRequest
// "token is required for TokenReview in authentication" without one); a SelfSubjectReview
// describes the requester.
using Reviewer = std::function<Status(const Request& request, google::protobuf::Message* review)>;

struct Authentication {
  Authenticator authenticate;
  Reviewer review;
};
Result<Authentication> NewAuthentication(const AuthenticationOptions& options);

}  // namespace pk::apiserver::authn
