#include "apiserver/http/server.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <thread>
#include <vector>

#include "apiserver/http/session.h"
#include "apiserver/http/tls.h"

namespace pk::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class BeastServer : public Server {
 public:
  BeastServer(const ServerOptions& options, Handler handler)
      : handler_(std::move(handler)),
        workers_(static_cast<size_t>(std::max(1, options.handler_threads))),
        acceptor_(io_) {
    context_.handler = &handler_;
    context_.workers = &workers_;
    context_.options = options;
  }
  ~BeastServer() override { Stop(); }

  Status Listen() {
    const ServerOptions& options = context_.options;
    if (options.tls.enabled()) {
      auto tls = NewServerContext(options.tls);
      if (!tls.ok()) return tls.take_status();
      tls_ = std::move(tls).value();
      context_.tls = tls_.get();
    }
    beast::error_code ec;
    auto address = asio::ip::make_address(options.address, ec);
    if (ec) return Status::BadRequest(fmt::format("bad bind address {}", options.address));
    tcp::endpoint endpoint(address, options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::InternalError(
          fmt::format("listening on {}:{}: {}", options.address, options.port, ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < std::max(1, options.io_threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return Status();
  }

  uint16_t port() const override { return port_; }

  // The I/O threads stop first (no new requests, no more writes), then the handlers that are
  // running finish; sessions, with their streams and store watchers, go with the io_context.
  // Must not be called from a server thread.
  void Stop() override {
    if (stopped_.exchange(true)) return;
    io_.stop();
    for (auto& t : threads_) t.join();
    beast::error_code ignored;
    acceptor_.close(ignored);
    workers_.stop();
    workers_.join();
  }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket s) {
      if (ec) return;  // closed
      if (tls_) {
        std::make_shared<Session<TlsStream>>(std::move(s), &context_)->Run();
      } else {
        std::make_shared<Session<PlainStream>>(std::move(s), &context_)->Run();
      }
      Accept();
    });
  }

  const Handler handler_;
  std::unique_ptr<asio::ssl::context> tls_;
  SessionContext context_;
  asio::thread_pool workers_;
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
