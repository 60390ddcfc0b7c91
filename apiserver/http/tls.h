// TLS for the REST face: the server's OpenSSL context and what a session learns from the
// handshake. Internal to http/ (the public options are in server.h).
#pragma once

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

#include "apimachinery/status.h"
#include "apiserver/http/server.h"

namespace pk::http {

// TLS 1.2 and up (kube-apiserver's minimum), HTTP/1.1 offered in ALPN, the server's
// certificate chain and key from PEM files. With a client CA file, clients are asked for a
// certificate issued by it, but one that fails (or none) does not end the handshake:
// verifying it is the x509 authenticator's job, as in Kubernetes, so that a bad certificate
// gets a 401 Status rather than a dropped connection. Errors name the file.
Result<std::unique_ptr<boost::asio::ssl::context>> NewServerContext(const TlsOptions& options);

// The peer's certificate as PEM; "" when it sent none.
std::string PeerCertificatePem(SSL* ssl);

}  // namespace pk::http
