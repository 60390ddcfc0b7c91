#include "apiserver/http/session.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <set>
#include <sstream>
#include <thread>

#include "apimachinery/log.h"
#include "apimachinery/time.h"
#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/request_info.h"
#include "apiserver/http/tls.h"

namespace pk::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Warnings come from request content (unknown field names): bounded in size and number,
// control characters dropped, so a body cannot forge or flood response headers.
constexpr size_t kMaxWarningBytes = 1024;
constexpr size_t kMaxWarnings = 50;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

apiserver::Request ToRequest(bhttp::request<bhttp::string_body>&& in) {
  apiserver::Request out;
  out.method = std::string(in.method_string());
  std::string_view target(in.target().data(), in.target().size());
  size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  out.request_uri = std::string(target);
  if (q != std::string_view::npos) out.query = apiserver::ParseQuery(target.substr(q + 1));
  for (const auto& field : in) {
    std::string name = Lower({field.name_string().data(), field.name_string().size()});
    std::string value(field.value());
    auto [it, inserted] = out.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  out.body = std::move(in.body());
  return out;
}

// `299 - "text"`, the Warning header Kubernetes writes (quotes and backslashes escaped).
std::string WarningValue(std::string_view text) {
  std::string out = "299 - \"";
  for (char c : text.substr(0, kMaxWarningBytes)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The head every answer has, a watch's too: its status, content type and cache control, the
// date (as Go's net/http sends it), the headers the handler chain set (Audit-Id, CORS, ...),
// and the request's warnings.
template <class Body>
void SetHead(const apiserver::Response& in, const std::vector<std::string>& warnings,
             bhttp::response<Body>* out) {
  out->result(static_cast<bhttp::status>(in.code));
  out->set(bhttp::field::content_type, in.content_type);
  out->set(bhttp::field::cache_control, "no-cache, private");
  out->set(bhttp::field::date, FormatHttpDate(NowTimestamp().seconds));
  for (const auto& [name, value] : in.headers) out->insert(name, value);
  std::set<std::string> seen;
  for (const auto& w : warnings) {
    if (seen.size() == kMaxWarnings) break;
    if (seen.insert(w).second) out->insert(bhttp::field::warning, WarningValue(w));
  }
}

bhttp::response<bhttp::string_body> ToBeast(apiserver::Response&& in,
                                            const std::vector<std::string>& warnings,
                                            unsigned version) {
  bhttp::response<bhttp::string_body> out;
  out.version(version);
  SetHead(in, warnings, &out);
  out.body() = std::move(in.body);
  return out;
}

bhttp::response<bhttp::string_body> StatusResponse(const Status& status, unsigned version) {
  return ToBeast(apiserver::ErrorResponse(status), {}, version);
}

std::string Chunk(const std::string& data) {
  return fmt::format("{:x}\r\n", data.size()) + data + "\r\n";
}

template <class Stream>
Stream MakeStream(tcp::socket socket, SessionContext* context) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(std::move(socket), *context->tls);
  } else {
    return Stream(std::move(socket));
  }
}

}  // namespace

template <class Stream>
Session<Stream>::Session(tcp::socket socket, SessionContext* context)
    : stream_(MakeStream<Stream>(std::move(socket), context)), context_(context) {
  context_->connections++;
}

template <class Stream>
Session<Stream>::~Session() {
  if (body_) body_->Close();
  context_->connections--;
}

