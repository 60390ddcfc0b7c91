#include "apiserver/apiserver.h"

#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <system_error>
#include <thread>

#include "apimachinery/log.h"
#include "apiserver/admission/plugins.h"
#include "apiserver/authorization/authorization.h"
#include "apiserver/bootstrap.h"
#include "apiserver/endpoints/resource_handler.h"
#include "apiserver/faults/faults.h"
#include "apiserver/filters/chain.h"
#include "apiserver/grpc/resource_service.h"
#include "apiserver/grpc/trace_service.h"
#include "apiserver/http/server.h"
#include "apiserver/storage/store.h"
#include "apiserver/tracing/tracing.h"
#include "trace/store.h"

namespace pk::apiserver {
namespace {

// Owns the parts in dependency order: the store outlives everything that uses it.
class Process : public ApiServer {
 public:
  uint16_t port() const override { return server_->port(); }
  int grpc_port() const override { return grpc_ ? grpc_->port() : 0; }
  void Stop() override {
    if (stopped_.exchange(true)) return;
    std::this_thread::sleep_for(shutdown_delay_);
    auto deadline = std::chrono::steady_clock::now() + request_timeout_;
    if (!wait_group_.Wait(deadline)) {
      pk::Logf("apiserver: requests still in flight after %llds; stopping\n",
               static_cast<long long>(request_timeout_.count()));
    }
    // The last drained answers are on their way out: the handler has returned, the
    // connection's strand writes them. A moment for those writes before the I/O stops.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (grpc_) grpc_->Stop();
    if (server_) server_->Stop();
    if (authorization_) authorization_->Stop();
    if (auditor_) auditor_->Shutdown();  // after the servers: no more events
  }
  ~Process() override { Stop(); }

  std::atomic<bool> stopped_{false};
  std::chrono::milliseconds shutdown_delay_{0};
  std::chrono::seconds request_timeout_{60};
  // Written by the audit filters until the servers stop.
  std::unique_ptr<audit::Auditor> auditor_;
  filters::RequestWaitGroup wait_group_;

  // The pod-flow traces (null when off): outlives everything that records into it.
  std::unique_ptr<trace::TraceStore> traces_;
  std::unique_ptr<faults::Faults> faults_;  // null unless --fault-injection; outlives the store
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<serviceaccount::Tokens> tokens_;  // reads the store
  admission::Chain admission_;
  std::unique_ptr<ResourceHandler> resources_;
  // Watches the store; stopped (destroyed) before it.
  std::unique_ptr<authorization::Authorization> authorization_;
  filters::Handler chain_;  // shared by both faces, with one set of in-flight limits
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<grpcface::GrpcServer> grpc_;
};

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const Options& options) {
  auto process = std::make_unique<Process>();
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::InternalError(
        fmt::format("creating the data directory {}: {}", options.data_dir, ec.message()));
  }
  storage::StoreOptions store_options;
  if (options.watch_window_events > 0) store_options.window_events = options.watch_window_events;
  auto store = storage::OpenRocksStore(options.data_dir + "/store", store_options);
  if (!store.ok()) return Status(store.status()).Prefix("opening the store");
  process->store_ = std::move(store).value();
  if (options.trace_pods > 0) {
    trace::TraceStoreOptions limits;
    limits.max_pods = options.trace_pods;
    process->traces_ = std::make_unique<trace::TraceStore>(limits);
    process->store_ = tracing::NewTracedStore(std::move(process->store_));
  }
  if (options.fault_injection) {
    process->faults_ = std::make_unique<faults::Faults>();
    process->store_ = faults::NewFaultyStore(std::move(process->store_), process->faults_.get());
  }
  // Authorization learns of RBAC and pod writes as they are acknowledged (authorization.h).
  auto freshness = authorization::NewFreshness();
  process->store_ = authorization::TrackWrites(std::move(process->store_), freshness);
  PK_RETURN_IF_ERROR(
      admission::BuildChain(options.admission, process->store_.get(), &process->admission_));
  serviceaccount::Options sa_options = options.service_account;
  if (sa_options.data_dir.empty()) sa_options.data_dir = options.data_dir;
  auto tokens = serviceaccount::Tokens::New(sa_options, process->store_.get());
  if (!tokens.ok()) return tokens.take_status();
  process->tokens_ = std::move(tokens).value();
  process->resources_ =
      std::make_unique<ResourceHandler>(process->store_.get(), &process->admission_);
  PK_RETURN_IF_ERROR(Status(Bootstrap(*process->resources_)).Prefix("bootstrapping"));
  authorization::Options authz_options;
  authz_options.mode = options.authorization_mode;
  auto authz = authorization::Authorization::Start(process->store_.get(), freshness, authz_options);
  if (!authz.ok()) return authz.take_status();
  process->authorization_ = std::move(authz).value();
  const authorization::Authorization* authorizer = process->authorization_.get();
  if (authorizer->rbac()) {
    PK_RETURN_IF_ERROR(Status(BootstrapRBAC(*process->resources_)).Prefix("bootstrapping RBAC"));
    // Not a named plugin: Kubernetes' RBAC registries always check, whatever admission runs.
    process->admission_.Register(authorization::NewEscalationCheck(authorizer));
  }
  process->resources_->SetReviewer(
      [authorizer](const Request& request, google::protobuf::Message* review) {
        return authorizer->AnswerReview(request, review);
      });

