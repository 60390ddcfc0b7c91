// Service account tokens: JWT signing and verification with RS256 and ES256 keys (round trip,
// wrong key, tampered payload, Kubernetes' kid), the claims of a TokenRequest's token, and the
// authenticator's checks (expiry, audience, a deleted or recreated service account, a deleted
// pod) over a memory store.
#include "apiserver/serviceaccount/serviceaccount.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>

#include "apiserver/serviceaccount/internal.h"
#include "proto/authentication/v1/authentication.pb.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::apiserver::serviceaccount {
namespace {

using nlohmann::json;

Key RsaKey() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  REQUIRE(pkey != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  auto key = Key::FromPem(pem);
  REQUIRE_MESSAGE(key.ok(), key.status().ToString());
  return *key;
}

Key EcKey() {
  auto key = Key::GenerateEcP256();
  REQUIRE(key.ok());
  return *key;
}

// The key's public half alone, as --service-account-key-file would hold it.
Key PublicHalf(const Key& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key.pkey());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  auto pub = Key::FromPem(pem);
  REQUIRE(pub.ok());
  return *pub;
}

TEST_CASE("JWT: RS256 and ES256 round trip; a public key verifies; the header names alg and kid") {
  for (const Key& key : {RsaKey(), EcKey()}) {
    CAPTURE(key.alg());
    json claims = {{"iss", "me"}, {"sub", "you"}};
    auto token = SignJwt(key, claims);
    REQUIRE(token.ok());
    auto verified = VerifyJwt(*token, {PublicHalf(key)});
    REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
    CHECK(*verified == claims);
    auto header = json::parse(*FromBase64Url(token->substr(0, token->find('.'))));
    CHECK(header == json{{"alg", key.alg()}, {"kid", key.kid()}});
    CHECK(key.kid() == PublicHalf(key).kid());
    CHECK(key.kid().size() == 43);  // SHA-256, base64url without padding
    CHECK_FALSE(PublicHalf(key).is_private());
    CHECK_FALSE(SignJwt(PublicHalf(key), claims).ok());
  }
  CHECK(RsaKey().alg() == "RS256");
  CHECK(EcKey().alg() == "ES256");
}

TEST_CASE("JWT: another key, a tampered payload or a mangled token do not verify") {
  Key key = EcKey();
  auto token = SignJwt(key, {{"sub", "a"}});
  REQUIRE(token.ok());
  auto other = VerifyJwt(*token, {EcKey(), RsaKey()});
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().reason() == Reason::kUnauthorized);
  CHECK(other.status().message() == "square/go-jose: error in cryptographic primitive");

  size_t a = token->find('.'), b = token->rfind('.');
  std::string tampered =
      token->substr(0, a + 1) + Base64Url(R"({"sub":"admin"})") + token->substr(b);
  CHECK_FALSE(VerifyJwt(tampered, {key}).ok());
  CHECK(PeekClaims(tampered)->at("sub") == "admin");  // readable, but not to be trusted
  CHECK_FALSE(VerifyJwt("not-a-jwt", {key}).ok());
  CHECK_FALSE(PeekClaims("a.b").has_value());
  CHECK(VerifyJwt(*token, {key}).ok());
}

TEST_CASE("kid is Kubernetes' key id: base64url of SHA-256 of the DER public key") {
  // A fixed P-256 key and the kid Go's keyIDFromPublicKey gives it (computed independently
  // with `openssl pkey -pubout -outform DER | openssl dgst -sha256 -binary | basenc --base64url`,
  // padding dropped).
  const char* pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg57P6v2fIdNhRQSSj\n"
      "tuJw94m0VJoH8PjmHw/4f2Uwkm6hRANCAASt0CkuwNzvN3UYw6YISLFp6kmEOB3f\n"
      "eVr61UplsZm+pX+MunzBiiSgxvLR6xTrx4YpKg2TWl2L7JJRazsZ7+O2\n"
      "-----END PRIVATE KEY-----\n";
  auto key = Key::FromPem(pem);
  REQUIRE_MESSAGE(key.ok(), key.status().ToString());
  CHECK(key->alg() == "ES256");
  CHECK(key->kid() == "AXbVl3Hj5P4leVwJ4ZKELIOKY5lVpp2JvQ6AnQcWJmw");
}

TEST_CASE("Key::AllFromPem: every key of a file; nothing usable is BadRequest") {
  Key ec = EcKey();
  std::string two = ec.PrivatePem() + EcKey().PrivatePem();
  auto keys = Key::AllFromPem(two);
  REQUIRE(keys.ok());
  CHECK(keys->size() == 2);
  auto none = Key::AllFromPem("hello");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message() == "data does not contain any valid RSA or ECDSA keys");
}

