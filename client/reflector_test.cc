// Reflector lifecycle: Stop cancels a list the apiserver never answers, Start and Stop are
// safe from several threads and in any order, and Stop from inside the Store does not join
// the reflector's own thread.
#include "client/reflector.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "client/test_apiserver.h"

namespace pk::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Eventually;

// A Store that counts what it is given and may run a hook inside Replace.
struct CountingStore : Store {
  void Replace(std::vector<ObjectPtr>, const std::string&) override {
    ++replaces;
    if (on_replace) on_replace();
  }
  void Add(ObjectPtr) override {}
  void Update(ObjectPtr) override {}
  void Delete(ObjectPtr) override {}
  std::atomic<int> replaces{0};
  std::function<void()> on_replace;
};

// Lists an empty collection (or hangs, honouring ListOptions::cancel, for up to 5 s); its
// watches end at once.
struct FakeListerWatcher : ListerWatcher {
  Result<RawList> List(const ListOptions& options) const override {
    ++lists;
    auto bound = std::chrono::steady_clock::now() + seconds(5);
    while (hang && std::chrono::steady_clock::now() < bound) {
      if (options.cancel != nullptr && options.cancel->cancelled()) return Status::Timeout("x");
      std::this_thread::sleep_for(milliseconds(1));
    }
    RawList list;
    list.metadata.set_resource_version("7");
    return list;
  }
  Result<std::unique_ptr<WatchStream>> Watch(const ListOptions&) const override {
    return Status(Reason::kServiceUnavailable, "no watches here");
  }
  bool hang = false;
  mutable std::atomic<int> lists{0};
};

TEST_CASE("Stop cancels a list the apiserver never answers") {
  testing::HangingApiServer server;
  Clientset cs = server.NewClientset();
  auto pods = std::make_shared<ResourceClient>(cs.ForMessage(k8s::core::v1::Pod::descriptor(), ""));
  CountingStore store;
  Reflector reflector(pods, &store);
  reflector.Start();
  REQUIRE(Eventually([&] { return server.calls() == 1; }));
  auto start = std::chrono::steady_clock::now();
  reflector.Stop();
  CHECK(std::chrono::steady_clock::now() - start < seconds(2));  // not the 20 s call timeout
  CHECK(store.replaces == 0);
}

TEST_CASE("a cancelled canceller fails the call in flight and every later one") {
  testing::HangingApiServer server;
  ResourceClient pods = server.NewClientset().ForMessage(k8s::core::v1::Pod::descriptor(), "");
  ListOptions options;
  options.cancel = std::make_shared<CallCanceller>();
  std::thread canceller([&] {
    REQUIRE(Eventually([&] { return server.calls() == 1; }));
    options.cancel->Cancel();
  });
  auto start = std::chrono::steady_clock::now();
  auto list = pods.List(options);
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - start < seconds(5));
  CHECK(list.status().reason() == Reason::kTimeout);
  CHECK(pods.List(options).status().reason() == Reason::kTimeout);
  CHECK(server.calls() == 1);  // the later call never left
  auto bounded = pods.WithTimeout(milliseconds(100)).Get("web");
  CHECK(bounded.status().reason() == Reason::kTimeout);
}

TEST_CASE("Start and Stop from several threads, Stop before Start, Start after Stop") {
  auto lw = std::make_shared<FakeListerWatcher>();
  CountingStore store;
  {
    Reflector never(lw, &store);
    never.Stop();
    never.Start();  // after Stop: does nothing
    never.Stop();
  }
  CHECK(lw->lists == 0);
  for (int round = 0; round < 20; ++round) {
    Reflector reflector(lw, &store);
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        if (i % 2 == 0) reflector.Start();
        reflector.Stop();
        reflector.Start();
      });
    }
    for (auto& t : threads) t.join();
  }
  CHECK(store.replaces <= 20);
}

TEST_CASE("Stop called from inside the Store only signals; the owner's Stop then joins") {
  auto lw = std::make_shared<FakeListerWatcher>();
  CountingStore store;
  Reflector reflector(lw, &store);
  store.on_replace = [&] { reflector.Stop(); };
  reflector.Start();
  REQUIRE(Eventually([&] { return store.replaces == 1; }));
  reflector.Stop();
  CHECK(lw->lists == 1);
}

}  // namespace
}  // namespace pk::client
