#include "kubelet/server.h"

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <fmt/format.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "apimachinery/time.h"
#include "kubelet/container_logs.h"
#include "kubelet/exec_server.h"
#include "kubelet/http_query.h"
#include "kubelet/pod_sync.h"

namespace pk::kubelet {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::vector<std::string> ReadLines(const std::string& file, std::streamoff* offset) {
  std::ifstream in(file);
  in.seekg(*offset);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // an unfinished last line: read again later
    lines.push_back(line);
    *offset = in.tellg();
  }
  return lines;
}

bool Running(const k8s::core::v1::Pod& pod, const std::string& container) {
  for (const auto& s : pod.status().container_statuses()) {
    if (s.name() == container) return s.state().has_running();
  }
  for (const auto& s : pod.status().init_container_statuses()) {
    if (s.name() == container) return s.state().has_running();
  }
  return false;
}

}  // namespace

struct KubeletServer::Impl {
  ServerOptions options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::vector<std::shared_ptr<tcp::socket>> sockets;  // guarded by mu
  std::vector<std::thread> threads;                   // guarded by mu
  std::thread accept_thread;

  void AcceptLoop() {
    while (!stopping) {
      auto socket = std::make_shared<tcp::socket>(io);
      boost::system::error_code ec;
      acceptor.accept(*socket, ec);
      if (ec) continue;
      std::lock_guard lock(mu);
      if (stopping) return;
      sockets.push_back(socket);
      threads.emplace_back([this, socket] { Serve(*socket); });
    }
  }

  void Serve(tcp::socket& socket) {
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code ec;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    std::string target(request.target());
    auto question = target.find('?');
    std::string path = target.substr(0, question);
    Query query = ParseQuery(question == std::string::npos ? "" : target.substr(question + 1));
    std::vector<std::string> parts;
    std::stringstream split(path);
    for (std::string p; std::getline(split, p, '/');) {
      if (!p.empty()) parts.push_back(p);
    }
    if (parts.size() == 4 && parts[0] == "exec" && options.exec) {
      ServeExec(socket, request, parts[1], parts[2], parts[3], query, options.exec);
      return;
    }
    if (parts.size() != 4 || parts[0] != "containerLogs") {
      Answer(socket, http::status::not_found, "404 page not found\n");
      return;
    }
    Logs(socket, parts[1], parts[2], parts[3], query);
  }

  void Answer(tcp::socket& socket, http::status status, std::string body) {
    http::response<http::string_body> response{status, 11};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.body() = std::move(body);
    response.prepare_payload();
    boost::system::error_code ec;
    http::write(socket, response, ec);
  }

  void Logs(tcp::socket& socket, const std::string& ns, const std::string& name,
            const std::string& container, const Query& query) {
    auto pod = options.pod(ns, name);
    if (!pod) {
      Answer(socket, http::status::not_found, fmt::format("pod \"{}\" not found", name));
      return;
    }
    auto files = ContainerLogFiles(PodLogDirectory(options.log_root, *pod), container);
    bool previous = Flag(query, "previous");
    if (files.size() < (previous ? 2u : 1u)) {
      Answer(socket, http::status::bad_request,
             previous ? fmt::format("previous terminated container \"{}\" in pod \"{}\" not found",
                                    container, name)
                      : fmt::format("container \"{}\" in pod \"{}\" is waiting to start: "
                                    "ContainerCreating",
                                    container, name));
      return;
    }
    const std::string& file = files[files.size() - (previous ? 2 : 1)];
    LogOptions o;
    o.tail_lines = Number(query, "tailLines");
    o.since_seconds = Number(query, "sinceSeconds");
    o.limit_bytes = Number(query, "limitBytes");
    o.timestamps = Flag(query, "timestamps");
    auto now = NowTimestamp();
    o.now_ns = now.seconds * 1'000'000'000 + now.nanos;
    std::streamoff offset = 0;
    std::string first = RenderLogs(ReadLines(file, &offset), o);
    if (!Flag(query, "follow") || previous) {
      Answer(socket, http::status::ok, std::move(first));
      return;
    }
    Follow(socket, ns, name, container, file, offset, std::move(first), o);
  }

  // A chunked answer that grows with the file until the container stops or the client goes.
  void Follow(tcp::socket& socket, const std::string& ns, const std::string& name,
              const std::string& container, const std::string& file, std::streamoff offset,
              std::string first, LogOptions o) {
    http::response<http::empty_body> head{http::status::ok, 11};
    head.set(http::field::content_type, "text/plain; charset=utf-8");
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    boost::system::error_code ec;
    http::write_header(socket, serializer, ec);
    o.tail_lines.reset();
    o.since_seconds.reset();
    int64_t budget = o.limit_bytes.value_or(-1);
    auto send = [&](std::string data) {
      if (budget >= 0 && int64_t(data.size()) > budget) data.resize(size_t(budget));
      if (budget >= 0) budget -= int64_t(data.size());
      if (!data.empty()) asio::write(socket, http::make_chunk(asio::buffer(data)), ec);
    };
    send(std::move(first));
    int quiet = 0;
    while (!ec && !stopping && budget != 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      o.limit_bytes.reset();
      std::string more = RenderLogs(ReadLines(file, &offset), o);
      quiet = more.empty() ? quiet + 1 : 0;
      send(std::move(more));
      auto pod = options.pod(ns, name);
      if (quiet >= 5 && (!pod || !Running(*pod, container))) break;
    }
    if (!ec) asio::write(socket, http::make_chunk_last(), ec);
  }
};

Result<std::unique_ptr<KubeletServer>> KubeletServer::Start(ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  boost::system::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(impl->options.address, ec),
                         uint16_t(impl->options.port));
  if (!ec) impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::InternalError(fmt::format("kubelet server: cannot listen on {}:{}: {}",
                                             impl->options.address, impl->options.port,
                                             ec.message()));
  }
  Impl* raw = impl.get();
  impl->accept_thread = std::thread([raw] { raw->AcceptLoop(); });
  return std::unique_ptr<KubeletServer>(new KubeletServer(std::move(impl)));
}

KubeletServer::KubeletServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KubeletServer::~KubeletServer() {
  impl_->stopping = true;
  boost::system::error_code ec;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);  // wakes the blocking accept
  impl_->acceptor.close(ec);
  impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sockets) s->shutdown(tcp::socket::shutdown_both, ec);
    threads = std::move(impl_->threads);
  }
  for (auto& t : threads) t.join();
}

int KubeletServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace pk::kubelet
