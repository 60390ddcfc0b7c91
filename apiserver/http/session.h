// One HTTP connection of the server (server.cc): read a request, answer it, repeat while
// keep-alive holds. Internal to http/.
#pragma once

#include <utility>  // before Boost 1.74's asio, which needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "apiserver/http/server.h"

namespace pk::http {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, const Handler& handler, uint64_t body_limit);
  void Run();

 private:
  using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
  using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

  void Read();
  void OnRead(boost::beast::error_code ec);
  void Write(BeastResponse response, bool keep_alive);
  void Close();

  // Streaming (watch): header, then chunks as the stream produces them, then the last chunk.
  void StartStream(apiserver::Response response, unsigned version, bool keep_alive);
  void Pump();
  void EndStream();
  void WatchForHangup();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  const Handler& handler_;
  const uint64_t body_limit_;

  // Streaming state; touched only on the connection's strand.
  std::shared_ptr<apiserver::BodyStream> body_;
  std::optional<boost::asio::steady_timer> stream_timer_;
  std::string pending_;       // read from the stream, not yet written
  std::string writing_;       // the chunk being written
  bool write_in_flight_ = false;
  bool stream_ended_ = false;  // no more data will come
  bool stream_done_ = false;   // the last chunk is written or the connection is gone
  bool keep_alive_ = false;
  char hangup_byte_ = 0;
};

}  // namespace pk::http
