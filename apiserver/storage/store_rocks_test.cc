// What only the RocksDB store does: survive restarts. Also the small codecs underneath.
#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "apiserver/storage/continue_token.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/rocks_backend.h"
#include "apiserver/storage/store_engine.h"
#include "apiserver/storage/store_test_util.h"
#include "apiserver/storage/value_codec.h"
#include "proto/core/v1/node.pb.h"

namespace pk::storage {
namespace {

using namespace testing;  // NOLINT

TEST_CASE("restart keeps every acknowledged write and the revision") {
  auto now = std::make_shared<std::atomic<int64_t>>(1'000'000);
  StoreOptions options = TestOptions();
  options.now_ms = [now] { return now->load(); };
  Harness<RocksKind> h(options);
  WriteOptions ttl;
  ttl.ttl = std::chrono::seconds(30);
  REQUIRE(h->Create(CmKey("ns", "a"), NewConfigMap("ns", "a", {{"x", "y"}}, "a1")).ok());  // 1
  REQUIRE(h->Create(PodKey("ns", "p"), NewPod("ns", "p", "node-1")).ok());                 // 2
  REQUIRE(h->GuaranteedUpdate(CmKey("ns", "a"), {}, SetData("a3")).ok());                  // 3
  REQUIRE(h->Create(CmKey("ns", "gone"), NewConfigMap("ns", "gone")).ok());                // 4
  REQUIRE(h->Create(CmKey("ns", "ttl"), NewConfigMap("ns", "ttl"), ttl).ok());             // 5
  REQUIRE(h->Create(ObjectKey("nodes", "", "n1"), std::make_unique<k8s::core::v1::Node>())
              .status()
              .ok());                            // 6
  REQUIRE(h->Delete(CmKey("ns", "gone")).ok());  // 7
  CHECK(h->CurrentRevision() == 7);

  h.Reopen();
  CHECK(h->CurrentRevision() == 7);  // the last write was a delete: the meta key keeps it
  auto a = h->Get(CmKey("ns", "a"));
  REQUIRE(a.ok());
  CHECK(RV(*a) == 3);
  CHECK(DataOf(*a) == "a3");
  CHECK(GetObjectMeta(**a)->labels().at("x") == "y");
  auto pod = h->Get(PodKey("ns", "p"));
  REQUIRE(pod.ok());
  CHECK(RV(*pod) == 2);
  CHECK(dynamic_cast<const k8s::core::v1::Pod&>(**pod).spec().node_name() == "node-1");
  CHECK(h->Get(CmKey("ns", "gone")).status().reason() == Reason::kNotFound);
  CHECK(h->Get(ObjectKey("nodes", "", "n1")).ok());
  auto list = h->List(ListOptions{.prefix = PrefixKey("configmaps")});
  CHECK(list->items.size() == 2);
  CHECK(list->revision == 7);

  // History did not survive: old revisions are Expired, current ones fine.
  auto old = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 3});
  CHECK(old.status().reason() == Reason::kExpired);
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .resource_version = 7});
  REQUIRE(watch.ok());

  // Revisions go on; the TTL survived.
  auto b = h->Create(CmKey("ns", "b"), NewConfigMap("ns", "b"));
  REQUIRE(b.ok());
  CHECK(RV(*b) == 8);
  now->store(1'000'000 + 31'000);
  CHECK(h->ExpireDue() == 1);
  CHECK(h->Get(CmKey("ns", "ttl")).status().reason() == Reason::kNotFound);
  auto added = (*watch)->Next(std::chrono::seconds(5));
  REQUIRE(added);
  CHECK(added->revision == 8);
  h.Reopen();
  CHECK(h->CurrentRevision() == 9);
  CHECK(RV(*h->Get(CmKey("ns", "b"))) == 8);
}

