// One HTTP connection of the server (server.cc): read a request, hand it to the handler on
// the worker pool, write the answer on the connection's strand, repeat while keep-alive
// holds. Long-running answers (watch) are written as chunks as their stream produces them.
// Internal to http/.
#pragma once

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "apiserver/http/server.h"

namespace pk::http {

// What every session of one server shares. Owned by the server, outlives its sessions'
// handlers (the server joins the pool before it goes).
struct SessionContext {
  const Handler* handler;
  boost::asio::thread_pool* workers;
  ServerOptions options;
  std::atomic<int> connections{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, SessionContext* context);
  ~Session();
  void Run();

 private:
  using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

  void Read();
  void OnRead(boost::beast::error_code ec);
  void Respond(apiserver::Request request, apiserver::Response response, unsigned version,
               bool keep_alive);
  void Write(BeastResponse response, bool keep_alive);
  void Close();
  void HandOver(std::shared_ptr<apiserver::Tunnel> tunnel);

  // Streaming (watch): header, then chunks as the stream produces them, then the last chunk.
  void StartStream(apiserver::Response response, unsigned version);
  void Pump();
  void PumpOnce();
  void WatchForHangup();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  SessionContext* const context_;

  // Streaming state; touched only on the connection's strand.
  std::shared_ptr<apiserver::BodyStream> body_;
  std::optional<boost::asio::steady_timer> stream_timer_;
  std::string pending_;  // read from the stream, not yet written
  std::string writing_;  // the chunk being written
  bool write_in_flight_ = false;
  bool stream_ended_ = false;  // no more data will come
  bool closed_ = false;        // the connection is closed
  char hangup_byte_ = 0;
};

}  // namespace pk::http
