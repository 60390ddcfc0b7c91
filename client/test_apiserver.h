// Test support for client/*_test.cc (header-only, not part of pk_client): an in-process
// apiserver on a temp data dir that can be stopped and restarted on the same gRPC port, and
// a pod builder.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "apiserver/apiserver.h"
#include "client/clientset.h"
#include "tests/testing.h"

namespace pk::client::testing {

class TestApiServer {
 public:
  explicit TestApiServer(size_t watch_window_events = 0) : window_(watch_window_events) {
    Start(0);
  }
  ~TestApiServer() { Stop(); }

  // Starts on `port` (0: any free one; later restarts reuse the first run's port).
  void Start(int port) {
    apiserver::Options options;
    options.data_dir = (dir_.path() / "data").string();
    options.grpc_port = port;
    options.watch_window_events = window_;
    auto started = apiserver::ApiServer::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().ToString());
    server_ = std::move(started).value();
    if (port_ == 0) port_ = server_->grpc_port();
  }
  void Restart() { Start(port_); }
  // Starts on another free port (the first run's port stays the one clients know); returns
  // the new port. For changes made while the known address is down.
  int StartElsewhere() {
    int known = port_;
    port_ = 0;
    Start(0);
    std::swap(port_, known);
    return known;
  }
  void Stop() {
    if (server_ != nullptr) server_->Stop();
    server_.reset();
  }
  int port() const { return port_; }
  std::string target() const { return fmt::format("127.0.0.1:{}", port_); }

  // A clientset whose channel retries connections quickly (tests restart the server).
  Clientset NewClientset(const std::string& target_override = "") const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    return Clientset(grpc::CreateCustomChannel(target_override.empty() ? target() : target_override,
                                               grpc::InsecureChannelCredentials(), args),
                     "", std::chrono::seconds(10));
  }

 private:
  pk::testing::TempDir dir_;
  size_t window_;
  int port_ = 0;
  std::unique_ptr<apiserver::ApiServer> server_;
};

inline k8s::core::v1::Pod MakePod(const std::string& name, const std::string& node = "",
                                  const std::string& ns = "default") {
  k8s::core::v1::Pod pod;
  pod.mutable_metadata()->set_name(name);
  pod.mutable_metadata()->set_namespace_(ns);
  auto* c = pod.mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("busybox");
  if (!node.empty()) pod.mutable_spec()->set_node_name(node);
  return pod;
}

using pk::testing::Eventually;

}  // namespace pk::client::testing
