// The apiserver's HTTP/1.1 listener (Boost.Beast): accepts connections on loopback or any
// given address, reads requests with keep-alive, and hands each to one Handler. Transport
// only: routing, the handler chain and encoding live above it.
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "apimachinery/status.h"

namespace pk::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// Produces the response for one request. Called on a server thread; must not throw.
using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port())
  int threads = 2;
  uint64_t body_limit = 3 * 1024 * 1024;  // Kubernetes' request size limit
};

class Server {
 public:
  // Binds and starts serving on background threads. Errors name the address.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler);
  virtual ~Server() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, closes connections and joins the threads; idempotent.
  virtual void Stop() = 0;
};

}  // namespace pk::http
