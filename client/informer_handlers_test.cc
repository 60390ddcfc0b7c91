// SharedInformer handlers as client-go's sharedProcessor: each on its own queue and thread,
// in order, never blocking the reflector or each other; handlers may call back into the
// informer, stop it or destroy it; Start and Stop are safe from several threads.
#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <thread>

#include "client/informer.h"
#include "client/informer_factory.h"
#include "client/test_apiserver.h"

namespace pk::client {
namespace {

using k8s::core::v1::Pod;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Eventually;
using testing::MakePod;

ObjectPtr PodAt(const std::string& name, int version) {
  auto pod = std::make_shared<Pod>(MakePod(name));
  pod->mutable_metadata()->set_resource_version(std::to_string(version));
  return pod;
}

// A watch the test feeds by hand.
class FakeWatch : public WatchStream {
 public:
  std::optional<RawEvent> Next(milliseconds timeout) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return stopped_ || !events_.empty(); });
    if (stopped_ || events_.empty()) return std::nullopt;
    RawEvent event = events_.front();
    events_.pop_front();
    return event;
  }
  bool done() override {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  Status status() override { return Status(); }
  void Stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  void Send(EventType type, ObjectPtr object) {
    std::lock_guard lock(mu_);
    events_.push_back({type, std::move(object), Status()});
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RawEvent> events_;  // guarded by mu_
  bool stopped_ = false;         // guarded by mu_
};

// Lists `initial`; hands out one FakeWatch at a time, which the test feeds with Send.
class FakeSource : public ListerWatcher {
 public:
  explicit FakeSource(std::vector<ObjectPtr> initial = {}) : initial_(std::move(initial)) {}
  Result<RawList> List(const ListOptions&) const override {
    RawList list{initial_, {}};
    list.metadata.set_resource_version("1");
    return list;
  }
  Result<std::unique_ptr<WatchStream>> Watch(const ListOptions&) const override {
    std::lock_guard lock(mu_);
    auto watch = std::make_shared<FakeWatch>();
    current_ = watch;
    struct Handle : WatchStream {
      std::shared_ptr<FakeWatch> w;
      std::optional<RawEvent> Next(milliseconds t) override { return w->Next(t); }
      bool done() override { return w->done(); }
      Status status() override { return w->status(); }
      void Stop() override { w->Stop(); }
    };
    auto handle = std::make_unique<Handle>();
    handle->w = std::move(watch);
    return std::unique_ptr<WatchStream>(std::move(handle));
  }
  // Waits (bounded) for a watch, then sends `object` on it.
  void Send(EventType type, ObjectPtr object) {
    REQUIRE(Eventually([&] { return Current() != nullptr; }, seconds(5)));
    Current()->Send(type, std::move(object));
  }

 private:
  std::shared_ptr<FakeWatch> Current() const {
    std::lock_guard lock(mu_);
    return current_.lock();
  }
  const std::vector<ObjectPtr> initial_;
  mutable std::mutex mu_;
  mutable std::weak_ptr<FakeWatch> current_;  // guarded by mu_
};

// What one handler saw, as "add a 1" / "update a 2" / "delete a 3" lines; thread-safe.
struct Log {
  RawEventHandler Handler(std::function<void()> before = nullptr) {
    auto line = [this, before](const std::string& what, const ObjectPtr& o) {
      if (before) before();
      std::lock_guard lock(mu);
      auto* meta = GetObjectMeta(*o);
      lines.push_back(what + " " + meta->name() + " " + meta->resource_version());
    };
    return {[line](const ObjectPtr& o, bool) { line("add", o); },
            [line](const ObjectPtr&, const ObjectPtr& o) { line("update", o); },
            [line](const RawDeleted& d) { line("delete", d.object); }};
  }
  std::vector<std::string> Lines() {
    std::lock_guard lock(mu);
    return lines;
  }
  std::mutex mu;
  std::vector<std::string> lines;  // guarded by mu
};

std::vector<std::string> Expected(int versions) {
  std::vector<std::string> out{"add a 2"};
  for (int v = 3; v <= versions; ++v) out.push_back("update a " + std::to_string(v));
  out.push_back("delete a " + std::to_string(versions));
  return out;
}

void SendHistory(FakeSource& source, int versions) {
  source.Send(EventType::kAdded, PodAt("a", 2));
  for (int v = 3; v <= versions; ++v) source.Send(EventType::kModified, PodAt("a", v));
  source.Send(EventType::kDeleted, PodAt("a", versions));
}

TEST_CASE("a slow handler blocks neither the reflector nor the other handlers") {
  auto source = std::make_shared<FakeSource>();
  SharedInformer informer(source, {});
  std::atomic<bool> release{false};
  Log slow, fast;
  informer.AddEventHandler(slow.Handler([&] { Eventually([&] { return release.load(); }); }));
  informer.AddEventHandler(fast.Handler());
  informer.Start();
  REQUIRE(informer.WaitForSync(seconds(5)));
  SendHistory(*source, 20);
  CHECK(Eventually([&] { return fast.Lines() == Expected(20); }, seconds(5)));
  CHECK(informer.LastSyncResourceVersion() == "20");  // the reflector went on
  CHECK(slow.Lines().empty());
  release = true;
  CHECK(Eventually([&] { return slow.Lines() == Expected(20); }, seconds(5)));
  informer.Stop();
}

TEST_CASE("a handler's registration syncs only once the handler has seen the first list") {
  auto source = std::make_shared<FakeSource>(
      std::vector<ObjectPtr>{PodAt("a", 1), PodAt("b", 1), PodAt("c", 1)});
  SharedInformer informer(source, {});
  std::atomic<bool> release{false};
  Log slow;
  HandlerRegistration before_start =
      informer.AddEventHandler(slow.Handler([&] { Eventually([&] { return release.load(); }); }));
  CHECK_FALSE(before_start.HasSynced());
  informer.Start();
  REQUIRE(informer.WaitForSync(seconds(5)));  // the indexer has the list ...
  CHECK_FALSE(before_start.WaitForSync(milliseconds(50)));  // ... the handler not yet
  CHECK_FALSE(WaitForHandlersSync({before_start}, milliseconds(10)));
  release = true;
  REQUIRE(WaitForHandlersSync({before_start}, seconds(5)));
  CHECK(slow.Lines().size() == 3);  // synced means every object of the list was handed over

  Log late;  // added after the sync: synced once the cache's replay is delivered
  HandlerRegistration after_sync = informer.AddEventHandler(late.Handler());
  REQUIRE(after_sync.WaitForSync(seconds(5)));
  CHECK(late.Lines().size() == 3);
  CHECK_FALSE(HandlerRegistration().HasSynced());  // an empty registration never syncs
  informer.Stop();
}

TEST_CASE("a registration on a stopped informer stops waiting") {
  Log log;
  SharedInformer informer(std::make_shared<FakeSource>(), {});
  HandlerRegistration r = informer.AddEventHandler(log.Handler());
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(20));
    informer.Stop();
  });
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(r.WaitForSync(seconds(30)));
  CHECK(std::chrono::steady_clock::now() - start < seconds(20));  // woken by the Stop
  stopper.join();
}

