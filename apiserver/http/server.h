// The apiserver's HTTP/1.1 listener (Boost.Beast): accepts connections, reads requests with
// keep-alive, turns each into the transport-neutral Request (endpoints/request.h), runs the
// handler (the handler chain) and writes its Response -- at once, or as a chunked stream for
// long-running responses (watch), flushed per chunk, until the stream ends, times out or the
// client goes away. Transport only: routing and encoding live above it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "apimachinery/status.h"
#include "apiserver/endpoints/request.h"

namespace pk::http {

// Produces the response to one request. Called on a server thread; must not throw.
using Handler = std::function<apiserver::Response(apiserver::Request&)>;

// HTTPS: the server's certificate (chain) and key, PEM; with a client CA, clients are asked
// for a certificate (verified by the x509 authenticator, not here). No cert_file: plain HTTP.
struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (see Server::port())
  // Threads doing network I/O; they never run handlers, so a slow request (a write waiting
  // for its sync, a read waiting for a resourceVersion) never stalls other connections.
  int io_threads = 2;
  int handler_threads = 16;               // threads running the handler
  uint64_t body_limit = 3 * 1024 * 1024;  // Kubernetes' request size limit: 413 beyond
  int max_connections = 4096;             // more are closed at once
  // A connection that sends no complete request for this long is closed (slow or idle
  // clients), as Go's http.Server ReadTimeout/IdleTimeout do for the Kubernetes apiserver.
  std::chrono::seconds read_timeout{90};
  // A response (or a watch chunk) the client does not take within this long ends the
  // connection: a client that stopped reading cannot pin a watch forever.
  std::chrono::seconds write_timeout{60};
  TlsOptions tls;
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
