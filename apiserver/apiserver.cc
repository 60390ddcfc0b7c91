#include "apiserver/apiserver.h"

#include <fmt/format.h>

#include "apiserver/http/basic_routes.h"
#include "apiserver/http/server.h"
#include "apiserver/storage/store.h"

namespace pk::apiserver {
namespace {

class Process : public ApiServer {
 public:
  Process(std::unique_ptr<storage::Store> store, std::unique_ptr<http::Server> server)
      : store_(std::move(store)), server_(std::move(server)) {}
  ~Process() override { Stop(); }
  uint16_t port() const override { return server_->port(); }
  void Stop() override { server_->Stop(); }

 private:
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(const Options& options) {
  auto store = storage::OpenRocksStore(options.data_dir + "/store");
  if (!store.ok()) return Status(store.status()).Prefix("opening the store");
  http::ServerOptions http_options;
  http_options.address = options.bind_address;
  http_options.port = options.port;
  http_options.threads = options.http_threads;
  auto server = http::Server::Start(http_options, http::BasicRoutes());
  if (!server.ok()) return server.take_status();
  return std::unique_ptr<ApiServer>(
      std::make_unique<Process>(std::move(store).value(), std::move(server).value()));
}

}  // namespace pk::apiserver
