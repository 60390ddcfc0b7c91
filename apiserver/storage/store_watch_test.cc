// WATCH semantics, against both implementations.
#include <atomic>
#include <memory>
#include <thread>

#include "apiserver/storage/store_test_util.h"

namespace pk::storage {
namespace {

using namespace testing;  // NOLINT
using Type = Event::Type;
constexpr auto kWait = std::chrono::seconds(5);

// The next `n` events (each waited for at most kWait).
std::vector<Event> Take(Watcher& watcher, size_t n) {
  std::vector<Event> events;
  while (events.size() < n) {
    auto event = watcher.Next(kWait);
    if (!event) break;
    events.push_back(std::move(*event));
  }
  return events;
}

std::string Describe(const Event& e) {
  return std::string(EventTypeName(e.type)) + " " + (e.object ? NameOf(*e.object) : "-") + "@" +
         std::to_string(e.revision);
}
std::vector<std::string> Describe(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(Describe(e));
  return out;
}
using Strings = std::vector<std::string>;

TEST_CASE_TEMPLATE("watch from 0: the current state, then changes", K, PK_STORE_KINDS) {
  Harness<K> h;
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());
  REQUIRE(h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b")).ok());
  REQUIRE(h->Create(CmKey("other", "c"), NewConfigMap("other", "c")).ok());
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps", "ns")});
  REQUIRE(watch.ok());
  REQUIRE(h->GuaranteedUpdate(CmKey("ns", "a"), {}, SetData("2")).ok());
  REQUIRE(h->GuaranteedUpdate(CmKey("other", "c"), {}, SetData("2")).ok());
  REQUIRE(h->Delete(CmKey("ns", "b")).ok());
  auto events = Take(**watch, 4);
  CHECK(Describe(events) == Strings{"ADDED a@3", "ADDED b@3", "MODIFIED a@4", "DELETED b@6"});
  REQUIRE(events.size() == 4);
  CHECK(RV(events[0].object) == 1);
  CHECK(RV(events[3].object) == 6);  // the last state at the deletion revision
  CHECK(RV(events[3].prev_object) == 2);
  CHECK(RV(events[2].prev_object) == 1);
  CHECK((*watch)->Drain().empty());
}

TEST_CASE_TEMPLATE("watch from a revision: only what came after", K, PK_STORE_KINDS) {
  Harness<K> h;
  for (const char* name : {"a", "b", "c"}) {
    REQUIRE(h->Create(CmKey("ns", name), NewConfigMap("ns", name)).ok());
  }
  REQUIRE(h->Delete(CmKey("ns", "a")).ok());
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 2});
  REQUIRE(watch.ok());
  REQUIRE(h->Create(CmKey("ns", "d"), NewConfigMap("ns", "d")).ok());
  CHECK(Describe(Take(**watch, 3)) == Strings{"ADDED c@3", "DELETED a@4", "ADDED d@5"});
  // A watch on one object.
  auto one = h->Watch(WatchOptions{.prefix = CmKey("ns", "c"), .resource_version = 1});
  REQUIRE(one.ok());
  REQUIRE(h->GuaranteedUpdate(CmKey("ns", "c"), {}, SetData("x")).ok());
  CHECK(Describe(Take(**one, 2)) == Strings{"ADDED c@3", "MODIFIED c@6"});
}

TEST_CASE_TEMPLATE("watch and list across resources", K, PK_STORE_KINDS) {
  Harness<K> h;
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());  // 1
  REQUIRE(h->Create(PodKey("ns", "p"), NewPod("ns", "p", "n")).ok());  // 2
  REQUIRE(h->Delete(CmKey("ns", "a")).ok());                           // 3
  REQUIRE(h->Create(PodKey("ns", "q"), NewPod("ns", "q", "n")).ok());  // 4
  auto all = h->Watch(WatchOptions{.prefix = "/registry/", .resource_version = 1});
  REQUIRE(all.ok());
  CHECK(Describe(Take(**all, 3)) == Strings{"ADDED p@2", "DELETED a@3", "ADDED q@4"});
  auto past = h->List(ListOptions{.prefix = "/registry/", .resource_version = 2, .exact = true});
  REQUIRE(past.ok());
  REQUIRE(past->items.size() == 2);
  CHECK(NameOf(*past->items[0]) == "a");  // /registry/configmaps/... sorts first
  CHECK(NameOf(*past->items[1]) == "p");
}

