#include "client/clientset_adapters.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <thread>

#include "apiserver/apiserver.h"
#include "client/test_apiserver.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::client {
namespace {

using pk::testing::Eventually;

using std::chrono::milliseconds;

struct Server {
  Server() {
    apiserver::Options options;
    options.data_dir = (dir.path() / "data").string();
    options.admission.disable = {"ServiceAccount"};  // no controller makes "default"
    auto started = apiserver::ApiServer::Start(options);
    REQUIRE(started.ok());
    server = std::move(started).value();
    clientset = std::make_unique<Clientset>(grpc::CreateChannel(
        fmt::format("127.0.0.1:{}", server->grpc_port()), grpc::InsecureChannelCredentials()));
  }
  pk::testing::TempDir dir;
  std::unique_ptr<apiserver::ApiServer> server;
  std::unique_ptr<Clientset> clientset;
};

TEST_CASE("leader election through the apiserver: CAS on the Lease, one leader") {
  Server s;
  auto store = NewLeaseStore(*s.clientset, "kube-system", "kube-scheduler");
  CHECK(store->Get(std::chrono::seconds(5)).status().reason() == Reason::kNotFound);

  auto config = [](const std::string& identity) {
    LeaderElectionConfig c;
    c.identity = identity;
    c.lease_duration = milliseconds(1500);
    c.renew_deadline = milliseconds(1000);
    c.retry_period = milliseconds(100);
    return c;
  };
  auto a = LeaderElector::New(config("a"), store.get());
  auto b = LeaderElector::New(config("b"), store.get());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  (*a)->Start();
  REQUIRE(Eventually([&] { return (*a)->IsLeader(); }));
  (*b)->Start();
  REQUIRE(Eventually([&] { return (*b)->Leader() == "a"; }));
  CHECK_FALSE((*b)->IsLeader());

  auto lease = store->Get(std::chrono::seconds(5));
  REQUIRE(lease.ok());
  CHECK(lease->spec().holder_identity() == "a");
  CHECK(lease->spec().lease_duration_seconds() == 2);
  Lease stale = *lease;
  stale.mutable_metadata()->set_resource_version("1");
  CHECK(store->Update(stale, std::chrono::seconds(5)).reason() == Reason::kConflict);

  (*a)->Stop();  // no release: b waits out the lease
  REQUIRE(Eventually([&] { return (*b)->IsLeader(); }));
  lease = store->Get(std::chrono::seconds(5));
  REQUIRE(lease.ok());
  CHECK(lease->metadata().namespace_() == "kube-system");  // named by the store alone
  CHECK(lease->spec().holder_identity() == "b");
  CHECK(lease->spec().lease_transitions() == 1);
}

TEST_CASE("a lease store's calls end at the timeout they are given, even on a hung apiserver") {
  testing::HangingApiServer hung;
  auto store = NewLeaseStore(hung.NewClientset(), "kube-system", "kube-scheduler");
  auto start = std::chrono::steady_clock::now();
  CHECK(store->Get(milliseconds(200)).status().reason() == Reason::kTimeout);
  CHECK(store->Update(Lease(), milliseconds(200)).reason() == Reason::kTimeout);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));  // not 20 s
}

TEST_CASE("events through the apiserver: created, then counted up on repeat") {
  Server s;
  k8s::core::v1::Pod pod;
  pod.mutable_metadata()->set_name("web");
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_metadata()->set_uid("u-1");
  EventRecorderOptions options;
  options.component = "default-scheduler";
  {
    EventRecorder recorder(options, NewEventSink(*s.clientset));
    recorder.Eventf(pod, "Warning", "FailedScheduling", "0/{} nodes are available", 2);
    recorder.Eventf(pod, "Warning", "FailedScheduling", "0/{} nodes are available", 2);
    recorder.Flush();
  }
  auto events = s.clientset->Events("default").List();
  REQUIRE(events.ok());
  REQUIRE(events->items.size() == 1);
  const auto& e = *events->items[0];
  CHECK(e.involved_object().name() == "web");
  CHECK(e.involved_object().kind() == "Pod");
  CHECK(e.message() == "0/2 nodes are available");
  CHECK(e.count() == 2);
}

}  // namespace
}  // namespace pk::client