template <class Stream>
void Session<Stream>::Run() {
  if (context_->connections > context_->options.max_connections) return Close();
  if constexpr (kTls) {
    Tcp().expires_after(context_->options.read_timeout);
    stream_.async_handshake(
        asio::ssl::stream_base::server,
        [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
  } else {
    Read();
  }
}

template <class Stream>
void Session<Stream>::OnHandshake(beast::error_code ec) {
  if (ec) return Close();  // not TLS, or no common ground: nothing to answer in
  if constexpr (kTls) {
    std::string pem = PeerCertificatePem(stream_.native_handle());
    if (!pem.empty()) client_certificate_ = std::make_shared<const std::string>(std::move(pem));
  }
  Read();
}

template <class Stream>
void Session<Stream>::Read() {
  parser_.emplace();
  parser_->body_limit(context_->options.body_limit);
  parser_->header_limit(1 << 20);
  Tcp().expires_after(context_->options.read_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
}

template <class Stream>
void Session<Stream>::OnRead(beast::error_code ec) {
  Tcp().expires_never();
  if (ec == bhttp::error::body_limit) {
    return Write(StatusResponse(Status(Reason::kRequestEntityTooLarge,
                                       fmt::format("the request body is too large: the limit "
                                                   "is {} bytes",
                                                   context_->options.body_limit)),
                                11),
                 false);
  }
  if (ec) {
    // A request Beast cannot parse gets a 400 Status; anything else (the peer went away, a
    // half-sent message, the read timeout) just ends the connection.
    bool malformed = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                     ec != bhttp::error::partial_message && ec != bhttp::error::end_of_stream;
    if (!malformed) return Close();
    return Write(StatusResponse(Status::BadRequest("malformed HTTP request: " + ec.message()), 11),
                 false);
  }
  auto beast_request = parser_->release();
  unsigned version = beast_request.version();
  bool keep_alive = beast_request.keep_alive();
  apiserver::Request request = ToRequest(std::move(beast_request));
  request.client_certificate = client_certificate_;
  beast::error_code peer_ec;  // the audit log's sourceIPs
  request.peer_address = Tcp().socket().remote_endpoint(peer_ec).address().to_string();
  // The handler runs on the worker pool; its answer is written back on this strand.
  asio::post(*context_->workers, [self = this->shared_from_this(), request = std::move(request),
                                  version, keep_alive]() mutable {
    apiserver::Response response = (*self->context_->handler)(request);
    asio::post(self->stream_.get_executor(),
               [self, request = std::move(request), response = std::move(response), version,
                keep_alive]() mutable {
                 self->Respond(std::move(request), std::move(response), version, keep_alive);
               });
  });
}

template <class Stream>
void Session<Stream>::Respond(apiserver::Request request, apiserver::Response response,
                              unsigned version, bool keep_alive) {
  if (response.stream) return StartStream(std::move(response), request.warnings);
  if (response.tunnel) return HandOver(std::move(response.tunnel));
  bool head = request.method == "HEAD";
  auto out = ToBeast(std::move(response), request.warnings, version);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head) out.body().clear();  // Content-Length stays that of the body not sent
  Write(std::move(out), keep_alive);
}

// The connection leaves Beast for the tunnel's own thread (it ends when the tunnel does).
// Plain TCP: the tunnel gets the socket itself. TLS: the tunnel gets one end of a socket
// pair and this session relays between the other end and the TLS stream, so tunnels never
// see TLS. Bytes the client sent past the request (already in buffer_) go first.
template <class Stream>
void Session<Stream>::HandOver(std::shared_ptr<apiserver::Tunnel> tunnel) {
  beast::error_code ignored;
  if constexpr (!kTls) {
    int fd = ::dup(Tcp().socket().native_handle());
    closed_ = true;  // not Close(): a shutdown would end the connection for the tunnel too
    Tcp().socket().close(ignored);
    if (fd < 0) return;
    std::thread([tunnel = std::move(tunnel), fd] { tunnel->Serve(fd); }).detach();
  } else {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return Close();
    tunnel_end_.emplace(stream_.get_executor(), asio::local::stream_protocol(), fds[0]);
    std::thread([tunnel = std::move(tunnel), fd = fds[1]] { tunnel->Serve(fd); }).detach();
    if (buffer_.size() > 0) {
      asio::write(*tunnel_end_, buffer_.data(), ignored);
      buffer_.consume(buffer_.size());
    }
    RelayToTunnel();
    RelayFromTunnel();
  }
}

template <class Stream>
void Session<Stream>::RelayToTunnel() {
  stream_.async_read_some(
      asio::buffer(to_tunnel_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
        if (ec || self->closed_) return self->Close();
        asio::async_write(*self->tunnel_end_, asio::buffer(self->to_tunnel_.data(), n),
                          [self](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            self->RelayToTunnel();
                          });
      });
}

template <class Stream>
void Session<Stream>::RelayFromTunnel() {
  tunnel_end_->async_read_some(asio::buffer(from_tunnel_), [self = this->shared_from_this()](
                                                               beast::error_code ec, size_t n) {
    if (ec || self->closed_) return self->Close();
    asio::async_write(self->stream_, asio::buffer(self->from_tunnel_.data(), n),
                      [self](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->RelayFromTunnel();
                      });
  });
}

template <class Stream>
void Session<Stream>::Write(BeastResponse response, bool keep_alive) {
  if (response.body().size() > 0 || !response.has_content_length()) response.prepare_payload();
  auto shared = std::make_shared<BeastResponse>(std::move(response));
  Tcp().expires_after(context_->options.write_timeout);
  bhttp::async_write(
      stream_, *shared,
      [self = this->shared_from_this(), shared, keep_alive](beast::error_code ec, size_t) {
        if (ec || !keep_alive) return self->Close();
        self->Read();
      });
}

// Closes the TCP connection without TLS's close_notify: the client re-reads nothing after
// an ended response, and a peer that stopped reading cannot hold the close up.
template <class Stream>
void Session<Stream>::Close() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  if (body_) body_->Close();
  if (stream_timer_) stream_timer_->cancel();
  if (tunnel_end_) tunnel_end_->close(ignored);
  Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  Tcp().socket().close(ignored);
}

template <class Stream>
void Session<Stream>::StartStream(apiserver::Response response,
                                  const std::vector<std::string>& warnings) {
  body_ = std::move(response.stream);
  bhttp::response<bhttp::empty_body> head;
  head.version(11);  // chunked: an HTTP/1.1 answer, whatever the request's version
  SetHead(response, warnings, &head);
  head.set(bhttp::field::transfer_encoding, "chunked");
  // The connection closes when the stream ends: a client re-watches on a new one.
  head.set(bhttp::field::connection, "close");
  std::ostringstream out;
  out << head.base();  // the status line and fields, through the blank line
  pending_ = out.str();
  std::weak_ptr<Session> weak = this->shared_from_this();
  auto executor = stream_.get_executor();
  body_->Start([weak, executor] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) self->Pump();
    });
  });
  if (response.stream_timeout.count() > 0) {
    stream_timer_.emplace(executor);
    stream_timer_->expires_after(response.stream_timeout);
    stream_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->stream_ended_ = true;
      self->Pump();
    });
  }
  WatchForHangup();
  Pump();
}

