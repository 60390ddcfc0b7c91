// PEM keys through OpenSSL's EVP API, and Kubernetes' key id
// (pkg/serviceaccount/jwt.go keyIDFromPublicKey).
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "apiserver/serviceaccount/internal.h"
#include "apiserver/serviceaccount/serviceaccount.h"

namespace pk::apiserver::serviceaccount {
namespace {

std::shared_ptr<evp_pkey_st> Own(EVP_PKEY* key) {
  return std::shared_ptr<evp_pkey_st>(key, EVP_PKEY_free);
}

// "RS256" for RSA, "ES256" for EC on P-256, "" for anything else.
std::string AlgOf(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) return "RS256";
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return "";
  char curve[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof(curve), &len) != 1) return "";
  return std::string(curve) == "prime256v1" ? "ES256" : "";
}

// The PEM blocks of `pem`, each "-----BEGIN X-----" to its "-----END X-----".
std::vector<std::pair<std::string, std::string>> Blocks(std::string_view pem) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while ((at = pem.find("-----BEGIN ", at)) != std::string_view::npos) {
    size_t label_end = pem.find("-----", at + 11);
    if (label_end == std::string_view::npos) break;
    std::string label(pem.substr(at + 11, label_end - at - 11));
    std::string end = "-----END " + label + "-----";
    size_t stop = pem.find(end, label_end);
    if (stop == std::string_view::npos) break;
    out.emplace_back(label, std::string(pem.substr(at, stop + end.size() - at)));
    at = stop + end.size();
  }
  return out;
}

EVP_PKEY* Parse(const std::string& label, const std::string& block) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(block.data(), block.size()),
                                                BIO_free);
  if (label.find("PRIVATE KEY") != std::string::npos) {
    return PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  }
  if (label == "PUBLIC KEY") return PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  return nullptr;
}

}  // namespace

Result<Key> Key::Of(std::shared_ptr<evp_pkey_st> pkey, bool is_private) {
  Key key;
  key.alg_ = AlgOf(pkey.get());
  if (key.alg_.empty()) {
    return Status::BadRequest("the key is neither RSA nor ECDSA on the P-256 curve");
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey.get(), &der);
  if (len <= 0) return Status::InternalError("encoding the public key as DER");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  key.kid_ = Base64Url(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  key.pkey_ = std::move(pkey);
  key.private_ = is_private;
  return key;
}

Result<std::vector<Key>> Key::AllFromPem(std::string_view pem) {
  std::vector<Key> keys;
  for (const auto& [label, block] : Blocks(pem)) {
    EVP_PKEY* parsed = Parse(label, block);
    if (parsed == nullptr) continue;  // certificates and other blocks are not keys
    auto key = Of(Own(parsed), label.find("PRIVATE KEY") != std::string::npos);
    if (!key.ok()) return key.take_status();
    keys.push_back(std::move(key).value());
  }
  if (keys.empty()) return Status::BadRequest("data does not contain any valid RSA or ECDSA keys");
  return keys;
}

Result<Key> Key::FromPem(std::string_view pem) {
  auto keys = AllFromPem(pem);
  if (!keys.ok()) return keys.take_status();
  return std::move(keys->front());
}

Result<Key> Key::GenerateEcP256() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return Status::InternalError("generating an EC P-256 key");
  return Of(Own(key), true);
}

std::string Key::PrivatePem() const {
  if (!private_) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
      1) {
    return "";
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace pk::apiserver::serviceaccount
