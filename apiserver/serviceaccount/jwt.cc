// Compact JWS (RFC 7515) with RS256 and ES256, as go-jose writes and checks them for
// Kubernetes' service account tokens. ES256 signatures are R || S, 32 bytes each (RFC 7518
// 3.4), not OpenSSL's DER.
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "apiserver/serviceaccount/internal.h"
#include "apiserver/serviceaccount/serviceaccount.h"

namespace pk::apiserver::serviceaccount {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kEcHalf = 32;

using MdCtx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::optional<std::string> DerToRaw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return std::nullopt;
  std::string raw(2 * kEcHalf, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, kEcHalf) == kEcHalf &&
            BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + kEcHalf, kEcHalf) == kEcHalf;
  ECDSA_SIG_free(sig);
  if (!ok) return std::nullopt;
  return raw;
}

std::optional<std::string> RawToDer(const std::string& raw) {
  if (raw.size() != 2 * kEcHalf) return std::nullopt;
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(in, kEcHalf, nullptr), BN_bin2bn(in + kEcHalf, kEcHalf, nullptr));
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> Signature(const Key& key, const std::string& input) {
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return Status::InternalError("signing the token");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return Status::InternalError("signing the token");
  }
  sig.resize(len);
  if (key.alg() == "RS256") return sig;
  auto raw = DerToRaw(sig);
  if (!raw) return Status::InternalError("encoding the ECDSA signature");
  return *raw;
}

bool Verifies(const Key& key, const std::string& input, const std::string& signature) {
  std::string sig = signature;
  if (key.alg() == "ES256") {
    auto der = RawToDer(signature);
    if (!der) return false;
    sig = *der;
  }
  MdCtx ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.pkey()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

struct Parts {
  nlohmann::json header, claims;
  std::string signing_input, signature;
};

std::optional<Parts> Split(std::string_view token) {
  size_t a = token.find('.');
  size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos || token.find('.', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header = FromBase64Url(token.substr(0, a));
  auto payload = FromBase64Url(token.substr(a + 1, b - a - 1));
  auto signature = FromBase64Url(token.substr(b + 1));
  if (!header || !payload || !signature) return std::nullopt;
  Parts parts;
  parts.header = nlohmann::json::parse(*header, nullptr, false);
  parts.claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!parts.header.is_object() || !parts.claims.is_object()) return std::nullopt;
  parts.signing_input = std::string(token.substr(0, b));
  parts.signature = std::move(*signature);
  return parts;
}

}  // namespace

std::string Base64Url(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : data) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 0x3f];
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const char* at = std::char_traits<char>::find(kAlphabet, 64, c);
    if (at == nullptr) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(at - kAlphabet);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  if (count >= 6) return std::nullopt;  // a lone trailing character holds no whole byte
  return out;
}

Result<std::string> SignJwt(const Key& key, const nlohmann::json& claims) {
  if (!key.is_private()) return Status::InternalError("signing needs a private key");
  nlohmann::ordered_json header = {{"alg", key.alg()}, {"kid", key.kid()}};
  std::string input = Base64Url(header.dump()) + "." + Base64Url(claims.dump());
  auto signature = Signature(key, input);
  if (!signature.ok()) return signature.take_status();
  return input + "." + Base64Url(*signature);
}

Result<nlohmann::json> VerifyJwt(std::string_view token, const std::vector<Key>& keys) {
  auto parts = Split(token);
  if (!parts) return Status::Unauthorized("the token is not a compact JWS");
  std::string alg = parts->header.value("alg", "");
  for (const Key& key : keys) {
    if (key.alg() == alg && Verifies(key, parts->signing_input, parts->signature)) {
      return std::move(parts->claims);
    }
  }
  // go-jose's words when no key verifies the signature.
  return Status::Unauthorized("square/go-jose: error in cryptographic primitive");
}

std::optional<nlohmann::json> PeekClaims(std::string_view token) {
  auto parts = Split(token);
  if (!parts) return std::nullopt;
  return std::move(parts->claims);
}

}  // namespace pk::apiserver::serviceaccount
