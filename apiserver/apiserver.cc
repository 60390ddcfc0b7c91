#include "apiserver/apiserver.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "apiserver/admission/namespace_lifecycle.h"
#include "apiserver/bootstrap.h"
#include "apiserver/endpoints/resource_handler.h"
#include "apiserver/filters/chain.h"
#include "apiserver/http/server.h"
#include "apiserver/storage/store.h"

namespace pk::apiserver {
namespace {

// Owns the parts in dependency order: the store outlives everything that uses it.
class Process : public ApiServer {
 public:
  uint16_t port() const override { return server_->port(); }
  void Stop() override {
    if (server_) server_->Stop();
  }
  ~Process() override { Stop(); }

  std::unique_ptr<storage::Store> store_;
  admission::Chain admission_;
  std::unique_ptr<ResourceHandler> resources_;
  std::unique_ptr<http::Server> server_;
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
  auto store = storage::OpenRocksStore(options.data_dir + "/store");
  if (!store.ok()) return Status(store.status()).Prefix("opening the store");
  process->store_ = std::move(store).value();
  process->admission_.Register(admission::NewNamespaceLifecycle(process->store_.get()));
  process->resources_ =
      std::make_unique<ResourceHandler>(process->store_.get(), &process->admission_);
  PK_RETURN_IF_ERROR(Status(Bootstrap(*process->resources_)).Prefix("bootstrapping"));

  const ResourceHandler* resources = process->resources_.get();
  filters::ChainOptions chain;
  chain.max_requests_in_flight = options.max_requests_in_flight;
  chain.max_mutating_requests_in_flight = options.max_mutating_requests_in_flight;
  filters::Handler handler = filters::BuildHandlerChain(
      [resources](Request& request) { return resources->Serve(request); }, chain);

  http::ServerOptions http_options;
  http_options.address = options.bind_address;
  http_options.port = options.port;
  http_options.io_threads = options.io_threads;
  http_options.handler_threads = options.handler_threads;
  auto server = http::Server::Start(http_options, std::move(handler));
  if (!server.ok()) return server.take_status();
  process->server_ = std::move(server).value();
  return std::unique_ptr<ApiServer>(std::move(process));
}

}  // namespace pk::apiserver
