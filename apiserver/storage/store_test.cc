// The store's write and read semantics, run against both implementations.
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "apiserver/storage/store_test_util.h"

namespace pk::storage {
namespace {

using namespace testing;  // NOLINT

TEST_CASE_TEMPLATE("create, get, AlreadyExists and NotFound", K, PK_STORE_KINDS) {
  Harness<K> h;
  CHECK(h->CurrentRevision() == 0);
  auto created = h->Create(CmKey("default", "a"), NewConfigMap("default", "a"));
  REQUIRE(created.ok());
  CHECK(RV(*created) == 1);
  CHECK(h->CurrentRevision() == 1);

  auto got = h->Get(CmKey("default", "a"));
  REQUIRE(got.ok());
  CHECK(*got == *created);
  CHECK(NameOf(**got) == "a");

  auto again = h->Create(CmKey("default", "a"), NewConfigMap("default", "a"));
  REQUIRE(!again.ok());
  CHECK(again.status().reason() == Reason::kAlreadyExists);
  CHECK(again.status().message() == "configmaps \"a\" already exists");

  auto missing = h->Get(CmKey("default", "b"));
  REQUIRE(!missing.ok());
  CHECK(missing.status().reason() == Reason::kNotFound);
  CHECK(missing.status().message() == "configmaps \"b\" not found");
  CHECK(h->Delete(CmKey("default", "b")).status().reason() == Reason::kNotFound);
  CHECK(h->GuaranteedUpdate(CmKey("default", "b"), {}, SetData("x")).status().reason() ==
        Reason::kNotFound);
  // Groups come from the scheme.
  auto lease = h->Get(ObjectKey("leases", "default", "x"));
  CHECK(lease.status().message() == "leases.coordination.k8s.io \"x\" not found");
}

TEST_CASE_TEMPLATE("keys and types are checked", K, PK_STORE_KINDS) {
  Harness<K> h;
  CHECK(h->Create("/registry/configmaps", NewConfigMap("", "x")).status().reason() ==
        Reason::kBadRequest);
  CHECK(h->Create(ObjectKey("widgets", "", "x"), NewConfigMap("", "x")).status().reason() ==
        Reason::kBadRequest);
  CHECK(h->Create(PodKey("default", "x"), NewConfigMap("default", "x")).status().reason() ==
        Reason::kBadRequest);
  CHECK(h->Get("nonsense").status().reason() == Reason::kBadRequest);
}

TEST_CASE_TEMPLATE("the store owns resourceVersion", K, PK_STORE_KINDS) {
  Harness<K> h;
  auto cm = NewConfigMap("default", "a");
  cm->mutable_metadata()->set_resource_version("12345");
  auto created = h->Create(CmKey("default", "a"), std::move(cm));
  REQUIRE(created.ok());
  CHECK(RV(*created) == 1);
  auto updated = h->GuaranteedUpdate(CmKey("default", "a"), {}, SetData("two"));
  REQUIRE(updated.ok());
  CHECK(RV(*updated) == 2);
  CHECK(DataOf(*updated) == "two");
  CHECK(RV(*created) == 1);  // stored objects are immutable
}

TEST_CASE_TEMPLATE("a stale resourceVersion is a conflict", K, PK_STORE_KINDS) {
  Harness<K> h;
  REQUIRE(h->Create(CmKey("default", "a"), NewConfigMap("default", "a")).ok());
  REQUIRE(h->GuaranteedUpdate(CmKey("default", "a"), {}, SetData("two")).ok());
  Preconditions stale;
  stale.resource_version = 1;
  auto result = h->GuaranteedUpdate(CmKey("default", "a"), stale, SetData("three"));
  REQUIRE(!result.ok());
  CHECK(result.status().reason() == Reason::kConflict);
  CHECK(result.status().message() ==
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; "
        "please apply your changes to the latest version and try again");
  Preconditions fresh;
  fresh.resource_version = 2;
  auto ok = h->GuaranteedUpdate(CmKey("default", "a"), fresh, SetData("three"));
  REQUIRE(ok.ok());
  CHECK(RV(*ok) == 3);
}

TEST_CASE_TEMPLATE("GuaranteedUpdate retries when another writer wins", K, PK_STORE_KINDS) {
  Harness<K> h;
  const std::string key = CmKey("default", "a");
  REQUIRE(h->Create(key, NewConfigMap("default", "a", {}, "0")).ok());
  int calls = 0;
  auto result = h->GuaranteedUpdate(
      key, {},
      [&](const google::protobuf::Message* current)
          -> Result<std::unique_ptr<google::protobuf::Message>> {
        ++calls;
        if (calls == 1) {
          // Another writer commits between our read and our write.
          std::thread other([&] { REQUIRE(h->GuaranteedUpdate(key, {}, SetData("1")).ok()); });
          other.join();
        }
        auto next = std::make_unique<k8s::core::v1::ConfigMap>();
        next->CopyFrom(*current);
        (*next->mutable_data())["key"] += "+mine";
        return std::unique_ptr<google::protobuf::Message>(std::move(next));
      });
  REQUIRE(result.ok());
  CHECK(calls == 2);
  CHECK(DataOf(*result) == "1+mine");
  CHECK(RV(*result) == 3);
}

TEST_CASE_TEMPLATE("concurrent increments lose nothing", K, PK_STORE_KINDS) {
  Harness<K> h;
  const std::string key = CmKey("default", "counter");
  REQUIRE(h->Create(key, NewConfigMap("default", "counter", {}, "0")).ok());
  auto increment = [](const google::protobuf::Message* current)
      -> Result<std::unique_ptr<google::protobuf::Message>> {
    auto next = std::make_unique<k8s::core::v1::ConfigMap>();
    next->CopyFrom(*current);
    auto& v = (*next->mutable_data())["key"];
    v = std::to_string(std::stoi(v) + 1);
    return std::unique_ptr<google::protobuf::Message>(std::move(next));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) CHECK(h->GuaranteedUpdate(key, {}, increment).ok());
    });
  }
  for (auto& t : threads) t.join();
  auto got = h->Get(key);
  REQUIRE(got.ok());
  CHECK(DataOf(*got) == "160");
  CHECK(RV(*got) == 161);
}

