#include "apiserver/http/tls.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

namespace pk::http {
namespace {

namespace ssl = boost::asio::ssl;

// Picks http/1.1 when the client offers it (kubectl offers h2 first); otherwise no ALPN
// answer, and the client falls back to HTTP/1.1 as it would with a server that knows none.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
               unsigned int in_len, void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof(kHttp11), in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Accepts whatever certificate the client sends; the authenticator verifies it.
int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

Status FileError(const char* flag, const std::string& file, const boost::system::error_code& ec) {
  return Status::BadRequest(fmt::format("{} {}: {}", flag, file, ec.message()));
}

}  // namespace

Result<std::unique_ptr<ssl::context>> NewServerContext(const TlsOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  context->use_certificate_chain_file(options.cert_file, ec);
  if (ec) return FileError("--tls-cert-file", options.cert_file, ec);
  context->use_private_key_file(options.key_file, ssl::context::pem, ec);
  if (ec) return FileError("--tls-private-key-file", options.key_file, ec);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_check_private_key(native) != 1) {
    return Status::BadRequest(
        fmt::format("--tls-private-key-file {} does not match --tls-cert-file {}", options.key_file,
                    options.cert_file));
  }
  SSL_CTX_set_alpn_select_cb(native, SelectAlpn, nullptr);
  if (!options.client_ca_file.empty()) {
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names == nullptr) {
      ERR_clear_error();
      return Status::BadRequest(
          fmt::format("--client-ca-file {}: no PEM certificate in it", options.client_ca_file));
    }
    SSL_CTX_set_client_CA_list(native, names);  // takes ownership
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, AcceptAnyCertificate);
  }
  return context;
}

std::string PeerCertificatePem(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr && PEM_write_bio_X509(bio, cert) == 1) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    if (size > 0) out.assign(data, static_cast<size_t>(size));
  }
  BIO_free(bio);
  X509_free(cert);
  return out;
}

}  // namespace pk::http