TEST_CASE("a handler may call back into the informer: AddEventHandler, indexer, HasSynced") {
  auto source = std::make_shared<FakeSource>(std::vector<ObjectPtr>{PodAt("b", 1)});
  SharedInformer informer(source, {});
  Log inner;
  std::atomic<int> cached{-1};
  std::atomic<bool> synced{false};
  std::once_flag once;
  RawEventHandler outer;
  outer.on_add = [&](const ObjectPtr&, bool) {
    synced = informer.HasSynced();
    cached = static_cast<int>(informer.indexer().List().size());
    std::call_once(once, [&] { informer.AddEventHandler(inner.Handler()); });
  };
  informer.AddEventHandler(outer);
  informer.Start();
  REQUIRE(Eventually([&] { return inner.Lines().size() == 1; }, seconds(5)));
  CHECK(inner.Lines()[0] == "add b 1");  // the synthetic add of what was cached
  CHECK(cached == 1);
  CHECK(synced);
  source->Send(EventType::kAdded, PodAt("c", 2));
  CHECK(Eventually([&] { return inner.Lines().size() == 2; }, seconds(5)));
  informer.Stop();
}

TEST_CASE("a handler added while changes flow gets the cache, then every later change") {
  auto source = std::make_shared<FakeSource>();
  SharedInformer informer(source, {});
  informer.Start();
  REQUIRE(informer.WaitForSync(seconds(5)));
  source->Send(EventType::kAdded, PodAt("a", 2));
  REQUIRE(Eventually([&] { return informer.indexer().List().size() == 1; }, seconds(5)));
  std::thread feeder([&] {
    for (int v = 3; v <= 200; ++v) source->Send(EventType::kModified, PodAt("a", v));
  });
  Log late;
  std::this_thread::sleep_for(milliseconds(1));
  informer.AddEventHandler(late.Handler());
  feeder.join();
  auto ends_at_200 = [&] {
    auto lines = late.Lines();
    return !lines.empty() && lines.back().ends_with(" a 200");
  };
  REQUIRE(Eventually(ends_at_200, seconds(5)));
  std::vector<std::string> lines = late.Lines();
  int first = std::stoi(lines[0].substr(std::string("add a ").size()));
  CHECK(lines[0].rfind("add a ", 0) == 0);
  REQUIRE(lines.size() == static_cast<size_t>(200 - first + 1));  // no gap, no repeat
  for (size_t i = 1; i < lines.size(); ++i) {
    CHECK(lines[i] == "update a " + std::to_string(first + static_cast<int>(i)));
  }
  informer.Stop();
}