TEST_CASE_TEMPLATE("create_if_missing and no-op updates", K, PK_STORE_KINDS) {
  Harness<K> h;
  const std::string key = CmKey("default", "a");
  auto create = [](const google::protobuf::Message* current)
      -> Result<std::unique_ptr<google::protobuf::Message>> {
    CHECK(current == nullptr);
    return std::unique_ptr<google::protobuf::Message>(NewConfigMap("default", "a"));
  };
  auto created = h->GuaranteedUpdate(key, {}, create, /*create_if_missing=*/true);
  REQUIRE(created.ok());
  CHECK(RV(*created) == 1);
  // Writing back what is there costs no revision (as in Kubernetes).
  auto same = h->GuaranteedUpdate(key, {}, SetData("v"));
  REQUIRE(same.ok());
  CHECK(RV(*same) == 1);
  CHECK(h->CurrentRevision() == 1);
  // An update's own error comes back as is.
  auto failed = h->GuaranteedUpdate(
      key, {},
      [](const google::protobuf::Message*) -> Result<std::unique_ptr<google::protobuf::Message>> {
        return Status::BadRequest("nope");
      });
  CHECK(failed.status().message() == "nope");
}

TEST_CASE_TEMPLATE("delete with preconditions", K, PK_STORE_KINDS) {
  Harness<K> h;
  const std::string key = CmKey("default", "a");
  REQUIRE(h->Create(key, NewConfigMap("default", "a")).ok());
  Preconditions wrong_uid;
  wrong_uid.uid = "other";
  auto conflict = h->Delete(key, wrong_uid);
  REQUIRE(!conflict.ok());
  CHECK(conflict.status().reason() == Reason::kConflict);
  CHECK(conflict.status().message() ==
        "Operation cannot be fulfilled on configmaps \"a\": Precondition failed: UID in "
        "precondition: other, UID in object meta: uid-default-a");
  Preconditions wrong_rv;
  wrong_rv.resource_version = 7;
  CHECK(h->Delete(key, wrong_rv).status().reason() == Reason::kConflict);
  CHECK(h->GuaranteedUpdate(key, wrong_uid, SetData("x")).status().reason() == Reason::kConflict);
  CHECK(h->Get(key).ok());

  Preconditions right;
  right.uid = "uid-default-a";
  right.resource_version = 1;
  auto deleted = h->Delete(key, right);
  REQUIRE(deleted.ok());
  CHECK(RV(*deleted) == 2);  // the last state at the deletion revision
  CHECK(h->CurrentRevision() == 2);
  CHECK(h->Get(key).status().reason() == Reason::kNotFound);
  CHECK(h->Delete(key).status().reason() == Reason::kNotFound);
  // The key can be created again.
  auto recreated = h->Create(key, NewConfigMap("default", "a"));
  REQUIRE(recreated.ok());
  CHECK(RV(*recreated) == 3);
}

TEST_CASE_TEMPLATE("many concurrent writers get distinct revisions", K, PK_STORE_KINDS) {
  Harness<K> h;
  constexpr int kThreads = 16;
  constexpr int kPerThread = 25;
  std::vector<std::vector<int64_t>> revisions(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "cm-" + std::to_string(t) + "-" + std::to_string(i);
        auto created = h->Create(CmKey("ns", name), NewConfigMap("ns", name));
        if (created.ok()) revisions[t].push_back(RV(*created));
        // Each writer sees its own write at once.
        auto got = h->Get(CmKey("ns", name));
        if (got.ok()) revisions[t].push_back(-RV(*got));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (const auto& v : revisions) {
    REQUIRE(v.size() == 2 * kPerThread);
    for (size_t i = 0; i < v.size(); i += 2) {
      CHECK(v[i] == -v[i + 1]);
      all.insert(v[i]);
    }
  }
  CHECK(all.size() == kThreads * kPerThread);
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == kThreads * kPerThread);
  CHECK(h->CurrentRevision() == kThreads * kPerThread);
}

