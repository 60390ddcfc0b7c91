// The union of authenticators and the anonymous fall-back (authenticator.go's
// union.New(...), anonymous.NewAuthenticator and group.NewAuthenticatedGroupAdder).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>

#include "apiserver/authn/authn.h"
#include "proto/authentication/v1/authentication.pb.h"

namespace pk::apiserver::authn {
namespace {

namespace authnv1 = k8s::authentication::v1;

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

// The user of a bearer token: the static file's, else the first token authenticator's
// that recognises it; Unauthorized with every authenticator's reason (or Kubernetes'
// "invalid bearer token") when none does.
class TokenUnion {
 public:
  TokenUnion(std::map<std::string, UserInfo> tokens, std::vector<TokenAuthenticator> others)
      : tokens_(std::move(tokens)), others_(std::move(others)) {}

  Result<TokenUser> Authenticate(const std::string& token,
                                 const std::vector<std::string>& audiences) const {
    if (auto it = tokens_.find(token); it != tokens_.end()) return TokenUser{it->second, {}};
    std::vector<std::string> errors;
    for (const TokenAuthenticator& other : others_) {
      auto user = other(token, audiences);
      if (!user.ok()) {
        errors.push_back(user.status().message());
      } else if (user->has_value()) {
        return std::move(**user);
      }
    }
    if (errors.empty()) return Status::Unauthorized("invalid bearer token");
    if (errors.size() == 1) return Status::Unauthorized(errors[0]);
    return Status::Unauthorized(fmt::format("[{}]", fmt::join(errors, ", ")));
  }

 private:
  std::map<std::string, UserInfo> tokens_;
  std::vector<TokenAuthenticator> others_;
};

void SetUserInfo(const UserInfo& from, authnv1::UserInfo* to) {
  to->set_username(from.name);
  to->set_uid(from.uid);
  for (const auto& g : from.groups) to->add_groups(g);
  for (const auto& [key, values] : from.extra) {
    auto& extra = (*to->mutable_extra())[key];
    for (const auto& v : values) extra.add_items(v);
  }
}

// pkg/registry/authentication/tokenreview: the token as a request's bearer token would be
// judged; an audience the token is not for is an error of the review itself.
Status AnswerTokenReview(const TokenUnion& tokens, const std::vector<std::string>& api_audiences,
                         authnv1::TokenReview* review) {
  if (review->spec().token().empty()) {
    return Status::BadRequest("token is required for TokenReview in authentication");
  }
  std::vector<std::string> audiences(review->spec().audiences().begin(),
                                     review->spec().audiences().end());
  if (audiences.empty()) audiences = api_audiences;
  auto* status = review->mutable_status();
  status->Clear();
  auto user = tokens.Authenticate(review->spec().token(), audiences);
  if (!user.ok()) {
    status->set_error(user.status().message());
    return Status();
  }
  if (!audiences.empty() && !user->audiences.empty() &&
      std::none_of(user->audiences.begin(), user->audiences.end(), [&](const std::string& a) {
        return std::find(audiences.begin(), audiences.end(), a) != audiences.end();
      })) {
    return Status::InternalError("Internal error occurred: error validating audience");
  }
  status->set_authenticated(true);
  AddAuthenticatedGroup(&user->user);
  SetUserInfo(user->user, status->mutable_user());
  for (const auto& a : user->audiences) status->add_audiences(a);
  return Status();
}

}  // namespace

Result<Authentication> NewAuthentication(const AuthenticationOptions& options) {
  std::map<std::string, UserInfo> tokens;
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
    tokens = std::move(parsed).value();
  }
  CertificateAuthenticator certificates;
  if (!options.client_ca_file.empty()) {
    auto x509 = NewCertificateAuthenticator(options.client_ca_file);
    if (!x509.ok()) return x509.take_status();
    certificates = std::move(x509).value();
  }
  auto tokens_union =
      std::make_shared<const TokenUnion>(std::move(tokens), options.token_authenticators);
  const bool anonymous = options.anonymous;
  Authentication out;
  out.authenticate = [tokens_union, certificates,
                      anonymous](const Request& request) -> Result<UserInfo> {
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
      if (token.empty()) return Unauthorized();
      auto user = tokens_union->Authenticate(token, {});
      if (!user.ok()) return Unauthorized();  // present but wrong: never anonymous
      AddAuthenticatedGroup(&user->user);
      return std::move(user->user);
    }
    if (!anonymous) return Unauthorized();
    return UserInfo{kAnonymousUser, "", {kUnauthenticatedGroup}};
  };
  out.review = [tokens_union, audiences = options.api_audiences](
                   const Request& request, google::protobuf::Message* review) -> Status {
    if (auto* token_review = dynamic_cast<authnv1::TokenReview*>(review)) {
      return AnswerTokenReview(*tokens_union, audiences, token_review);
    }
    if (auto* self = dynamic_cast<authnv1::SelfSubjectReview*>(review)) {
      // Kubernetes stamps the answer with its time.
      self->mutable_metadata()->mutable_creation_timestamp()->set_seconds(
          std::chrono::duration_cast<std::chrono::seconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
      self->mutable_status()->Clear();
      SetUserInfo(request.user, self->mutable_status()->mutable_user_info());
      return Status();
    }
    return Status::BadRequest("not an authentication review");
  };
  return out;
}

Result<Authenticator> NewAuthenticator(const AuthenticationOptions& options) {
  auto authentication = NewAuthentication(options);
  if (!authentication.ok()) return authentication.take_status();
  return std::move(authentication->authenticate);
}

}  // namespace pk::apiserver::authn
