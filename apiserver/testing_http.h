// For the apiserver's tests: one HTTP/1.1 request to a server on 127.0.0.1 (Boost.Beast),
// blocking, and its answer.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <string>
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
#include <vector>

namespace pk::apiserver::http_testing {

struct HttpAnswer {
  int code = 0;
  std::string content_type;
  std::string body;
};

// With more request headers (e.g. {{"Authorization", "Bearer TOKEN"}}).
inline HttpAnswer HttpWithHeaders(uint16_t port, boost::beast::http::verb verb,
                                  const std::string& target, const std::string& body,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& content_type = "application/json") {
  namespace bhttp = boost::beast::http;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::string_body> req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), std::string(res[bhttp::field::content_type]),
          res.body()};
}

inline HttpAnswer Http(uint16_t port, boost::beast::http::verb verb, const std::string& target,
                       const std::string& body = "",
                       const std::string& content_type = "application/json",
                       const std::string& user_agent = "") {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!user_agent.empty()) headers.emplace_back("User-Agent", user_agent);
  return HttpWithHeaders(port, verb, target, body, headers, content_type);
}

}  // namespace pk::apiserver::http_testing