// A memory store with namespace "ns": service account "bot", pod "web" running as bot.
struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<storage::Store> store = storage::NewMemoryStore();
  int64_t now = 1'800'000'000;
  std::unique_ptr<Tokens> tokens;

  Fixture() {
    Options options;
    options.data_dir = dir.path().string();
    options.now = [this] { return now; };
    auto made = Tokens::New(options, store.get());
    REQUIRE_MESSAGE(made.ok(), made.status().ToString());
    tokens = std::move(made).value();
    CreateServiceAccount("bot", "sa-uid-1");
    auto pod = std::make_unique<k8s::core::v1::Pod>();
    pod->mutable_metadata()->set_name("web");
    pod->mutable_metadata()->set_namespace_("ns");
    pod->mutable_metadata()->set_uid("pod-uid-1");
    pod->mutable_spec()->set_service_account_name("bot");
    REQUIRE(store->Create(storage::ObjectKey("pods", "ns", "web"), std::move(pod)).ok());
  }
  void CreateServiceAccount(const std::string& name, const std::string& uid) {
    auto sa = std::make_unique<k8s::core::v1::ServiceAccount>();
    sa->mutable_metadata()->set_name(name);
    sa->mutable_metadata()->set_namespace_("ns");
    sa->mutable_metadata()->set_uid(uid);
    REQUIRE(store->Create(storage::ObjectKey("serviceaccounts", "ns", name), std::move(sa)).ok());
  }
  Result<k8s::authentication::v1::TokenRequest> Request(const std::string& name,
                                                        const std::string& body_json) {
    k8s::authentication::v1::TokenRequest req;
    if (!body_json.empty()) {
      json body = json::parse(body_json);
      for (const auto& a : body.value("audiences", json::array()))
        req.mutable_spec()->add_audiences(a);
      if (body.contains("expirationSeconds")) {
        req.mutable_spec()->set_expiration_seconds(body["expirationSeconds"]);
      }
      if (body.contains("pod")) {
        auto* ref = req.mutable_spec()->mutable_bound_object_ref();
        ref->set_kind("Pod");
        ref->set_api_version("v1");
        ref->set_name(body["pod"]);
        ref->set_uid(body["uid"]);
      }
    }
    pk::apiserver::Request request;
    request.info.ns = "ns";
    request.info.name = name;
    Status s = tokens->AnswerTokenRequest(request, &req);
    if (!s.ok()) return s;
    return req;
  }
  Result<authn::TokenUser> Authenticate(const std::string& token,
                                        const std::vector<std::string>& audiences = {}) {
    auto user = tokens->Authenticate(token, audiences);
    if (!user.ok()) return user.take_status();
    if (!user->has_value()) return Status::NotFound({"", "tokens"}, "not ours");
    return std::move(**user);
  }
};

TEST_CASE("TokenRequest: defaults, the claims Kubernetes writes, and the user they name") {
  Fixture f;
  auto req = f.Request("bot", "");
  REQUIRE_MESSAGE(req.ok(), req.status().ToString());
  CHECK(req->spec().expiration_seconds() == 3600);
  CHECK(req->spec().audiences(0) == kDefaultIssuer);
  CHECK(req->metadata().name() == "bot");
  CHECK(req->status().expiration_timestamp().seconds() == f.now + 3600);
  json claims = *PeekClaims(req->status().token());
  CHECK(claims["iss"] == kDefaultIssuer);
  CHECK(claims["sub"] == "system:serviceaccount:ns:bot");
  CHECK(claims["aud"] == json::array({kDefaultIssuer}));
  CHECK(claims["exp"] == f.now + 3600);
  CHECK(claims["iat"] == f.now);
  CHECK(claims["nbf"] == f.now);
  CHECK(claims["jti"].get<std::string>().size() == 36);
  CHECK(claims["kubernetes.io"] ==
        json{{"namespace", "ns"}, {"serviceaccount", {{"name", "bot"}, {"uid", "sa-uid-1"}}}});

  auto user = f.Authenticate(req->status().token());
  REQUIRE_MESSAGE(user.ok(), user.status().ToString());
  CHECK(user->user.name == "system:serviceaccount:ns:bot");
  CHECK(user->user.uid == "sa-uid-1");
  CHECK(user->user.groups ==
        std::vector<std::string>{"system:serviceaccounts", "system:serviceaccounts:ns"});
  CHECK(user->user.extra["authentication.kubernetes.io/credential-id"][0] ==
        "JTI=" + claims["jti"].get<std::string>());
  CHECK(user->audiences == std::vector<std::string>{kDefaultIssuer});
}

TEST_CASE("TokenRequest: Kubernetes' refusals") {
  Fixture f;
  auto missing = f.Request("nobody", "");
  CHECK(missing.status().message() == R"(serviceaccounts "nobody" not found)");
  auto short_lived = f.Request("bot", R"({"expirationSeconds":60})");
  CHECK(short_lived.status().message() ==
        R"(TokenRequest.authentication.k8s.io "bot" is invalid: spec.expirationSeconds: )"
        R"(Invalid value: 60: may not specify a duration less than 10 minutes)");
  auto wrong_uid = f.Request("bot", R"({"pod":"web","uid":"other"})");
  CHECK(wrong_uid.status().reason() == Reason::kConflict);
  CHECK(wrong_uid.status().message() ==
        R"(Operation cannot be fulfilled on Pod "web": the UID in the bound object reference )"
        R"((other) does not match the UID in record. The object might have been deleted and )"
        R"(then recreated)");
  auto no_pod = f.Request("bot", R"({"pod":"gone","uid":"x"})");
  CHECK(no_pod.status().message() == R"(pods "gone" not found)");
}