TEST_CASE_TEMPLATE("selector transitions become ADDED and DELETED", K, PK_STORE_KINDS) {
  Harness<K> h;
  REQUIRE(h->Create(PodKey("ns", "p"), NewPod("ns", "p", "")).ok());
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("pods"),
                                     .fields = *FieldSelector::Parse("spec.nodeName=node-1"),
                                     .resource_version = 1});
  REQUIRE(watch.ok());
  auto set_node = [](const std::string& node) {
    return [node](const google::protobuf::Message* current)
               -> Result<std::unique_ptr<google::protobuf::Message>> {
      auto pod = std::make_unique<k8s::core::v1::Pod>();
      pod->CopyFrom(*current);
      pod->mutable_spec()->set_node_name(node);
      pod->mutable_status()->set_phase(pod->status().phase() + "x");
      return std::unique_ptr<google::protobuf::Message>(std::move(pod));
    };
  };
  REQUIRE(h->GuaranteedUpdate(PodKey("ns", "p"), {}, set_node("node-1")).ok());  // 2: enters
  REQUIRE(h->GuaranteedUpdate(PodKey("ns", "p"), {}, set_node("node-1")).ok());  // 3: stays
  REQUIRE(h->GuaranteedUpdate(PodKey("ns", "p"), {}, set_node("node-2")).ok());  // 4: leaves
  REQUIRE(h->GuaranteedUpdate(PodKey("ns", "p"), {}, set_node("node-3")).ok());  // 5: outside
  REQUIRE(h->GuaranteedUpdate(PodKey("ns", "p"), {}, set_node("node-1")).ok());  // 6: enters
  REQUIRE(h->Delete(PodKey("ns", "p")).ok());                                    // 7
  auto events = Take(**watch, 5);
  CHECK(Describe(events) ==
        Strings{"ADDED p@2", "MODIFIED p@3", "DELETED p@4", "ADDED p@6", "DELETED p@7"});
  REQUIRE(events.size() == 5);
  // A DELETED for leaving the selection carries the last selected state at the event's
  // revision (Kubernetes' cacheWatcher.convertToWatchEvent), not a state outside the selection.
  CHECK(dynamic_cast<const k8s::core::v1::Pod&>(*events[2].object).spec().node_name() == "node-1");
  CHECK(RV(events[2].object) == 4);
  CHECK(dynamic_cast<const k8s::core::v1::Pod&>(*events[2].prev_object).spec().node_name() ==
        "node-1");
  // An ADDED for entering it carries the new state.
  CHECK(dynamic_cast<const k8s::core::v1::Pod&>(*events[3].object).spec().node_name() == "node-1");
  CHECK(RV(events[3].object) == 6);
}

TEST_CASE_TEMPLATE("watch below the window is Expired, above the store times out", K,
                   PK_STORE_KINDS) {
  StoreOptions options = TestOptions();
  options.window_events = 2;
  Harness<K> h(options);
  for (const char* name : {"a", "b", "c", "d"}) {
    REQUIRE(h->Create(CmKey("ns", name), NewConfigMap("ns", name)).ok());
  }
  auto expired = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 1});
  REQUIRE(!expired.ok());
  CHECK(expired.status().reason() == Reason::kExpired);
  CHECK(expired.status().message() == "too old resource version: 1 (2)");
  auto fine = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 2});
  REQUIRE(fine.ok());
  CHECK(Describe(Take(**fine, 2)) == Strings{"ADDED c@3", "ADDED d@4"});
  // Other resources have their own windows.
  CHECK(h->Watch(WatchOptions{.prefix = PrefixKey("pods"), .resource_version = 1}).ok());

  auto future = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 9});
  REQUIRE(!future.ok());
  CHECK(future.status().reason() == Reason::kTimeout);
  CHECK(future.status().message() == "Too large resource version: 9, current: 4");
  CHECK(future.status().details().causes.at(0).reason == "ResourceVersionTooLarge");
}

TEST_CASE_TEMPLATE("a slow watcher is cut off", K, PK_STORE_KINDS) {
  Harness<K> h;
  auto slow = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .buffer = 3});
  auto fast = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(slow.ok());
  REQUIRE(fast.ok());
  for (int i = 0; i < 10; ++i) {
    std::string name = "cm-" + std::to_string(i);
    REQUIRE(h->Create(CmKey("ns", name), NewConfigMap("ns", name)).ok());
  }
  CHECK(Take(**fast, 10).size() == 10);
  // The slow one delivers what it had, then ends.
  // (Every event has been dispatched to both by now: the fast one has them all.)
  CHECK(Take(**slow, 3).size() == 3);
  CHECK(!(*slow)->Next(std::chrono::milliseconds(50)));
  CHECK((*slow)->done());
  CHECK(!(*fast)->done());
}