template <class Stream>
void Session<Stream>::WatchForHangup() {
  stream_.async_read_some(asio::buffer(&hangup_byte_, 1),
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            if (!self->closed_)
                              self->WatchForHangup();  // a stray byte; keep listening
                          });
}

// Encoding a chunk runs on this I/O thread, outside the handler chain's panic recovery:
// whatever it throws ends this connection, never the process.
template <class Stream>
void Session<Stream>::Pump() {
  try {
    PumpOnce();
  } catch (const std::exception& e) {
    pk::Logf("apiserver: watch stream failed: %s\n", e.what());
    Close();
  }
}

template <class Stream>
void Session<Stream>::PumpOnce() {
  if (closed_ || write_in_flight_) return;
  bool last = false;
  if (!stream_ended_) {
    std::string data;
    if (!body_->Read(&data)) stream_ended_ = true;
    if (!data.empty()) pending_ += Chunk(data);
  }
  if (stream_ended_) {
    pending_ += "0\r\n\r\n";
    last = true;
    body_->Close();
    if (stream_timer_) stream_timer_->cancel();
  }
  if (pending_.empty()) return;
  writing_ = std::move(pending_);
  pending_.clear();
  write_in_flight_ = true;
  Tcp().expires_after(context_->options.write_timeout);
  asio::async_write(stream_, asio::buffer(writing_),
                    [self = this->shared_from_this(), last](beast::error_code ec, size_t) {
                      self->write_in_flight_ = false;
                      if (ec || last) return self->Close();
                      self->Pump();
                    });
}

template class Session<PlainStream>;
template class Session<TlsStream>;

}  // namespace pk::http
