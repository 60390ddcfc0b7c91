// The apiserver's HTTP/1.1 listener (Boost.Beast): accepts connections, reads requests with
// keep-alive, turns each into the transport-neutral Request (endpoints/request.h), runs the
// handler (the handler chain) and writes its Response -- at once, or as a chunked stream for
// long-running responses (watch), flushed per chunk, until the stream ends, times out or the
// client goes away. Transport only: routing and encoding live above it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::http {

// Produces the response to one request. Called on a server thread; must not throw.
using Handler = std::function<apiserver::Response(apiserver::Request&)>;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port())
  int threads = 4;
  uint64_t body_limit = 3 * 1024 * 1024;  // Kubernetes' request size limit: 413 beyond
};

class Server {
 public:
  // Binds and starts serving on background threads. Errors name the address.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler);
  virtual ~Server() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting, ends streams, closes connections and joins the threads; idempotent.
  virtual void Stop() = 0;
};

}  // namespace pk::http
