// Reflector, informer, indexer and listers: the cache converges to the server's state --
// live, across an apiserver restart with changes made meanwhile, and after a forced 410
// Expired -- and handlers see every change (a missed delete as final-state-unknown).
#include "client/informer.h"

#include <doctest/doctest.h>

#include <atomic>
#include <set>

#include "client/backoff.h"
#include "client/informer_factory.h"
#include "client/test_apiserver.h"

namespace pk::client {
namespace {

using k8s::core::v1::Pod;
using testing::Eventually;
using testing::MakePod;
using testing::TestApiServer;

DeleteOptions Now() {
  DeleteOptions now;
  now.grace_period_seconds = 0;
  return now;
}

// What the handlers saw, thread-safe.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> adds, updates, deletes, unknown_deletes;
  int initial_adds = 0;

  EventHandler<Pod> Handler() {
    return {[this](const Ptr<Pod>& p, bool initial) {
              std::lock_guard lock(mu);
              adds.push_back(p->metadata().name());
              initial_adds += initial;
            },
            [this](const Ptr<Pod>&, const Ptr<Pod>& now) {
              std::lock_guard lock(mu);
              updates.push_back(now->metadata().name());
            },
            [this](const Deleted<Pod>& d) {
              std::lock_guard lock(mu);
              (d.final_state_unknown ? unknown_deletes : deletes)
                  .push_back(d.object->metadata().name());
            }};
  }
  int InitialAdds() {
    std::lock_guard lock(mu);
    return initial_adds;
  }
  bool Has(std::vector<std::string> Recorder::*list, const std::string& name) {
    std::lock_guard lock(mu);
    auto& v = this->*list;
    return std::find(v.begin(), v.end(), name) != v.end();
  }
};

std::set<std::string> Names(const std::vector<Ptr<Pod>>& pods) {
  std::set<std::string> out;
  for (const auto& p : pods) out.insert(p->metadata().name());
  return out;
}

FactoryOptions FastRetry() {
  FactoryOptions options;
  options.reflector.backoff.initial = std::chrono::milliseconds(100);
  options.reflector.backoff.cap = std::chrono::seconds(1);
  return options;
}

TEST_CASE("indexer: keys, built-in namespace index, custom index, replace") {
  Indexer indexer;
  indexer.AddIndex("node", [](const google::protobuf::Message& m) {
    return std::vector<std::string>{static_cast<const Pod&>(m).spec().node_name()};
  });
  auto a = std::make_shared<Pod>(MakePod("a", "n1"));
  auto b = std::make_shared<Pod>(MakePod("b", "n2", "other"));
  CHECK(indexer.Upsert(a) == nullptr);
  CHECK(indexer.Upsert(b) == nullptr);
  CHECK(KeyOf(*a) == "default/a");
  CHECK(indexer.ByIndex("node", "n1").size() == 1);
  CHECK(indexer.ByIndex(kNamespaceIndex, "other").size() == 1);
  auto moved = std::make_shared<Pod>(MakePod("a", "n2"));
  CHECK(indexer.Upsert(moved) == a);
  CHECK(indexer.ByIndex("node", "n1").empty());
  CHECK(indexer.ByIndex("node", "n2").size() == 2);
  CHECK(indexer.Remove("other/b") == b);
  auto old = indexer.Replace({b});
  CHECK(old.size() == 1);
  CHECK(indexer.ListKeys() == std::vector<std::string>{"other/b"});
}

TEST_CASE("backoff: 800 ms doubling to 30 s with jitter, reset after quiet") {
  FakeClock clock;
  Backoff backoff({}, &clock);
  auto first = backoff.Next();
  CHECK(first >= std::chrono::milliseconds(800));
  CHECK(first <= std::chrono::milliseconds(1600));
  auto second = backoff.Next();
  CHECK(second >= std::chrono::milliseconds(1600));
  for (int i = 0; i < 10; ++i) backoff.Next();
  auto capped = backoff.Next();
  CHECK(capped >= std::chrono::seconds(30));
  CHECK(capped <= std::chrono::seconds(60));
  clock.Advance(std::chrono::minutes(3));
  CHECK(backoff.Next() <= std::chrono::milliseconds(1600));
}

TEST_CASE("informer: initial list, live changes, node index, lister") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  auto pods = cs.Pods("default");
  REQUIRE(pods.Create(MakePod("before", "n1")).ok());

