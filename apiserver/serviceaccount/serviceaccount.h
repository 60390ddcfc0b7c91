// ServiceAccount tokens as kube-apiserver issues and checks them (pkg/serviceaccount,
// pkg/registry/core/serviceaccount/storage/token.go): JWTs signed with the
// --service-account-signing-key-file key (RS256 for RSA, ES256 for EC P-256), carrying
// Kubernetes' bound-token claims, handed out by POST
// /api/v1/namespaces/NS/serviceaccounts/NAME/token (a TokenRequest) and accepted as bearer
// tokens while the service account (and the pod, secret or node the token is bound to) still
// exists with the same uid.
//
//   Options o;  o.data_dir = "/var/lib/picokube";       // a key is made there when none given
//   auto tokens = Tokens::New(o, store);
//   resources.SetTokenIssuer(... tokens->AnswerTokenRequest ...);
//   authn_options.token_authenticators.push_back(... tokens->Authenticate ...);
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/authn/authn.h"
#include "apiserver/endpoints/request.h"
#include "apiserver/storage/store.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace pk::apiserver::serviceaccount {

// kube-apiserver has no default issuer (it refuses to start without one); picokube's test
// clusters start with no flags, so they get the issuer kubeadm configures.
inline constexpr char kDefaultIssuer[] = "https://kubernetes.default.svc.cluster.local";
// A TokenRequest without expirationSeconds asks for an hour (the API's defaulting).
inline constexpr int64_t kDefaultExpirationSeconds = 3600;
// The kubelet asks for 3607 seconds for projected tokens; the apiserver then issues a token
// for a year that warns after 3607 seconds (--service-account-extend-token-expiration).
inline constexpr int64_t kWarnOnlyExpirationSeconds = 3607;
inline constexpr int64_t kExtendedExpirationSeconds = 24 * 365 * 60 * 60;

// An RSA or EC P-256 key from PEM. A private key signs and verifies; a public key verifies.
class Key {
 public:
  // The first key of `pem`: "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" or "PUBLIC KEY"
  // blocks (BadRequest when there is none, or it is neither RSA nor EC P-256).
  static Result<Key> FromPem(std::string_view pem);
  // Every key of `pem` (as --service-account-key-file reads a file: private keys count for
  // their public halves). BadRequest when there is none.
  static Result<std::vector<Key>> AllFromPem(std::string_view pem);
  static Result<Key> GenerateEcP256();

  bool is_private() const { return private_; }
  const std::string& alg() const { return alg_; }  // "RS256" or "ES256"
  // Kubernetes' key id: base64url (unpadded) of the SHA-256 of the DER (PKIX) public key.
  const std::string& kid() const { return kid_; }
  std::string PrivatePem() const;  // "" for a public key
  evp_pkey_st* pkey() const { return pkey_.get(); }

 private:
  std::shared_ptr<evp_pkey_st> pkey_;
  bool private_ = false;
  std::string alg_;
  std::string kid_;
  static Result<Key> Of(std::shared_ptr<evp_pkey_st> pkey, bool is_private);
};

// A compact JWS: header {"alg":ALG,"kid":KID}, `claims` as the payload. `key` must be private.
Result<std::string> SignJwt(const Key& key, const nlohmann::json& claims);
// The claims of `token` when one of `keys` verifies its signature (the header's alg must be
// that key's); Unauthorized with the reason otherwise.
Result<nlohmann::json> VerifyJwt(std::string_view token, const std::vector<Key>& keys);
// The payload of something shaped as a compact JWS, unverified; nullopt when it is not one.
std::optional<nlohmann::json> PeekClaims(std::string_view token);

struct Options {
  std::vector<std::string> key_files;      // --service-account-key-file: PEM public keys
  std::string signing_key_file;            // --service-account-signing-key-file: PEM private key
  std::vector<std::string> issuers;        // --service-account-issuer: the first one signs
  std::vector<std::string> api_audiences;  // --api-audiences; empty: the issuers
  bool extend_token_expiration = true;     // --service-account-extend-token-expiration
  // With no signing key file, the key DATA_DIR/service-account.key is made at the first start
  // and reused after.
  std::string data_dir;
  std::function<int64_t()> now;  // seconds since the epoch; unset: the wall clock
};

// What a token is bound to, as the claims name it (empty names: not bound).
struct Ref {
  std::string name;
  std::string uid;
};
struct Binding {
  Ref pod, secret, node;
};

class Tokens {
 public:
  // Loads (or makes) the keys. `store` must outlive the Tokens.
  static Result<std::unique_ptr<Tokens>> New(const Options& options, storage::Store* store);

  const std::vector<std::string>& api_audiences() const { return audiences_; }

  // POST serviceaccounts/NAME/token: fills the TokenRequest's status (token and
  // expirationTimestamp) and defaults its spec, or says why not, in Kubernetes' words.
  Status AnswerTokenRequest(const Request& request, google::protobuf::Message* token_request) const;

  // The claims of a token for `sa` (a k8s.core.v1.ServiceAccount) bound as `binding`.
  nlohmann::json Claims(const google::protobuf::Message& sa, const Binding& binding,
                        const std::vector<std::string>& audiences, int64_t expiration_seconds,
                        int64_t warn_after_seconds) const;
  Result<std::string> Sign(const nlohmann::json& claims) const { return SignJwt(signer_, claims); }

  // An authn::TokenAuthenticator: nullopt for a token that is not a JWT of our issuers;
  // Unauthorized (with Kubernetes' reason) for one that is but does not verify, has expired,
  // is not for `audiences` (empty: the API audiences), or whose service account, pod, secret
  // or node is gone or has another uid.
  Result<std::optional<authn::TokenUser>> Authenticate(
      const std::string& token, const std::vector<std::string>& audiences) const;

 private:
  Tokens() = default;
  int64_t Now() const;
  Result<UserInfo> ValidateBound(const nlohmann::json& claims) const;

  storage::Store* store_ = nullptr;
  Key signer_;
  std::vector<Key> keys_;  // verify: the signing key and the --service-account-key-file keys
  std::vector<std::string> issuers_;
  std::vector<std::string> audiences_;
  bool extend_ = true;
  std::function<int64_t()> now_;
};

}  // namespace pk::apiserver::serviceaccount
