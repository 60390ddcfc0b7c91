// The apiserver channel over TLS when the server answers slowly: a handshake that takes longer
// than the reconnect back-off still completes, on one connection (a busy machine, an apiserver
// that is just starting).
#include "client/channel.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cluster/pki.h"
#include "proto/api/resource.grpc.pb.h"
#include "tests/testing.h"

namespace pk::client {
namespace {

using namespace std::chrono_literals;

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A listening socket on 127.0.0.1 and its port.
int Listen(int* port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(fd, 16) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

int Dial(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// A TCP relay to `upstream` that holds the server's first reply for `delay` on each
// connection: a server too slow to answer a handshake at once. Counts connections.
class SlowRelay {
 public:
  SlowRelay(int upstream, std::chrono::milliseconds delay) : upstream_(upstream), delay_(delay) {
    listener_ = Listen(&port_);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~SlowRelay() {
    stopping_ = true;
    accept_thread_.join();
    for (std::thread& t : pipes_) t.join();
    close(listener_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      int server = Dial(upstream_);
      if (server < 0) {
        close(client);
        continue;
      }
      ++connections_;
      pipes_.emplace_back([this, client, server] { Pipe(client, server); });
    }
  }

  // Copies both ways until either side closes or the relay stops.
  void Pipe(int client, int server) {
    auto held_until = std::chrono::steady_clock::now() + delay_;
    char buffer[16384];
    while (!stopping_) {
      bool holding = std::chrono::steady_clock::now() < held_until;
      pollfd p[2] = {{client, POLLIN, 0}, {server, static_cast<short>(holding ? 0 : POLLIN), 0}};
      if (poll(p, 2, 20) < 0) break;
      if (p[0].revents & (POLLIN | POLLHUP)) {
        ssize_t n = read(client, buffer, sizeof buffer);
        if (n <= 0 || write(server, buffer, n) != n) break;
      }
      if (!holding && (p[1].revents & (POLLIN | POLLHUP))) {
        ssize_t n = read(server, buffer, sizeof buffer);
        if (n <= 0 || write(client, buffer, n) != n) break;
      }
    }
    close(client);
    close(server);
  }

  const int upstream_;
  const std::chrono::milliseconds delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
  std::vector<std::thread> pipes_;  // only the accept thread adds, before the join
};

TEST_CASE("TLS channel: a handshake slower than the reconnect back-off completes on one try") {
  pk::testing::TempDir dir;
  auto pki = cluster::EnsurePki(dir.path() / "pki", {{"client", "tester", {"testers"}}});
  REQUIRE_MESSAGE(pki.ok(), pki.status().ToString());

  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  ssl.pem_key_cert_pairs.push_back(
      {Slurp(pki->key("apiserver")), Slurp(pki->cert("apiserver"))});
  grpc::ServerBuilder builder;
  k8s::api::ResourceService::Service unimplemented;  // a server needs a service to start
  builder.RegisterService(&unimplemented);
  int server_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(ssl), &server_port);
  auto server = builder.BuildAndStart();
  REQUIRE(server != nullptr);

  // 1.5 s: beyond the channel's whole reconnect back-off (100 ms to 1 s).
  SlowRelay relay(server_port, 1500ms);
  ApiCredentials credentials{pki->ca().string(), pki->cert("client").string(),
                             pki->key("client").string()};
  REQUIRE(CheckApiCredentials(credentials).ok());
  auto channel = NewApiChannel("localhost:" + std::to_string(relay.port()), credentials);
  bool connected = channel->WaitForConnected(std::chrono::system_clock::now() + 10s);
  CHECK(connected);
  CHECK(channel->GetState(false) == GRPC_CHANNEL_READY);
  // One connection, not a new attempt cut off mid-handshake each back-off period.
  CHECK(relay.connections() == 1);
  server->Shutdown(std::chrono::system_clock::now() + 1s);
}

}  // namespace
}  // namespace pk::client