TEST_CASE_TEMPLATE("bookmarks carry the current revision", K, PK_STORE_KINDS) {
  StoreOptions options = TestOptions();
  options.bookmark_interval = std::chrono::milliseconds(20);
  Harness<K> h(options);
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());
  auto plain = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 1});
  auto marked = h->Watch(
      WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 1, .bookmarks = true});
  REQUIRE(marked.ok());
  REQUIRE(h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b")).ok());
  // Bookmarks may come before the ADDED (then at 1), but one at 2 must come after it.
  std::vector<Event> seen;
  while (seen.empty() || seen.back().type != Type::kBookmark || seen.back().revision < 2) {
    auto event = (*marked)->Next(kWait);
    REQUIRE(event);
    seen.push_back(std::move(*event));
  }
  int64_t last = 0;
  int added = 0;
  for (const Event& e : seen) {
    CHECK(e.revision >= last);
    last = e.revision;
    if (e.type == Type::kAdded) {
      CHECK(Describe(e) == "ADDED b@2");
      ++added;
    } else {
      CHECK(e.type == Type::kBookmark);
      CHECK(e.object == nullptr);
    }
  }
  CHECK(added == 1);
  CHECK(Describe(Take(**plain, 1)) == Strings{"ADDED b@2"});
  CHECK(!(*plain)->Next(std::chrono::milliseconds(100)));
}

TEST_CASE_TEMPLATE("notify, stop and destruction", K, PK_STORE_KINDS) {
  Harness<K> h;
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(watch.ok());
  std::atomic<int> notified{0};
  (*watch)->SetNotify([&] { ++notified; });
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());
  CHECK(Eventually([&] { return notified.load() > 0; }));
  CHECK((*watch)->Drain().size() == 1);
  (*watch)->Stop();
  (*watch)->Stop();
  CHECK((*watch)->done());
  REQUIRE(h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b")).ok());
  CHECK(!(*watch)->Next(std::chrono::milliseconds(20)));
  // Watchers that outlive the store end.
  auto orphan = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(orphan.ok());
  CHECK(Take(**orphan, 2).size() == 2);
  h.Reopen();
  CHECK(!(*orphan)->Next(std::chrono::milliseconds(20)));
  CHECK((*orphan)->done());
}

TEST_CASE_TEMPLATE("a closing store delivers every committed event before ending watches", K,
                   PK_STORE_KINDS) {
  Harness<K> h;
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(watch.ok());
  // A slow reader's callback holds the dispatcher, so the next events wait in its queue.
  auto blocker = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(blocker.ok());
  auto entered = std::make_shared<std::atomic<bool>>(false);
  (*blocker)->SetNotify([entered] {
    if (!entered->exchange(true)) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  });
  for (int i = 0; i < 10; ++i) {
    std::string name = "cm-" + std::to_string(i);
    REQUIRE(h->Create(CmKey("ns", name), NewConfigMap("ns", name)).ok());
    if (i == 0) REQUIRE(Eventually([&] { return entered->load(); }));
  }
  h.Reopen();  // closes the store the watches came from while the dispatcher is held
  CHECK(Take(**watch, 10).size() == 10);
  CHECK(!(*watch)->Next(std::chrono::milliseconds(20)));
  CHECK((*watch)->done());
}

TEST_CASE_TEMPLATE("no notify callback runs once Stop has returned", K, PK_STORE_KINDS) {
  Harness<K> h;
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(watch.ok());
  // Shared, so a callback still running after the test fails touches nothing freed.
  struct Flags {
    std::atomic<bool> entered{false};
    std::atomic<bool> finished{false};
  };
  auto flags = std::make_shared<Flags>();
  (*watch)->SetNotify([flags] {
    if (flags->entered.exchange(true)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    flags->finished = true;
  });
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());
  REQUIRE(Eventually([&] { return flags->entered.load(); }));
  (*watch)->Stop();  // the reader may now free what its callback uses
  CHECK(flags->finished.load());

  // A callback may stop its own watch.
  auto self = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps")});
  REQUIRE(self.ok());
  Watcher* raw = self->get();
  std::atomic<bool> stopped{false};
  raw->SetNotify([raw, &stopped] {
    raw->Stop();
    stopped = true;
  });
  REQUIRE(h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b")).ok());
  CHECK(Eventually([&] { return stopped.load(); }));
  CHECK(raw->done());
}

TEST_CASE_TEMPLATE("concurrent writers and watchers agree on order", K, PK_STORE_KINDS) {
  Harness<K> h;
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .buffer = 100000});
  REQUIRE(watch.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string name = "cm-" + std::to_string(t) + "-" + std::to_string(i);
        CHECK(h->Create(CmKey("ns", name), NewConfigMap("ns", name)).ok());
      }
    });
  }
  // A second watch registered mid-stream from a recent revision.
  REQUIRE(Eventually([&] { return h->CurrentRevision() > 0; }));
  int64_t from = h->CurrentRevision();
  auto late = h->Watch(
      WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = from, .buffer = 100000});
  REQUIRE(late.ok());
  for (auto& t : threads) t.join();
  auto events = Take(**watch, 200);
  REQUIRE(events.size() == 200);
  for (size_t i = 0; i < events.size(); ++i) CHECK(events[i].revision == int64_t(i) + 1);
  auto late_events = Take(**late, 200 - from);
  REQUIRE(late_events.size() == size_t(200 - from));
  for (size_t i = 0; i < late_events.size(); ++i) {
    CHECK(late_events[i].revision == from + int64_t(i) + 1);
  }
}

}  // namespace
}  // namespace pk::storage
