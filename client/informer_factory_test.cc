// SharedInformerFactory: WaitForCacheSync covers only started informers, as client-go;
// Shutdown stops informers without holding the factory's lock, so handlers may use the
// factory meanwhile; Start and Shutdown are safe from several threads.
#include "client/informer_factory.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "client/test_apiserver.h"

namespace pk::client {
namespace {

using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Eventually;
using testing::MakePod;
using testing::TestApiServer;

TEST_CASE("WaitForCacheSync reports the started informers and waits for no other") {
  TestApiServer server;
  SharedInformerFactory factory(server.NewClientset());
  factory.ForResource<Pod>();
  factory.Start();
  factory.ForResource<Node>();  // created after Start: never started
  auto start = std::chrono::steady_clock::now();
  CacheSyncResult synced = factory.WaitForCacheSync(seconds(5));
  CHECK(std::chrono::steady_clock::now() - start < seconds(3));
  CHECK(synced == CacheSyncResult{{Pod::descriptor(), true}});
  CHECK(AllSynced(synced));
  CHECK_FALSE(AllSynced({{Node::descriptor(), false}}));
  factory.Shutdown();
}

TEST_CASE("a handler may use the factory while Shutdown stops its informer") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  REQUIRE(cs.Pods("default").Create(MakePod("a")).ok());
  SharedInformerFactory factory(cs);
  std::atomic<bool> in_handler{false}, used_factory{false};
  EventHandler<Pod> handler;
  handler.on_add = [&](const Ptr<Pod>&, bool) {
    in_handler = true;
    std::this_thread::sleep_for(milliseconds(200));  // Shutdown is under way meanwhile
    factory.ForResource<Node>();
    used_factory = true;
  };
  factory.ForResource<Pod>().AddEventHandler(handler);
  factory.Start();
  REQUIRE(Eventually([&] { return in_handler.load(); }, seconds(10)));
  factory.Shutdown();  // joins the handler, which needs the factory's lock
  CHECK(used_factory);
}

TEST_CASE("factory: Start and Shutdown from several threads; Start after Shutdown") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  for (int round = 0; round < 5; ++round) {
    SharedInformerFactory factory(cs);
    factory.ForResource<Pod>();
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        if (i % 2 == 0) factory.Start();
        factory.Shutdown();
        factory.Start();
      });
    }
    for (auto& t : threads) t.join();
    CHECK(factory.ForResource<Pod>().raw().lists() <= 1);
  }
  SharedInformerFactory late(cs);
  late.ForResource<Pod>();
  late.Shutdown();
  late.Start();
  CHECK(late.WaitForCacheSync(milliseconds(100)).empty());
}

}  // namespace
}  // namespace pk::client
