// The x509 client-certificate authenticator (k8s.io/apiserver/pkg/authentication/request/x509):
// the certificate the client sent over TLS must chain to --client-ca-file and allow client
// authentication; its subject's CommonName is the user and its Organizations the groups.
// Verifying costs a signature check, so each certificate's answer is kept until it expires
// or for a few minutes (the gRPC face presents the certificate on every call).
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "apiserver/authn/authn.h"

namespace pk::apiserver::authn {
namespace {

using Clock = std::chrono::system_clock;
constexpr size_t kMaxCached = 1024;
constexpr auto kCacheFor = std::chrono::minutes(5);

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
  void operator()(BIO* b) const { BIO_free(b); }
};
template <class T>
using Owned = std::unique_ptr<T, X509Deleter>;

Owned<X509> ParsePem(const std::string& pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return Owned<X509>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

std::vector<std::string> SubjectEntries(X509* cert, int nid) {
  std::vector<std::string> out;
  X509_NAME* name = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len >= 0) out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  return out;
}

Clock::time_point NotAfter(X509* cert) {
  int days = 0, seconds = 0;
  if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(cert)) != 1) {
    return Clock::now();
  }
  return Clock::now() + std::chrono::hours(24) * days + std::chrono::seconds(seconds);
}

class X509Authenticator {
 public:
  explicit X509Authenticator(Owned<X509_STORE> roots) : roots_(std::move(roots)) {}

  // Unauthorized for a certificate that does not verify or names no user.
  Result<UserInfo> Authenticate(const std::string& pem) {
    auto now = Clock::now();
    {
      std::lock_guard lock(mu_);
      auto it = cache_.find(pem);
      if (it != cache_.end() && it->second.until > now) return it->second.answer;
    }
    Clock::time_point until = now;
    Result<UserInfo> answer = Verify(pem, &until);
    std::lock_guard lock(mu_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_.insert_or_assign(pem, Entry{answer, std::min(until, now + kCacheFor)});
    return answer;
  }

 private:
  struct Entry {
    Result<UserInfo> answer;
    Clock::time_point until;
  };

  Result<UserInfo> Verify(const std::string& pem, Clock::time_point* until) {
    Owned<X509> cert = ParsePem(pem);
    if (!cert) return Status::Unauthorized("Unauthorized");
    Owned<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
    bool ok = ctx && X509_STORE_CTX_init(ctx.get(), roots_.get(), cert.get(), nullptr) == 1 &&
              X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT) == 1 &&
              X509_verify_cert(ctx.get()) == 1;
    ERR_clear_error();
    if (!ok) return Status::Unauthorized("Unauthorized");
    *until = NotAfter(cert.get());
    auto names = SubjectEntries(cert.get(), NID_commonName);
    if (names.empty() || names[0].empty()) return Status::Unauthorized("Unauthorized");
    UserInfo user;
    user.name = names[0];
    user.groups = SubjectEntries(cert.get(), NID_organizationName);
    return user;
  }

  const Owned<X509_STORE> roots_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
};

}  // namespace

Result<CertificateAuthenticator> NewCertificateAuthenticator(const std::string& client_ca_file) {
  Owned<X509_STORE> roots(X509_STORE_new());
  if (!roots || X509_STORE_load_file(roots.get(), client_ca_file.c_str()) != 1) {
    ERR_clear_error();
    return Status::BadRequest(
        fmt::format("--client-ca-file {}: cannot read a PEM certificate from it", client_ca_file));
  }
  auto authenticator = std::make_shared<X509Authenticator>(std::move(roots));
  return CertificateAuthenticator(
      [authenticator](const std::string& pem) { return authenticator->Authenticate(pem); });
}

}  // namespace pk::apiserver::authn
