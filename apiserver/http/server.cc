#include "apiserver/http/server.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <thread>
#include <vector>

#include "apiserver/http/session.h"

namespace pk::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class BeastServer : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)), acceptor_(io_) {}
  ~BeastServer() override { Stop(); }

  Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return Status::BadRequest(fmt::format("bad bind address {}", options_.address));
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::InternalError(
          fmt::format("listening on {}:{}: {}", options_.address, options_.port, ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { io_.run(); });
    return Status();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    for (auto& t : threads_) t.join();
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) return;  // closed
      std::make_shared<Session>(std::move(s), handler_, options_.body_limit)->Run();
      Accept();
    });
  }

  const ServerOptions options_;
  const Handler handler_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler) {
  auto server = std::make_unique<BeastServer>(options, std::move(handler));
  PK_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace pk::http
