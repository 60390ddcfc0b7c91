// Service account tokens as bearer tokens: Kubernetes' jwtTokenAuthenticator
// (pkg/serviceaccount/jwt.go) and the bound-token validator (claims.go), in their words.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "apimachinery/object.h"
#include "apimachinery/validation.h"
#include "apiserver/serviceaccount/serviceaccount.h"

namespace pk::apiserver::serviceaccount {
namespace {

constexpr int64_t kLeewaySeconds = 60;  // go-jose's DefaultLeeway
// A bound object deleted at most this long ago still backs its tokens (the kubelet may still
// be stopping the pod).
constexpr int64_t kDeletedGraceSeconds = 60;

Status Unauthorized(std::string why) { return Status::Unauthorized(std::move(why)); }

// Go's %q of a []string: ["a" "b"].
std::string Quoted(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  for (const auto& v : values) quoted.push_back(validation::GoQuote(v));
  return fmt::format("[{}]", fmt::join(quoted, " "));
}

std::vector<std::string> AudiencesOf(const nlohmann::json& aud) {
  if (aud.is_string()) return {aud.get<std::string>()};
  std::vector<std::string> out;
  if (aud.is_array()) {
    for (const auto& a : aud) {
      if (a.is_string()) out.push_back(a.get<std::string>());
    }
  }
  return out;
}

std::optional<int64_t> NumericDate(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->is_number()) return std::nullopt;
  return it->get<int64_t>();
}

// jwt.Claims.ValidateWithLeeway, and the validator's words for each failure.
Status CheckTimes(const nlohmann::json& claims, int64_t now) {
  if (auto nbf = NumericDate(claims, "nbf"); nbf && now + kLeewaySeconds < *nbf) {
    return Unauthorized("service account token is not valid yet");
  }
  if (auto exp = NumericDate(claims, "exp"); exp && now - kLeewaySeconds > *exp) {
    return Unauthorized("service account token has expired");
  }
  if (auto iat = NumericDate(claims, "iat"); iat && now + kLeewaySeconds < *iat) {
    return Unauthorized("service account token is issued in the future");
  }
  return Status();
}

Ref RefOf(const nlohmann::json& k8s, const char* field) {
  auto it = k8s.find(field);
  if (it == k8s.end() || !it->is_object()) return {};
  return {it->value("name", ""), it->value("uid", "")};
}

}  // namespace

Result<std::optional<authn::TokenUser>> Tokens::Authenticate(
    const std::string& token, const std::vector<std::string>& audiences) const {
  auto peeked = PeekClaims(token);
  if (!peeked) return std::optional<authn::TokenUser>();  // not a JWT: not ours
  std::string issuer = peeked->value("iss", "");
  if (std::find(issuers_.begin(), issuers_.end(), issuer) == issuers_.end()) {
    return std::optional<authn::TokenUser>();  // another issuer's token
  }
  auto claims = VerifyJwt(token, keys_);
  if (!claims.ok()) return claims.take_status();
  std::vector<std::string> token_audiences = AudiencesOf(claims->value("aud", nlohmann::json()));
  if (token_audiences.empty()) token_audiences = audiences_;
  const std::vector<std::string>& wanted = audiences.empty() ? audiences_ : audiences;
  std::vector<std::string> matched;
  for (const auto& a : token_audiences) {
    if (std::find(wanted.begin(), wanted.end(), a) != wanted.end()) matched.push_back(a);
  }
  if (matched.empty()) {
    return Unauthorized(fmt::format("token audiences {} is invalid for the target audiences {}",
                                    Quoted(token_audiences), Quoted(wanted)));
  }
  auto user = ValidateBound(*claims);
  if (!user.ok()) return user.take_status();
  return std::optional<authn::TokenUser>(authn::TokenUser{std::move(user).value(), matched});
}

// validator.Validate: times, then each object the token names must still exist with the uid
// the token carries (deleted more than a minute ago counts as gone).
Result<UserInfo> Tokens::ValidateBound(const nlohmann::json& claims) const {
  const int64_t now = Now();
  PK_RETURN_IF_ERROR(CheckTimes(claims, now));
  auto k8s_it = claims.find("kubernetes.io");
  if (k8s_it == claims.end() || !k8s_it->is_object()) {
    return Unauthorized("service account token claims could not be validated");
  }
  const nlohmann::json& k8s = *k8s_it;
  const std::string ns = k8s.value("namespace", "");
  const Ref sa = RefOf(k8s, "serviceaccount");
  const Binding binding{RefOf(k8s, "pod"), RefOf(k8s, "secret"), RefOf(k8s, "node")};

  // Checks one object: it exists, has `ref.uid`, and was not deleted over a minute ago.
  auto check = [&](const char* resource, const char* what, const std::string& object_ns,
                   const Ref& ref) -> Status {
    auto object = store_->Get(storage::ObjectKey(resource, object_ns, ref.name));
    std::string path = object_ns.empty() ? ref.name : object_ns + "/" + ref.name;
    if (!object.ok()) return Unauthorized(object.status().message());
    const auto& meta = *GetObjectMeta(**object);
    if (meta.uid() != ref.uid) {
      return Unauthorized(
          fmt::format("{} UID ({}) does not match claim ({})", what, meta.uid(), ref.uid));
    }
    if (meta.has_deletion_timestamp() &&
        meta.deletion_timestamp().seconds() < now - kDeletedGraceSeconds) {
      return Unauthorized(fmt::format("{} {} has been deleted", what, path));
    }
    return Status();
  };
  PK_RETURN_IF_ERROR(check("serviceaccounts", "service account", ns, sa));
  if (!binding.secret.name.empty())
    PK_RETURN_IF_ERROR(check("secrets", "secret", ns, binding.secret));
  if (!binding.pod.name.empty()) PK_RETURN_IF_ERROR(check("pods", "pod", ns, binding.pod));
  // A pod-bound token names the pod's node for information only; a node-bound one needs it.
  if (!binding.node.name.empty() && binding.pod.name.empty()) {
    PK_RETURN_IF_ERROR(check("nodes", "node", "", binding.node));
  }

  UserInfo user;
  user.name = fmt::format("system:serviceaccount:{}:{}", ns, sa.name);
  user.uid = sa.uid;
  user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns};
  if (!binding.pod.name.empty()) {
    user.extra["authentication.kubernetes.io/pod-name"] = {binding.pod.name};
    user.extra["authentication.kubernetes.io/pod-uid"] = {binding.pod.uid};
  }
  if (std::string jti = claims.value("jti", ""); !jti.empty()) {
    user.extra["authentication.kubernetes.io/credential-id"] = {"JTI=" + jti};
  }
  if (!binding.node.name.empty()) {
    user.extra["authentication.kubernetes.io/node-name"] = {binding.node.name};
    if (!binding.node.uid.empty()) {
      user.extra["authentication.kubernetes.io/node-uid"] = {binding.node.uid};
    }
  }
  return user;
}

}  // namespace pk::apiserver::serviceaccount