  SharedInformerFactory factory(cs, FastRetry());
  auto informer = factory.ForResource<Pod>();
  CHECK(&factory.ForResource<Pod>().raw() == &informer.raw());  // one per type
  informer.AddIndexer("node", [](const Pod& p) { return std::vector{p.spec().node_name()}; });
  Recorder seen;
  informer.AddEventHandler(seen.Handler());
  factory.Start();
  REQUIRE(AllSynced(factory.WaitForCacheSync(std::chrono::seconds(10))));
  CHECK(Eventually([&] { return seen.InitialAdds() == 1; }));

  REQUIRE(pods.Create(MakePod("live", "n1")).ok());
  REQUIRE(pods.Create(MakePod("elsewhere", "n2")).ok());
  REQUIRE(pods.Patch("live", "application/merge-patch+json", R"({"metadata":{"labels":{"x":"y"}}})")
              .ok());
  REQUIRE(pods.Delete("before", Now()).ok());

  auto lister = informer.GetLister();
  REQUIRE(Eventually([&] {
    return Names(lister.List()) == std::set<std::string>{"live", "elsewhere"};
  }));
  CHECK(Names(lister.ByIndex("node", "n1")) == std::set<std::string>{"live"});
  CHECK(Names(lister.List(*LabelSelector::Parse("x=y"))) == std::set<std::string>{"live"});
  CHECK(lister.ByNamespace("default").Get("live").ok());
  CHECK(IsNotFound(lister.Get("default", "before").status()));
  REQUIRE(Eventually([&] { return seen.Has(&Recorder::deletes, "before"); }));
  CHECK(Eventually([&] { return seen.Has(&Recorder::updates, "live"); }));
  CHECK(Eventually([&] { return seen.Has(&Recorder::adds, "elsewhere"); }));

  Recorder late;  // a handler added after the start is replayed the cache
  informer.AddEventHandler(late.Handler());
  CHECK(Eventually([&] { return late.InitialAdds() == 2; }));
  factory.Shutdown();
}

TEST_CASE("informer: converges after an apiserver restart with changes during the downtime") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  for (const char* name : {"kept", "doomed"})
    REQUIRE(cs.Pods("default").Create(MakePod(name)).ok());

  SharedInformerFactory factory(cs, FastRetry());
  auto informer = factory.ForResource<Pod>();
  Recorder seen;
  informer.AddEventHandler(seen.Handler());
  factory.Start();
  REQUIRE(AllSynced(factory.WaitForCacheSync(std::chrono::seconds(10))));

  server.Stop();  // the informer's address is down from here
  {
    int other = server.StartElsewhere();
    Clientset meanwhile = server.NewClientset(fmt::format("127.0.0.1:{}", other));
    auto pods = meanwhile.Pods("default");
    REQUIRE(pods.Create(MakePod("born")).ok());
    REQUIRE(pods.Delete("doomed", Now()).ok());
    REQUIRE(
        pods.Patch("kept", "application/merge-patch+json", R"({"metadata":{"labels":{"v":"2"}}})")
            .ok());
    server.Stop();
  }
  server.Restart();

  auto lister = informer.GetLister();
  REQUIRE(Eventually([&] {
    auto kept = lister.Get("default", "kept");
    return Names(lister.List()) == std::set<std::string>{"kept", "born"} && kept.ok() &&
           (*kept)->metadata().labels().count("v") == 1;
  }));
  CHECK(Eventually([&] { return seen.Has(&Recorder::unknown_deletes, "doomed"); }));
  CHECK(Eventually([&] { return seen.Has(&Recorder::adds, "born"); }));

  REQUIRE(cs.Pods("default").Create(MakePod("after")).ok());  // and it watches again
  REQUIRE(Eventually([&] { return lister.Get("default", "after").ok(); }));
  factory.Shutdown();
}

TEST_CASE("informer: resync delivers OnUpdate(obj, obj) for every cached object") {
  TestApiServer server;
  Clientset cs = server.NewClientset();
  REQUIRE(cs.Pods("default").Create(MakePod("steady")).ok());
  FactoryOptions options = FastRetry();
  options.resync = std::chrono::milliseconds(50);
  SharedInformerFactory factory(cs, options);
  auto informer = factory.ForResource<Pod>();
  Recorder seen;
  informer.AddEventHandler(seen.Handler());
  factory.Start();
  REQUIRE(AllSynced(factory.WaitForCacheSync(std::chrono::seconds(10))));
  CHECK(Eventually([&] { return seen.Has(&Recorder::updates, "steady"); }));
  factory.Shutdown();
}