TEST_CASE("Stop from inside a handler (even a resync) does not join the handler's thread") {
  auto source = std::make_shared<FakeSource>(std::vector<ObjectPtr>{PodAt("a", 1)});
  InformerOptions options;
  options.resync = milliseconds(10);
  SharedInformer informer(source, options);
  std::atomic<int> stops{0};
  RawEventHandler stopper;
  stopper.on_update = [&](const ObjectPtr&, const ObjectPtr&) {
    informer.Stop();
    ++stops;
  };
  informer.AddEventHandler(stopper);
  informer.Start();
  REQUIRE(Eventually([&] { return stops == 1; }, seconds(5)));
  informer.Stop();  // joins the handler's thread, now that it returned
  CHECK(stops == 1);
}

TEST_CASE("an informer destroyed from inside its own handler") {
  auto source = std::make_shared<FakeSource>(std::vector<ObjectPtr>{PodAt("a", 1)});
  auto informer = std::make_shared<SharedInformer>(source, InformerOptions{});
  std::mutex mu;
  std::shared_ptr<SharedInformer> owner = informer;  // guarded by mu
  std::atomic<bool> destroyed{false};
  RawEventHandler destroyer;
  destroyer.on_add = [&](const ObjectPtr&, bool) {
    std::shared_ptr<SharedInformer> last;
    {
      std::lock_guard lock(mu);
      last = std::move(owner);
    }
    last.reset();  // runs ~SharedInformer here, on the handler's thread
    destroyed = true;
  };
  informer->AddEventHandler(destroyer);
  informer->Start();
  informer.reset();
  CHECK(Eventually([&] { return destroyed.load(); }, seconds(5)));
}

TEST_CASE("informer and factory: Start and Stop from several threads, Stop before Start") {
  auto source = std::make_shared<FakeSource>(std::vector<ObjectPtr>{PodAt("a", 1)});
  {
    SharedInformer never(source, {});
    never.Stop();
    never.Start();
    CHECK_FALSE(never.WaitForSync(milliseconds(50)));
  }
  for (int round = 0; round < 20; ++round) {
    SharedInformer informer(source, {});
    Log log;
    informer.AddEventHandler(log.Handler());
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        if (i % 2 == 0) informer.Start();
        if (i == 3) informer.AddEventHandler(log.Handler());
        informer.Stop();
        informer.Start();
      });
    }
    for (auto& t : threads) t.join();
  }
}

}  // namespace
}  // namespace pk::client