TEST_CASE_TEMPLATE("TTL expiry with an injected clock", K, PK_STORE_KINDS) {
  auto now = std::make_shared<std::atomic<int64_t>>(1'000'000);
  StoreOptions options = TestOptions();
  options.now_ms = [now] { return now->load(); };
  Harness<K> h(options);
  WriteOptions ttl;
  ttl.ttl = std::chrono::seconds(10);
  REQUIRE(h->Create(CmKey("default", "short"), NewConfigMap("default", "short"), ttl).ok());
  REQUIRE(h->Create(CmKey("default", "forever"), NewConfigMap("default", "forever")).ok());
  auto watch = h->Watch(
      WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = h->CurrentRevision()});
  REQUIRE(watch.ok());

  now->store(1'000'000 + 9'999);
  CHECK(h->ExpireDue() == 0);
  // An update without a TTL drops it (as a Kubernetes write without a lease).
  REQUIRE(h->Create(CmKey("default", "updated"), NewConfigMap("default", "updated"), ttl).ok());
  REQUIRE(h->GuaranteedUpdate(CmKey("default", "updated"), {}, SetData("new")).ok());

  now->store(1'000'000 + 60'000);
  CHECK(h->ExpireDue() == 1);
  CHECK(h->Get(CmKey("default", "short")).status().reason() == Reason::kNotFound);
  CHECK(h->Get(CmKey("default", "forever")).ok());
  CHECK(h->Get(CmKey("default", "updated")).ok());
  CHECK(h->ExpireDue() == 0);

  std::vector<Event> events;
  Eventually([&] {
    for (auto& e : (*watch)->Drain()) events.push_back(std::move(e));
    return events.size() >= 3;
  });
  REQUIRE(events.size() == 3);
  CHECK(events[2].type == Event::Type::kDeleted);
  CHECK(events[2].key == CmKey("default", "short"));
  CHECK(RV(events[2].object) == events[2].revision);
}

TEST_CASE_TEMPLATE("Events expire an hour after their last write by default", K, PK_STORE_KINDS) {
  auto now = std::make_shared<std::atomic<int64_t>>(1'000'000);
  StoreOptions options = TestOptions();
  options.now_ms = [now] { return now->load(); };
  Harness<K> h(options);
  auto event = [](const std::string& name) {
    auto e = Scheme::Builtin().FindResource("", "events")->New();
    MutableObjectMeta(e.get())->set_name(name);
    MutableObjectMeta(e.get())->set_namespace_("default");
    return e;
  };
  const std::string old_key = ObjectKey("events", "default", "old");
  const std::string renewed_key = ObjectKey("events", "default", "renewed");
  REQUIRE(h->Create(old_key, event("old")).ok());
  REQUIRE(h->Create(renewed_key, event("renewed")).ok());
  now->store(1'000'000 + 1'800'000);  // half an hour later the second one is written again
  REQUIRE(h->GuaranteedUpdate(renewed_key, {}, [&](const google::protobuf::Message*) {
              auto e = event("renewed");
              MutableObjectMeta(e.get())->mutable_labels()->insert({"count", "2"});
              return Result<std::unique_ptr<google::protobuf::Message>>(std::move(e));
            }).ok());
  now->store(1'000'000 + 3'599'999);
  CHECK(h->ExpireDue() == 0);
  now->store(1'000'000 + 3'600'000);
  CHECK(h->ExpireDue() == 1);
  CHECK(h->Get(old_key).status().reason() == Reason::kNotFound);
  CHECK(h->Get(renewed_key).ok());
  now->store(1'000'000 + 1'800'000 + 3'600'000);
  CHECK(h->ExpireDue() == 1);
  // Other resources never expire unless a write asks.
  REQUIRE(h->Create(CmKey("default", "kept"), NewConfigMap("default", "kept")).ok());
  now->store(int64_t{1} << 50);
  CHECK(h->ExpireDue() == 0);
}

TEST_CASE_TEMPLATE("the background sweep expires objects", K, PK_STORE_KINDS) {
  auto now = std::make_shared<std::atomic<int64_t>>(5'000);
  StoreOptions options = TestOptions();
  options.now_ms = [now] { return now->load(); };
  options.sweep_interval = std::chrono::milliseconds(10);
  Harness<K> h(options);
  WriteOptions ttl;
  ttl.ttl = std::chrono::seconds(1);
  REQUIRE(h->Create(CmKey("default", "a"), NewConfigMap("default", "a"), ttl).ok());
  now->store(7'000);
  CHECK(Eventually([&] { return !h->Get(CmKey("default", "a")).ok(); }));
}

}  // namespace
}  // namespace pk::storage
