// The webhook call: one HTTPS POST (Boost.Beast over boost::asio::ssl, OpenSSL), HTTP/1.1,
// the server verified against clientConfig.caBundle and the URL's host (IP SANs for IP
// literals), all within the webhook's timeoutSeconds. Errors read as Go's HTTP client writes
// them, since Kubernetes puts those words into the failure the client sees.
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>

#include "apiserver/admission/webhook/webhook.h"

namespace pk::admission::webhook {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

struct Target {
  std::string host;  // without brackets
  std::string port = "443";
  std::string path = "/";
  bool ip = false;
};

// https://host[:port][/path][?query]: validation has already required https and a host.
Result<Target> ParseUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0) return Status::BadRequest("unsupported protocol scheme");
  std::string rest = url.substr(kScheme.size());
  size_t slash = rest.find_first_of("/?");
  Target t;
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) t.path = rest.substr(slash);
  if (!t.path.empty() && t.path[0] == '?') t.path = "/" + t.path;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return Status::BadRequest("invalid IPv6 host");
    t.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      t.port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    t.host = authority.substr(0, colon);
    t.port = authority.substr(colon + 1);
  } else {
    t.host = authority;
  }
  error_code ec;
  asio::ip::make_address(t.host, ec);
  t.ip = !ec;
  return t;
}

// Runs the io_context until the started operation completes or the deadline passes; on the
// deadline, `cancel` aborts it and false is returned.
template <class Cancel>
bool RunUntil(asio::io_context& io, const bool& done, Clock::time_point deadline, Cancel cancel) {
  io.restart();
  while (!done && Clock::now() < deadline) {
    if (io.run_one_until(deadline) == 0 && io.stopped()) break;
  }
  if (done) return true;
  cancel();
  io.restart();
  io.run();
  return false;
}

std::string Lower(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Go's words for a failed verification (crypto/x509).
std::string VerifyError(long result, const Target& t) {
  switch (result) {
    case X509_V_OK:  // the host name check refused it
      return fmt::format("x509: certificate is not valid for {}", t.host);
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "x509: certificate has expired or is not yet valid";
    default:
      return "x509: certificate signed by unknown authority";
  }
}

class Call {
 public:
  Call(const Target& target, const std::string& ca_bundle, Clock::time_point deadline)
      : target_(target), ctx_(ssl::context::tls_client), deadline_(deadline) {
    error_code ec;
    if (ca_bundle.empty()) {
      ctx_.set_default_verify_paths(ec);
    } else {
      ctx_.add_certificate_authority(asio::buffer(ca_bundle), ec);
    }
    ca_error_ = ec;
    stream_.emplace(io_, ctx_);
  }

  // The response body, or the error detail.
  Result<std::string> Post(const std::string& body) {
    if (ca_error_) return Fail("x509: the caBundle holds no usable certificate");
    PK_RETURN_IF_ERROR(Connect());
    PK_RETURN_IF_ERROR(Handshake());
    http::request<http::string_body> req{http::verb::post, target_.path, 11};
    req.set(http::field::host, target_.ip ? target_.host : target_.host + ":" + target_.port);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::accept, "application/json, */*");
    req.set(http::field::user_agent, "kube-apiserver-admission");
    req.body() = body;
    req.prepare_payload();
    bool done = false;
    error_code ec;
    http::async_write(*stream_, req, [&](error_code e, size_t) { ec = e, done = true; });
    if (!Run(done)) return Fail("context deadline exceeded");
    if (ec) return Fail(ec == asio::error::eof ? "EOF" : ec.message());
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    done = false;
    http::async_read(*stream_, buffer, res, [&](error_code e, size_t) { ec = e, done = true; });
    if (!Run(done)) return Fail("context deadline exceeded");
    if (ec) {
      bool eof = ec == http::error::end_of_stream || ec == asio::error::eof;
      return Fail(eof ? "EOF" : ec.message());
    }
    int code = static_cast<int>(res.result_int());
    if (code < 200 || code > 299) {
      return Status::InternalError(fmt::format(
          "the server responded with the status code {} but did not return more information",
          code));
    }
    return std::move(res.body());
  }

  void set_url(std::string url) { url_ = std::move(url); }

 private:
  Status Fail(const std::string& detail) const {
    return Status::InternalError(fmt::format("Post \"{}\": {}", url_, detail));
  }

  bool Run(const bool& done) {
    return RunUntil(io_, done, deadline_, [this] {
      error_code ignored;
      beast::get_lowest_layer(*stream_).socket().close(ignored);
    });
  }

  Status Connect() {
    asio::ip::tcp::resolver resolver(io_);
    bool done = false;
    error_code ec;
    asio::ip::tcp::resolver::results_type endpoints;
    resolver.async_resolve(target_.host, target_.port,
                           [&](error_code e, asio::ip::tcp::resolver::results_type r) {
                             ec = e, endpoints = std::move(r), done = true;
                           });
    if (!RunUntil(io_, done, deadline_, [&] { resolver.cancel(); })) {
      return Fail("context deadline exceeded");
    }
    if (ec) return Fail(fmt::format("dial tcp: lookup {}: {}", target_.host, ec.message()));
    done = false;
    beast::get_lowest_layer(*stream_).async_connect(
        endpoints, [&](error_code e, const asio::ip::tcp::endpoint&) { ec = e, done = true; });
    if (!Run(done)) return Fail("context deadline exceeded");
    if (ec) {
      return Fail(fmt::format("dial tcp {}:{}: connect: {}", target_.host, target_.port,
                              Lower(ec.message())));
    }
    return Status();
  }

  Status Handshake() {
    if (!target_.ip) SSL_set_tlsext_host_name(stream_->native_handle(), target_.host.c_str());
    stream_->set_verify_mode(ssl::verify_peer);
    stream_->set_verify_callback(ssl::host_name_verification(target_.host));
    bool done = false;
    error_code ec;
    stream_->async_handshake(ssl::stream_base::client, [&](error_code e) { ec = e, done = true; });
    if (!Run(done)) return Fail("context deadline exceeded");
    if (!ec) return Status();
    long verify = SSL_get_verify_result(stream_->native_handle());
    if (ec.category() == asio::error::get_ssl_category() &&
        ERR_GET_REASON(ec.value()) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      return Fail("tls: failed to verify certificate: " + VerifyError(verify, target_));
    }
    return Fail("remote error: tls: " + ec.message());
  }

  Target target_;
  asio::io_context io_;
  ssl::context ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  Clock::time_point deadline_;
  error_code ca_error_;
  std::string url_;
};

}  // namespace

Result<std::string> PostJson(const std::string& url, const std::string& ca_bundle,
                             const std::string& body, std::chrono::milliseconds timeout) {
  auto target = ParseUrl(url);
  if (!target.ok()) {
    return Status::InternalError(fmt::format("Post \"{}\": {}", url, target.status().message()));
  }
  Call call(*target, ca_bundle, Clock::now() + timeout);
  call.set_url(url);
  return call.Post(body);
}

Result<std::string> CallUrl(const Hook& hook) {
  const auto& cc = hook.client_config;
  const std::string timeout = fmt::format("?timeout={}s", hook.timeout_seconds);
  if (cc.has_url()) return cc.url() + timeout;
  const auto& svc = cc.service();
  std::string url = fmt::format("https://{}.{}.svc:{}{}", svc.name(), svc.namespace_(),
                                svc.has_port() ? svc.port() : 443, svc.path());
  return Status::InternalError(fmt::format(
      "Post \"{}{}\": service references cannot be called: picokube services have no network "
      "(use clientConfig.url)",
      url, timeout));
}

}  // namespace pk::admission::webhook
