// The apiserver process: opens the store, serves the API over HTTP. Thin over its parts so
// tests can run a whole apiserver in-process.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "apiserver/admission/plugins.h"
#include "apiserver/audit/audit.h"
#include "apiserver/authn/authn.h"
#include "apiserver/http/server.h"
#include "apiserver/serviceaccount/serviceaccount.h"

namespace pk::apiserver {

struct Options {
  std::string data_dir;  // the RocksDB store lives in DATA_DIR/store
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;         // 0: any free port
  int io_threads = 2;        // network I/O
  int handler_threads = 16;  // requests served at once (beyond: queued)
  int max_requests_in_flight = 400;
  int max_mutating_requests_in_flight = 200;
  int grpc_port = 0;        // the gRPC face (ResourceService): 0 any free port, -1 none
  std::string grpc_socket;  // also serve gRPC on this unix socket when set
  // Recent events the store keeps per resource for watches (StoreOptions::window_events);
  // 0 keeps the store's default. Tests shrink it to force 410 Expired on a lagging watch.
  size_t watch_window_events = 0;
  // Pods whose flow traces (trace/) are kept in memory, most recent first; 0: no tracing.
  size_t trace_pods = 5000;
  // Serve /debug/picokube/faults (faults/faults.h): a slow store on demand, for scenarios.
  bool fault_injection = false;
  // Who is asking: a --token-auth-file token, a service account token, else system:anonymous
  // (when --anonymous-auth, the default).
  authn::AuthenticationOptions authentication;
  // Service account tokens: keys, issuer, audiences (--service-account-*, --api-audiences).
  // Without a signing key one is made in the data directory (serviceaccount.h).
  serviceaccount::Options service_account;
  // --authorization-mode: "AlwaysAllow" (no checks), or e.g. "Node,RBAC"
  // (apiserver/authorization). With RBAC the bootstrap policy is created at start.
  std::string authorization_mode = "AlwaysAllow";
  // --audit-policy-file, --audit-log-path ("-": stdout), --audit-log-maxsize/maxbackup: an
  // audit log needs both a policy and a path (apiserver/audit).
  audit::Options audit;
  // --cors-allowed-origins: regular expressions (validated as kube-apiserver does).
  std::vector<std::string> cors_allowed_origins;
  // --request-timeout: the deadline of non-long-running requests, and how long a graceful
  // Stop waits for the requests in flight.
  std::chrono::seconds request_timeout{60};
  // --shutdown-delay-duration: how long Stop keeps serving normally before refusing new
  // requests (for load balancers to notice).
  std::chrono::milliseconds shutdown_delay{0};
  // --shutdown-send-retry-after: refused requests get 429 + Retry-After: 5 instead of 503.
  bool shutdown_send_retry_after = false;
  // --tls-cert-file, --tls-private-key-file, --client-ca-file: HTTPS and gRPC over TLS (the
  // client CA also enables x509 client-certificate authentication). No certificate: plain.
  http::TlsOptions tls;
  // --enable-admission-plugins, --disable-admission-plugins and the plugins' own flags
  // (apiserver/admission/plugins.h).
  admission::ChainOptions admission;
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> Start(const Options& options);
  virtual ~ApiServer() = default;
  virtual uint16_t port() const = 0;
  virtual int grpc_port() const = 0;  // 0 when gRPC listens on no TCP port
  // Graceful shutdown, in Kubernetes' order: after --shutdown-delay-duration, new requests
  // are refused (503 "apiserver is shutting down", Retry-After: 1) and the non-long-running
  // requests in flight finish (up to --request-timeout); then both faces stop (watches end)
  // and the audit log is flushed. Every write acknowledged was synced to the store before its
  // answer. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace pk::apiserver
