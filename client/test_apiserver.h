// Test support for client/*_test.cc (header-only, not part of pk_client): an in-process
// apiserver on a temp data dir that can be stopped and restarted on the same gRPC port, a
// gRPC server that never answers, and a pod builder.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "apiserver/apiserver.h"
#include "client/channel.h"
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
    // No controller-manager makes the "default" service accounts that the ServiceAccount
    // plugin wants of every pod: off, as in Kubernetes' own integration tests.
    options.admission.disable = {"ServiceAccount"};
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

  // A clientset whose channel retries connections quickly (tests restart the server), as the
  // components' channel does.
  Clientset NewClientset(const std::string& target_override = "") const {
    return Clientset(NewApiChannel(target_override.empty() ? target() : target_override), "",
                     std::chrono::seconds(10));
  }

 private:
  pk::testing::TempDir dir_;
  size_t window_;
  int port_ = 0;
  std::unique_ptr<apiserver::ApiServer> server_;
};

// A ResourceService that accepts every unary call and never answers it: each call returns
// only once the client cancels it or its deadline passes (or after 20 s, a test's bound).
class HangingApiServer {
 public:
  HangingApiServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~HangingApiServer() { server_->Shutdown(std::chrono::system_clock::now()); }
  Clientset NewClientset() const {
    return Clientset(
        grpc::CreateChannel(fmt::format("127.0.0.1:{}", port_), grpc::InsecureChannelCredentials()),
        "", std::chrono::seconds(20));
  }
  int calls() const { return service_.calls.load(); }

 private:
  struct Service : k8s::api::ResourceService::Service {
    grpc::Status Hang(grpc::ServerContext* context) {
      ++calls;
      auto bound = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (!context->IsCancelled() && std::chrono::steady_clock::now() < bound) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      return grpc::Status(grpc::StatusCode::CANCELLED, "the client gave up");
    }
    grpc::Status Get(grpc::ServerContext* c, const k8s::api::ObjectRequest*,
                     k8s::api::ObjectResponse*) override {
      return Hang(c);
    }
    grpc::Status List(grpc::ServerContext* c, const k8s::api::ObjectRequest*,
                      k8s::api::ListResponse*) override {
      return Hang(c);
    }
    grpc::Status Create(grpc::ServerContext* c, const k8s::api::ObjectRequest*,
                        k8s::api::ObjectResponse*) override {
      return Hang(c);
    }
    grpc::Status Update(grpc::ServerContext* c, const k8s::api::ObjectRequest*,
                        k8s::api::ObjectResponse*) override {
      return Hang(c);
    }
    std::atomic<int> calls{0};
  };
  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
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
