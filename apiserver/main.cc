// apiserver: serves the Kubernetes API from a RocksDB store.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "apimachinery/log.h"
#include "apimachinery/process_tuning.h"
#include "apimachinery/stop_signals.h"
#include "apimachinery/time.h"
#include "apiserver/apiserver.h"
#include "trace/flags.h"

int main(int argc, char** argv) {
  pk::TuneProcess();
  CLI::App app{"picokube apiserver: the Kubernetes API over a RocksDB store"};
  pk::apiserver::Options options;
  std::string port_file;
  app.add_option("--data-dir", options.data_dir, "Directory of the store")->required();
  app.add_option("--bind-address", options.bind_address, "Address to listen on");
  app.add_option("--port", options.port, "Port to listen on (0: any free port)");
  app.add_option("--port-file", port_file, "Write the port listened on to this file");
  std::string grpc_port_file;
  app.add_option("--grpc-port", options.grpc_port, "gRPC port (0: any free port, -1: none)");
  app.add_option("--grpc-port-file", grpc_port_file, "Write the gRPC port to this file");
  app.add_option("--grpc-socket", options.grpc_socket, "Also serve gRPC on this unix socket");
  app.add_option("--io-threads", options.io_threads, "Threads doing network I/O");
  app.add_option("--handler-threads", options.handler_threads, "Threads serving requests");
  app.add_option("--max-requests-inflight", options.max_requests_in_flight,
                 "Read-only requests served at once; more get 429");
  app.add_option("--max-mutating-requests-inflight", options.max_mutating_requests_in_flight,
                 "Mutating requests served at once; more get 429");
  app.add_option("--trace-pods", options.trace_pods,
                 "Pods whose flow traces are kept (/debug/picokube/traces/); 0: no tracing");
  app.add_option("--token-auth-file", options.authentication.token_auth_file,
                 "Bearer tokens: CSV of token,user,uid[,\"group1,group2\"]");
  app.add_option("--anonymous-auth", options.authentication.anonymous,
                 "Requests without credentials act as system:anonymous (else 401)")
      ->capture_default_str();
  app.add_option("--tls-cert-file", options.tls.cert_file,
                 "Serve HTTPS (and gRPC over TLS) with this certificate (PEM, chain allowed)");
  app.add_option("--tls-private-key-file", options.tls.key_file,
                 "The private key of --tls-cert-file (PEM)");
  app.add_option("--client-ca-file", options.tls.client_ca_file,
                 "Client certificates signed by these CAs authenticate: CommonName is the "
                 "user, Organizations the groups");
  auto& sa = options.service_account;
  app.add_option("--service-account-key-file", sa.key_files,
                 "PEM public (or private) keys verifying service account tokens; may repeat");
  app.add_option("--service-account-signing-key-file", sa.signing_key_file,
                 "PEM private key (RSA or EC P-256) signing service account tokens; default: "
                 "a P-256 key made in the data directory at the first start");
  app.add_option("--service-account-issuer", sa.issuers,
                 "Issuer (iss) of service account tokens; may repeat, the first one signs "
                 "(default https://kubernetes.default.svc.cluster.local)");
  app.add_option("--api-audiences", sa.api_audiences,
                 "Audiences of the API: tokens must be for one of them (default: the issuers)")
      ->delimiter(',');
  app.add_option("--service-account-extend-token-expiration", sa.extend_token_expiration,
                 "Projected tokens (3607s) bound to pods are issued for a year")
      ->capture_default_str();
  app.add_flag("--fault-injection", options.fault_injection,
               "Serve /debug/picokube/faults: inject a slow store (for scenarios)");
  app.add_option("--authorization-mode", options.authorization_mode,
                 "Ordered list of plug-ins to do authorization on secure port: AlwaysAllow, "
                 "AlwaysDeny, Node, RBAC (e.g. Node,RBAC)");
  app.add_option("--audit-policy-file", options.audit.policy_file,
                 "Path to the file that defines the audit policy configuration.");
  app.add_option("--audit-log-path", options.audit.log.path,
                 "If set, all requests coming to the apiserver will be logged to this file.  '-' "
                 "means standard out.");
  app.add_option("--audit-log-maxsize", options.audit.log.max_size_mb,
                 "The maximum size in megabytes of the audit log file before it gets rotated.");
  app.add_option("--audit-log-maxbackup", options.audit.log.max_backups,
                 "The maximum number of old audit log files to retain. Setting a value of 0 will "
                 "mean there's no restriction on the number of files.");
  app.add_option("--cors-allowed-origins", options.cors_allowed_origins,
                 "List of allowed origins for CORS, comma separated (regular expressions "
                 "anchored to the host, e.g. '//example\\.com(:|$)'). Empty: no CORS.")
      ->delimiter(',');
  std::string request_timeout = "1m0s", shutdown_delay = "0s";
  app.add_option("--request-timeout", request_timeout,
                 "The duration a handler must keep a request open before timing it out; also "
                 "how long shutdown waits for the requests in flight")
      ->capture_default_str();
  app.add_option("--shutdown-delay-duration", shutdown_delay,
                 "Time to delay the termination. During that time the server keeps serving "
                 "requests normally. Graceful termination starts after this delay has elapsed.")
      ->capture_default_str();
  app.add_option("--shutdown-send-retry-after", options.shutdown_send_retry_after,
                 "If true the HTTP Server will continue listening until all non long running "
                 "request(s) in flight have been drained, during this window all incoming "
                 "requests will be rejected with a status code 429 and a 'Retry-After' response "
                 "header, in addition 'Connection: close' response header is set in order to "
                 "tear down the TCP connection when idle.")
      ->capture_default_str();
  app.add_option("--enable-admission-plugins", options.admission.enable,
                 "Admission plugins to enable beyond the default ones (comma-separated)")
      ->delimiter(',');
  app.add_option("--disable-admission-plugins", options.admission.disable,
                 "Admission plugins to disable, default ones included (comma-separated)")
      ->delimiter(',');
  app.add_option("--default-not-ready-toleration-seconds",
                 options.admission.plugins.not_ready_toleration_seconds,
                 "The tolerationSeconds of the not-ready:NoExecute toleration every pod gets")
      ->capture_default_str();
  app.add_option("--default-unreachable-toleration-seconds",
                 options.admission.plugins.unreachable_toleration_seconds,
                 "The tolerationSeconds of the unreachable:NoExecute toleration every pod gets")
      ->capture_default_str();
  pk::trace::FlowFlags flow;
  flow.Add(app, /*with_trace=*/false);
  CLI11_PARSE(app, argc, argv);
  flow.Apply();
  auto timeout = pk::ParseGoDuration(request_timeout);
  auto delay = pk::ParseGoDuration(shutdown_delay);
  if (!timeout.ok() || !delay.ok()) {
    pk::Logf("apiserver: %s\n",
             (timeout.ok() ? delay.status() : timeout.status()).ToString().c_str());
    return 1;
  }
  options.request_timeout = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::nanoseconds(std::max<int64_t>(*timeout, 1000000000)));
  options.shutdown_delay =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*delay));

  // Options validation, worded as kube-apiserver's (`Error: enable-admission-plugins plugin
  // "X" is unknown`).
  if (auto plugins = pk::admission::EnabledPlugins(options.admission); !plugins.ok()) {
    std::fprintf(stderr, "Error: %s\n", plugins.status().message().c_str());
    return 1;
  }

  pk::StopSignals stop;  // before any thread starts

  auto server = pk::apiserver::ApiServer::Start(options);
  if (!server.ok()) {
    pk::Logf("apiserver: %s\n", server.status().ToString().c_str());
    return 1;
  }
  pk::Logf("apiserver: serving on %s:%u\n", options.bind_address.c_str(), (*server)->port());
  // Written whole (rename), gRPC's first: once the REST port file exists, both faces serve.
  auto write_port = [](const std::string& file, int port) {
    if (file.empty()) return;
    std::ofstream(file + ".tmp") << port << "\n";
    std::rename((file + ".tmp").c_str(), file.c_str());
  };
  write_port(grpc_port_file, (*server)->grpc_port());
  write_port(port_file, (*server)->port());
  int signal = stop.Wait();
  pk::Logf("apiserver: stopping on signal %d\n", signal);
  (*server)->Stop();  // graceful: waits for the requests in flight (ApiServer::Stop)
  pk::Logf("apiserver: stopped\n");
  return 0;
}