// Interposes on a ListerWatcher: while paused, the current watch is cut and new ones fail as
// if the server were unreachable. A cut watch delivers nothing more, not even events the
// server sent before its cancellation reached it (a real stream may: they are still in order).
class Gate : public ListerWatcher {
 public:
  explicit Gate(ResourceClient inner) : inner_(std::move(inner)) {}
  Result<RawList> List(const ListOptions& o) const override { return inner_.List(o); }
  Result<std::unique_ptr<WatchStream>> Watch(const ListOptions& o) const override {
    std::lock_guard lock(mu_);
    if (paused_) return Status(Reason::kServiceUnavailable, "paused by the test");
    auto stream = inner_.Watch(o);
    if (!stream.ok()) return stream.take_status();
    auto connection = std::make_shared<Connection>(std::move(stream).value());
    current_ = connection;
    return std::unique_ptr<WatchStream>(new Cuttable(std::move(connection)));
  }
  void Pause() {
    std::lock_guard lock(mu_);
    paused_ = true;
    if (auto current = current_.lock()) {
      current->cut = true;
      current->stream->Stop();
    }
  }
  void Resume() {
    std::lock_guard lock(mu_);
    paused_ = false;
  }

 private:
  struct Connection {
    explicit Connection(std::unique_ptr<WatchStream> s) : stream(std::move(s)) {}
    std::unique_ptr<WatchStream> stream;
    std::atomic<bool> cut{false};
  };
  // The reflector's handle on a stream the gate can also cut.
  struct Cuttable : WatchStream {
    explicit Cuttable(std::shared_ptr<Connection> c) : c(std::move(c)) {}
    std::optional<RawEvent> Next(std::chrono::milliseconds t) override {
      if (c->cut) return std::nullopt;
      auto event = c->stream->Next(t);
      return c->cut ? std::nullopt : event;
    }
    bool done() override { return c->cut || c->stream->done(); }
    Status status() override {
      return c->cut ? Status(Reason::kServiceUnavailable, "cut by the test") : c->stream->status();
    }
    void Stop() override { c->stream->Stop(); }
    std::shared_ptr<Connection> c;
  };

  ResourceClient inner_;
  mutable std::mutex mu_;
  mutable bool paused_ = false;                // guarded by mu_
  mutable std::weak_ptr<Connection> current_;  // guarded by mu_
};

TEST_CASE("informer: re-lists after 410 Expired and reports missed deletes") {
  TestApiServer server(/*watch_window_events=*/5);
  Clientset cs = server.NewClientset();
  auto pods = cs.Pods("default");
  REQUIRE(pods.Create(MakePod("doomed")).ok());
  REQUIRE(pods.Create(MakePod("busy")).ok());

  auto gate = std::make_shared<Gate>(cs.ForMessage(Pod::descriptor(), "default"));
  InformerOptions options;
  options.reflector.backoff.initial = std::chrono::milliseconds(100);
  options.reflector.backoff.cap = std::chrono::milliseconds(500);
  auto raw = std::make_shared<SharedInformer>(gate, options);
  SharedIndexInformer<Pod> informer(raw);
  Recorder seen;
  informer.AddEventHandler(seen.Handler());
  raw->Start();
  REQUIRE(raw->WaitForSync(std::chrono::seconds(10)));
  REQUIRE(Eventually([&] { return raw->LastSyncResourceVersion() != ""; }));

  gate->Pause();
  REQUIRE(pods.Delete("doomed", Now()).ok());
  for (int i = 0; i < 12; ++i) {  // more events than the window keeps
    REQUIRE(pods.Patch("busy", "application/merge-patch+json",
                       fmt::format(R"({{"metadata":{{"labels":{{"n":"{}"}}}}}})", i))
                .ok());
  }
  gate->Resume();

  auto lister = informer.GetLister();
  REQUIRE(Eventually([&] {
    auto busy = lister.Get("default", "busy");
    return busy.ok() && (*busy)->metadata().labels().count("n") == 1 &&
           (*busy)->metadata().labels().at("n") == "11" && !lister.Get("default", "doomed").ok();
  }));
  CHECK(raw->lists() >= 2);
  CHECK(Eventually([&] { return seen.Has(&Recorder::unknown_deletes, "doomed"); }));
  raw->Stop();
}

}  // namespace
}  // namespace pk::client