// Writes `value` under `key` straight into the closed store's database.
void PutRaw(const std::string& dir, std::string_view key, std::string_view value) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(StoreRocksOptions(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  REQUIRE(db->Put(sync, rocksdb::Slice(key.data(), key.size()),
                  rocksdb::Slice(value.data(), value.size()))
              .ok());
}

std::string ValueAt(int64_t revision, std::string_view payload) {
  std::string value = NewValue(0);
  SetValueRevision(&value, revision);
  value.append(payload);
  return value;
}

TEST_CASE("a corrupt database is reported at open, never crashes or is served") {
  std::string good;
  REQUIRE(NewConfigMap("ns", "bad")->SerializeToString(&good));
  struct Case {
    const char* what;
    std::string key;
    std::string value;
  };
  const std::string key = CmKey("ns", "bad");
  std::vector<Case> cases = {
      {"shorter than the header", key, "short"},
      {"protobuf that does not parse", key, ValueAt(1, "\xff\xff\xff\xff")},
      {"a revision beyond the store's", key, ValueAt(1000, good)},
      {"a negative revision", key, ValueAt(-5, good)},
      {"a zero revision", key, ValueAt(0, good)},
      {"a revision key of the wrong size", std::string(kRevisionKey), "xyz"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    pk::testing::TempDir dir;
    const std::string db = (dir.path() / "db").string();
    {
      auto store = OpenRocksStore(db, TestOptions());
      REQUIRE(store.ok());
      REQUIRE((*store)->Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());  // 1
      REQUIRE((*store)->Create(CmKey("ns", "b"), NewConfigMap("ns", "b")).ok());  // 2
    }
    PutRaw(db, c.key, c.value);
    // Refusing to open, naming what is wrong, rather than serving a state that silently
    // lacks an object (or whose revisions run backwards): see OpenRocksStore.
    auto reopened = OpenRocksStore(db, TestOptions());
    REQUIRE(!reopened.ok());
    CHECK(reopened.status().reason() == Reason::kInternalError);
    CHECK(reopened.status().message().find("corrupt") != std::string::npos);
    if (c.key == key) CHECK(reopened.status().message().find(key) != std::string::npos);
  }
}

TEST_CASE("a second open of the same directory fails cleanly") {
  Harness<RocksKind> h;
  auto second = OpenRocksStore(h.dir());
  REQUIRE(!second.ok());
  CHECK(second.status().reason() == Reason::kInternalError);
}

// A backend whose commits fail once `fail` is set.
class FailingBackend final : public Backend {
 public:
  explicit FailingBackend(std::shared_ptr<std::atomic<bool>> fail) : fail_(std::move(fail)) {}
  bool durable() const override { return true; }
  Result<RecoveredData> Recover() override { return RecoveredData{}; }
  Status Commit(const std::vector<BackendWrite>&, int64_t) override {
    return *fail_ ? Status::InternalError("disk on fire") : Status::OK();
  }

 private:
  std::shared_ptr<std::atomic<bool>> fail_;
};

TEST_CASE("a failed commit fails the write and breaks the store") {
  auto fail = std::make_shared<std::atomic<bool>>(false);
  auto opened = StoreEngine::Open(std::make_unique<FailingBackend>(fail), TestOptions());
  REQUIRE(opened.ok());
  Store& store = **opened;
  REQUIRE(store.Create(CmKey("ns", "a"), NewConfigMap("ns", "a")).ok());
  fail->store(true);
  auto failed = store.Create(CmKey("ns", "b"), NewConfigMap("ns", "b"));
  REQUIRE(!failed.ok());
  CHECK(failed.status().reason() == Reason::kInternalError);
  CHECK(failed.status().message() == "committing to the store failed: disk on fire");
  fail->store(false);
  // Broken for good: writes fail, reads go on and never see the failed write.
  auto later = store.GuaranteedUpdate(CmKey("ns", "a"), {}, SetData("x"));
  CHECK(later.status().reason() == Reason::kInternalError);
  CHECK(later.status().message().find("disk on fire") != std::string::npos);
  CHECK(store.Get(CmKey("ns", "a")).ok());
  CHECK(store.Get(CmKey("ns", "b")).status().reason() == Reason::kNotFound);
  CHECK(store.CurrentRevision() == 1);
}

// A backend whose commits wait at a gate while it is closed, then succeed or fail.
class GatedBackend final : public Backend {
 public:
  bool durable() const override { return true; }
  Result<RecoveredData> Recover() override { return RecoveredData{}; }
  Status Commit(const std::vector<BackendWrite>&, int64_t) override {
    std::unique_lock lock(mu_);
    ++entered_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    return fail_ ? Status::InternalError("disk on fire") : Status::OK();
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open(bool fail) {
    std::lock_guard lock(mu_);
    open_ = true;
    fail_ = fail;
    cv_.notify_all();
  }
  // Waits (bounded) until `n` commits have started.
  bool WaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return entered_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  bool fail_ = false;
  int entered_ = 0;
};

// A store over a GatedBackend holding ConfigMap ns/a (data "v"), its gate closed: the next
// commit waits until the test opens it.
struct GatedStore {
  GatedStore() {
    auto owned = std::make_unique<GatedBackend>();
    backend = owned.get();
    auto opened = StoreEngine::Open(std::move(owned), TestOptions());
    REQUIRE(opened.ok());
    engine = std::move(opened).value();
    REQUIRE(engine->Create(key, NewConfigMap("ns", "a")).ok());
    REQUIRE(backend->WaitEntered(1));
    backend->Close();
  }
  GatedBackend* backend = nullptr;
  std::unique_ptr<Store> engine;
  const std::string key = CmKey("ns", "a");
};

TEST_CASE("a no-op update acknowledges nothing that is not durable") {
  GatedStore gated;
  GatedBackend* backend = gated.backend;
  Store& store = *gated.engine;
  const std::string& key = gated.key;
  // A write of "b" is ordered, its commit held at the gate.
  Result<ObjectPtr> write = Status::InternalError("not run");
  std::thread writer([&] { write = store.GuaranteedUpdate(key, {}, SetData("b"), false, {}); });
  REQUIRE(backend->WaitEntered(2));
  // Setting "b" again is a no-op against the ordered write, but must not report "b" as
  // stored while that write may still fail.
  Result<ObjectPtr> noop = Status::InternalError("not run");
  std::atomic<bool> noop_done{false};
  std::thread second([&] {
    noop = store.GuaranteedUpdate(key, {}, SetData("b"), false, {});
    noop_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(!noop_done);  // waits for the write it depends on
  backend->Open(/*fail=*/true);
  writer.join();
  second.join();
  CHECK(write.status().reason() == Reason::kInternalError);
  REQUIRE(!noop.ok());
  CHECK(noop.status().reason() == Reason::kInternalError);
  CHECK(DataOf(*store.Get(key)) == "v");
}

TEST_CASE("a no-op update waits for the write it repeats, then succeeds") {
  GatedStore gated;
  GatedBackend* backend = gated.backend;
  Store& store = *gated.engine;
  const std::string& key = gated.key;
  std::thread writer([&] { CHECK(store.GuaranteedUpdate(key, {}, SetData("b"), false, {}).ok()); });
  REQUIRE(backend->WaitEntered(2));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    backend->Open(/*fail=*/false);
  });
  auto noop = store.GuaranteedUpdate(key, {}, SetData("b"), false, {});
  REQUIRE(noop.ok());
  CHECK(RV(*noop) == 2);
  CHECK(store.CurrentRevision() >= 2);  // durable and visible when acknowledged
  CHECK(RV(*store.Get(key)) == 2);
  writer.join();
  opener.join();
}

TEST_CASE("value codec") {
  std::string value = NewValue(77);
  value += "payload";
  SetValueRevision(&value, 0x0102030405060708);
  CHECK(value.size() == kValueHeaderSize + 7);
  CHECK(value[0] == '\x08');  // little-endian
  auto decoded = DecodeValue(value);
  REQUIRE(decoded.ok());
  CHECK(decoded->mod_revision == 0x0102030405060708);
  CHECK(decoded->expire_at_ms == 77);
  CHECK(decoded->payload == "payload");
  CHECK(!DecodeValue("short").ok());
}

TEST_CASE("keys") {
  CHECK(ObjectKey("pods", "default", "nginx") == "/registry/pods/default/nginx");
  CHECK(ObjectKey("nodes", "", "n1") == "/registry/nodes/n1");
  CHECK(PrefixKey("pods") == "/registry/pods/");
  CHECK(PrefixKey("pods", "kube-system") == "/registry/pods/kube-system/");
  auto parts = ParseKey("/registry/pods/default/nginx");
  REQUIRE(parts.ok());
  CHECK(parts->resource == "pods");
  CHECK(parts->name == "nginx");
  CHECK(ParseKey("/registry/nodes/n1")->name == "n1");
  for (const char* bad : {"/registry/pods", "/registry/pods/", "/registry//x", "/other/pods/x",
                          "/registry/pods/a/b/c", "/registry/pods/a/"}) {
    CHECK_MESSAGE(!ParseKey(bad).ok(), bad);
  }
  CHECK(ResourceOf("/registry/pods/") == "pods");
  CHECK(ResourceOf("/registry/") == "");
  CHECK(KeyInRange("/registry/pods/a/x", "/registry/pods/"));
  CHECK(!KeyInRange("/registry/pods/a/xy", "/registry/pods/a/x"));
  CHECK(EventTypeName(Event::Type::kBookmark) == "BOOKMARK");
}

TEST_CASE("continue tokens") {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\xff\x00", 2)}) {
    std::string back;
    REQUIRE(Base64RawUrlDecode(Base64RawUrlEncode(s), &back));
    CHECK(back == s);
  }
  CHECK(Base64RawUrlEncode("\xfb\xff") == "-_8");
  std::string out;
  CHECK(!Base64RawUrlDecode("Zm9v=", &out));
  CHECK(!Base64RawUrlDecode("Z", &out));
  // The token of Kubernetes for the same list (generated by k8s.io/apiserver EncodeContinue).
  std::string token = EncodeContinueToken("/registry/pods/default/a<b\x00", "/registry/pods/", 42);
  REQUIRE(Base64RawUrlDecode(token, &out));
  CHECK(out == R"({"v":"meta.k8s.io/v1","rv":42,"start":"default/a\u003cb"})");
  auto point = DecodeContinueToken(token, "/registry/pods/");
  REQUIRE(point.ok());
  CHECK(point->revision == 42);
  CHECK(point->start_key == "/registry/pods/default/a<b");
  auto with_nul = DecodeContinueToken(
      EncodeContinueToken(std::string("/registry/pods/x\0", 17), "/registry/pods/", 3),
      "/registry/pods/");
  REQUIRE(with_nul.ok());
  CHECK(with_nul->start_key == std::string("/registry/pods/x\0", 17));
  CHECK(!DecodeContinueToken(Base64RawUrlEncode(R"({"v":"meta.k8s.io/v1","rv":3,"start":"a/"})"),
                             "/registry/pods/")
             .ok());
  CHECK(DecodeContinueToken(Base64RawUrlEncode(R"({"v":"meta.k8s.io/v1","rv":3,"start":"/a"})"),
                            "/registry/pods/")
            ->start_key == "/registry/pods/a");
}

}  // namespace
}  // namespace pk::storage