  const ResourceHandler* resources = process->resources_.get();
  filters::ChainOptions chain;
  chain.max_requests_in_flight = options.max_requests_in_flight;
  chain.max_mutating_requests_in_flight = options.max_mutating_requests_in_flight;
  chain.traces = process->traces_.get();
  chain.request_timeout = options.request_timeout;
  chain.wait_group = &process->wait_group_;
  chain.shutdown_send_retry_after = options.shutdown_send_retry_after;
  process->request_timeout_ = options.request_timeout;
  process->shutdown_delay_ = options.shutdown_delay;
  PK_RETURN_IF_ERROR(filters::ValidateCorsAllowedOrigins(options.cors_allowed_origins));
  chain.cors_allowed_origins = options.cors_allowed_origins;
  auto auditor = audit::NewAuditor(options.audit);
  if (!auditor.ok()) return auditor.take_status();
  process->auditor_ = std::move(auditor).value();
  chain.auditor = process->auditor_.get();
  // Authentication is always on: the token file's and service account tokens, else
  // system:anonymous (allowed by default; AlwaysAllow lets it do anything).
  const serviceaccount::Tokens* sa_tokens = process->tokens_.get();
  authn::AuthenticationOptions authn_options = options.authentication;
  authn_options.client_ca_file = options.tls.client_ca_file;
  authn_options.api_audiences = sa_tokens->api_audiences();
  authn_options.token_authenticators.push_back(
      [sa_tokens](const std::string& token, const std::vector<std::string>& audiences) {
        return sa_tokens->Authenticate(token, audiences);
      });
  auto authentication = authn::NewAuthentication(authn_options);
  if (!authentication.ok()) return authentication.take_status();
  chain.authenticator = std::move(authentication->authenticate);
  process->resources_->SetAuthenticationReviewer(std::move(authentication->review));
  process->resources_->SetTokenIssuer(
      [sa_tokens](const Request& request, google::protobuf::Message* token_request) {
        return sa_tokens->AnswerTokenRequest(request, token_request);
      });
  if (options.authorization_mode != "AlwaysAllow") {
    chain.authorizer = [authorizer](const Request& request, std::string* reason) {
      return authorizer->Check(request, reason);
    };
  }
  filters::Handler handler = tracing::WithTraceEndpoint(
      [resources](Request& request) { return resources->Serve(request); }, process->traces_.get(),
      process->store_.get());
  if (process->faults_) {
    handler = faults::WithFaultsEndpoint(std::move(handler), process->faults_.get());
  }
  process->chain_ = filters::BuildHandlerChain(std::move(handler), chain);

  http::ServerOptions http_options;
  http_options.address = options.bind_address;
  http_options.port = options.port;
  http_options.io_threads = options.io_threads;
  http_options.handler_threads = options.handler_threads;
  http_options.tls = options.tls;
  auto server = http::Server::Start(http_options, process->chain_);
  if (!server.ok()) return server.take_status();
  process->server_ = std::move(server).value();
  if (options.grpc_port >= 0 || !options.grpc_socket.empty()) {
    grpcface::ServerOptions grpc_options{options.bind_address, options.grpc_port,
                                         options.grpc_socket, options.tls};
    std::vector<std::unique_ptr<grpc::Service>> services;
    services.push_back(grpcface::NewResourceService(&process->chain_));
    if (process->traces_) services.push_back(grpcface::NewTraceService(&process->chain_));
    auto grpc = grpcface::GrpcServer::Start(grpc_options, std::move(services));
    if (!grpc.ok()) return grpc.take_status();
    process->grpc_ = std::move(grpc).value();
  }
  return std::unique_ptr<ApiServer>(std::move(process));
}

}  // namespace pk::apiserver