TEST_CASE("Authenticate: expiry with a minute's leeway, audiences, another issuer") {
  Fixture f;
  auto req = f.Request("bot", R"({"audiences":["api","vault"],"expirationSeconds":600})");
  REQUIRE(req.ok());
  const std::string token = req->status().token();
  CHECK_FALSE(f.Authenticate(token).ok());  // the API audience is the issuer
  auto vault = f.Authenticate(token, {"vault"});
  REQUIRE(vault.ok());
  CHECK(vault->audiences == std::vector<std::string>{"vault"});
  auto other = f.Authenticate(token, {"db"});
  CHECK(other.status().message() ==
        R"(token audiences ["api" "vault"] is invalid for the target audiences ["db"])");

  f.now += 600 + 59;
  CHECK(f.Authenticate(token, {"api"}).ok());
  f.now += 2;
  auto expired = f.Authenticate(token, {"api"});
  CHECK(expired.status().reason() == Reason::kUnauthorized);
  CHECK(expired.status().message() == "service account token has expired");

  // Someone else's JWT, or no JWT at all, is not ours to judge.
  auto foreign = SignJwt(EcKey(), {{"iss", "https://elsewhere"}});
  CHECK_FALSE(f.tokens->Authenticate(*foreign, {})->has_value());
  CHECK_FALSE(f.tokens->Authenticate("abc", {})->has_value());
  // Our issuer, another key.
  auto forged = SignJwt(EcKey(), *PeekClaims(token));
  CHECK(f.tokens->Authenticate(*forged, {"api"}).status().message() ==
        "square/go-jose: error in cryptographic primitive");
}

TEST_CASE("Authenticate: a deleted or recreated service account, a pod-bound token") {
  Fixture f;
  auto plain = f.Request("bot", "");
  auto bound = f.Request("bot", R"({"pod":"web","uid":"pod-uid-1"})");
  REQUIRE(plain.ok());
  REQUIRE(bound.ok());
  json claims = *PeekClaims(bound->status().token());
  CHECK(claims["kubernetes.io"]["pod"] == json{{"name", "web"}, {"uid", "pod-uid-1"}});
  auto user = f.Authenticate(bound->status().token());
  REQUIRE(user.ok());
  CHECK(user->user.extra["authentication.kubernetes.io/pod-name"] ==
        std::vector<std::string>{"web"});
  CHECK(user->user.extra["authentication.kubernetes.io/pod-uid"] ==
        std::vector<std::string>{"pod-uid-1"});

  REQUIRE(f.store->Delete(storage::ObjectKey("pods", "ns", "web")).ok());
  CHECK(f.Authenticate(bound->status().token()).status().message() == R"(pods "web" not found)");
  CHECK(f.Authenticate(plain->status().token()).ok());

  REQUIRE(f.store->Delete(storage::ObjectKey("serviceaccounts", "ns", "bot")).ok());
  auto gone = f.Authenticate(plain->status().token());
  CHECK(gone.status().reason() == Reason::kUnauthorized);
  CHECK(gone.status().message() == R"(serviceaccounts "bot" not found)");
  f.CreateServiceAccount("bot", "sa-uid-2");
  CHECK(f.Authenticate(plain->status().token()).status().message() ==
        "service account UID (sa-uid-2) does not match claim (sa-uid-1)");
}

TEST_CASE("Tokens::New keeps the key it makes in the data directory") {
  testing::TempDir dir;
  auto store = storage::NewMemoryStore();
  Options options;
  options.data_dir = dir.path().string();
  auto first = Tokens::New(options, store.get());
  auto second = Tokens::New(options, store.get());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  auto token = (*first)->Sign({{"iss", kDefaultIssuer}});
  REQUIRE(token.ok());
  // The second instance verifies what the first signed: it read the same key.
  auto claims = PeekClaims(*token);
  CHECK(claims.has_value());
  auto header = json::parse(*FromBase64Url(token->substr(0, token->find('.'))));
  auto again = (*second)->Sign({});
  auto header2 = json::parse(*FromBase64Url(again->substr(0, again->find('.'))));
  CHECK(header["kid"] == header2["kid"]);
  CHECK(header["alg"] == "ES256");

  options.signing_key_file = (dir.path() / "missing.pem").string();
  auto missing = Tokens::New(options, store.get());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("--service-account-signing-key-file") != std::string::npos);
}

}  // namespace
}  // namespace pk::apiserver::serviceaccount
