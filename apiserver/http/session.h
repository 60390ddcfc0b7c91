// One HTTP connection of the server (server.cc): read a request, hand it to the handler on
// the worker pool, write the answer on the connection's strand, repeat while keep-alive
// holds. Long-running answers (watch) are written as chunks as their stream produces them.
// The same session serves plain TCP and TLS (Stream = PlainStream or TlsStream); over TLS
// the client's certificate, if it sent one, rides along on every request for the x509
// authenticator to verify. Internal to http/.
#pragma once

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>
#include <string>

#include "apiserver/http/server.h"

namespace pk::http {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// What every session of one server shares. Owned by the server, outlives its sessions'
// handlers (the server joins the pool before it goes).
struct SessionContext {
  const Handler* handler;
  boost::asio::thread_pool* workers;
  ServerOptions options;
  std::atomic<int> connections{0};
  boost::asio::ssl::context* tls = nullptr;  // set when the server speaks TLS
};

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(boost::asio::ip::tcp::socket socket, SessionContext* context);
  ~Session();
  void Run();

 private:
  using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  PlainStream& Tcp() { return boost::beast::get_lowest_layer(stream_); }
  void OnHandshake(boost::beast::error_code ec);
  void Read();
  void OnRead(boost::beast::error_code ec);
  void Respond(apiserver::Request request, apiserver::Response response, unsigned version,
               bool keep_alive);
  void Write(BeastResponse response, bool keep_alive);
  void Close();
  void HandOver(std::shared_ptr<apiserver::Tunnel> tunnel);

  // Tunnels over TLS: the tunnel gets one end of a socket pair, the session copies bytes
  // between the other end and the TLS stream.
  void RelayToTunnel();
  void RelayFromTunnel();

  // Streaming (watch): header, then chunks as the stream produces them, then the last chunk.
  void StartStream(apiserver::Response response, const std::vector<std::string>& warnings);
  void Pump();
  void PumpOnce();
  void WatchForHangup();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  SessionContext* const context_;
  // The client's TLS certificate (PEM), when it sent one; shared by its requests.
  std::shared_ptr<const std::string> client_certificate_;

  // Streaming state; touched only on the connection's strand.
  std::shared_ptr<apiserver::BodyStream> body_;
  std::optional<boost::asio::steady_timer> stream_timer_;
  std::string pending_;  // read from the stream, not yet written
  std::string writing_;  // the chunk being written
  bool write_in_flight_ = false;
  bool stream_ended_ = false;  // no more data will come
  bool closed_ = false;        // the connection is closed
  char hangup_byte_ = 0;

  // Tunnel relay state (TLS only).
  std::optional<boost::asio::local::stream_protocol::socket> tunnel_end_;
  std::array<char, 16384> to_tunnel_{};
  std::array<char, 16384> from_tunnel_{};
};

}  // namespace pk::http
