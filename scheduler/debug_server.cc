#include "scheduler/debug_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace pk::scheduler {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct DebugServer::Impl {
  DebugHandler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::thread thread;

  // One request per connection, answered and closed: clients are people and tests.
  void Serve(tcp::socket& socket) {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.body() = "only GET\n";
    } else {
      DebugResponse r = handler(std::string(request.target()));
      response.result(static_cast<http::status>(r.code));
      response.set(http::field::content_type, r.content_type);
      response.body() = std::move(r.body);
    }
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  void Loop() {
    while (!stopping) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec || stopping) continue;
      // A client that sends nothing must not hold the endpoint for long.
      timeval timeout{2, 0};
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      Serve(socket);
    }
  }
};

Result<std::unique_ptr<DebugServer>> DebugServer::Start(int port, DebugHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::InternalError("debug server on 127.0.0.1:" + std::to_string(port) + ": " +
                                 ec.message());
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Loop(); });
  return std::unique_ptr<DebugServer>(new DebugServer(std::move(impl)));
}

DebugServer::DebugServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DebugServer::~DebugServer() {
  impl_->stopping = true;
  boost::system::error_code ec;
  // Wake the blocking accept: connect to ourselves, then close.
  tcp::socket poke(impl_->io);
  poke.connect(impl_->acceptor.local_endpoint(ec), ec);
  impl_->thread.join();
  impl_->acceptor.close(ec);
}

int DebugServer::port() const {
  boost::system::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace pk::scheduler
