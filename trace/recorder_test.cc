#include <doctest/doctest.h>
#include <fmt/format.h>

#include <thread>

#include "tests/testing.h"
#include "trace/store.h"
#include "trace/trace.h"

namespace pk::trace {
namespace {

using namespace std::chrono_literals;

// The TraceService's contract, straight into a store (the apiserver's runs each call through
// its handler chain first: apiserver/grpc/trace_service.h).
class StoreService final : public picokube::trace::v1::TraceService::Service {
 public:
  explicit StoreService(TraceStore* store) : store_(store) {}
  grpc::Status Record(grpc::ServerContext*, const picokube::trace::v1::RecordRequest* in,
                      picokube::trace::v1::RecordResponse* out) override {
    out->set_accepted(static_cast<int32_t>(
        store_->Add(std::vector<Span>(in->spans().begin(), in->spans().end()))));
    return grpc::Status::OK;
  }

 private:
  TraceStore* const store_;
};

// A TraceService on a free local port.
class Server {
 public:
  Server() : service_(std::make_unique<StoreService>(&store)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    REQUIRE(server_ != nullptr);
  }
  ~Server() { server_->Shutdown(std::chrono::system_clock::now()); }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(fmt::format("127.0.0.1:{}", port_),
                               grpc::InsecureChannelCredentials());
  }
  TraceStore store;

 private:
  std::unique_ptr<picokube::trace::v1::TraceService::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

const PodRef kPod{"uid-1", "default", "nginx"};

RecorderOptions Options(const char* component, std::chrono::milliseconds flush_interval) {
  RecorderOptions options;
  options.component = component;
  options.flush_interval = flush_interval;
  return options;
}

TEST_CASE("recorded spans reach the store with the recorder's component") {
  Server server;
  Recorder recorder(server.Channel(), Options("scheduler", 20ms));
  recorder.Record(kPod, "filter", 100, 5, "node-1: fits");
  recorder.Event(kPod, "chosen node", "node-1");
  REQUIRE(pk::testing::Eventually([&] { return server.store.Get("uid-1").has_value(); }));
  REQUIRE(pk::testing::Eventually([&] { return server.store.Get("uid-1")->spans.size() == 2; }));
  auto trace = server.store.Get("uid-1");
  CHECK(trace->name == "nginx");
  CHECK(trace->spans[0].component() == "scheduler");
  CHECK(trace->spans[0].step() == "filter");
  CHECK(trace->spans[0].detail() == "node-1: fits");
  CHECK(trace->spans[1].step() == "chosen node");
  CHECK(pk::testing::Eventually([&] { return recorder.stats().sent == 2; }));
}

TEST_CASE("ScopedSpan times its scope; Cancel records nothing") {
  Server server;
  Recorder recorder(server.Channel(), Options("kubelet", 10s));
  {
    ScopedSpan span(recorder, kPod, "image pull");
    span.set_detail("busybox");
    std::this_thread::sleep_for(5ms);
  }
  {
    ScopedSpan cancelled(recorder, kPod, "never");
    cancelled.Cancel();
  }
  recorder.Flush();
  auto trace = server.store.Get("uid-1");
  REQUIRE(trace);
  REQUIRE(trace->spans.size() == 1);
  CHECK(trace->spans[0].step() == "image pull");
  CHECK(trace->spans[0].detail() == "busybox");
  CHECK(trace->spans[0].duration_nano() >= 5'000'000);
}

TEST_CASE("a full buffer drops and counts; the destructor sends what is buffered") {
  Server server;
  {
    RecorderOptions options = Options("kubelet", 10s);
    options.max_buffered = 2;
    Recorder recorder(server.Channel(), options);
    for (int i = 0; i < 5; ++i) recorder.Event(kPod, "status write");
    CHECK(recorder.stats().recorded == 2);
    CHECK(recorder.stats().dropped == 3);
  }
  auto trace = server.store.Get("uid-1");
  REQUIRE(trace);
  CHECK(trace->spans.size() == 2);
}

TEST_CASE("spans of a batch that cannot be sent are counted as failed") {
  auto nowhere = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  RecorderOptions options = Options("kubelet", 10s);
  options.rpc_timeout = 200ms;
  options.max_batch = 1;
  Recorder recorder(nowhere, options);
  for (int i = 0; i < 3; ++i) recorder.Event(kPod, "x");
  auto start = std::chrono::steady_clock::now();
  recorder.Flush();
  CHECK(std::chrono::steady_clock::now() - start < 1s);  // one attempt, not one per span
  CHECK(recorder.stats().failed == 3);
  CHECK(recorder.stats().sent == 0);
}

TEST_CASE("a disabled recorder and the default global one do nothing") {
  Recorder disabled;
  CHECK_FALSE(disabled.enabled());
  disabled.Event(kPod, "x");
  {
    ScopedSpan span(disabled, kPod, "y");
    CHECK_FALSE(span.active());
  }
  CHECK(disabled.stats().recorded == 0);
  CHECK_FALSE(Global().enabled());
  Server server;
  Recorder recorder(server.Channel(), Options("fake-cri", 10s));
  SetGlobal(&recorder);
  {
    ScopedSpan span(kPod, "RunPodSandbox");
    CHECK(span.active());
  }
  SetGlobal(nullptr);
  CHECK_FALSE(Global().enabled());
  recorder.Flush();
  REQUIRE(server.store.Get("uid-1"));
  CHECK(server.store.Get("uid-1")->spans[0].component() == "fake-cri");
}

}  // namespace
}  // namespace pk::trace
