// A randomized check of the engine against a model: concurrent creates, updates and deletes;
// the watch stream, replayed, must reproduce every past state that LIST serves.
#include <fmt/format.h>

#include <map>
#include <random>

#include "apiserver/storage/store_test_util.h"

namespace pk::storage {
namespace {

using namespace testing;                       // NOLINT
using State = std::map<std::string, int64_t>;  // key -> resourceVersion

void RandomWrites(Store& store, int seed, int ops) {
  std::mt19937 rng(seed);
  for (int i = 0; i < ops; ++i) {
    std::string name = fmt::format("k{}", rng() % 12);
    std::string key = CmKey("ns", name);
    switch (rng() % 3) {
      case 0:
        (void)store.Create(key, NewConfigMap("ns", name));
        break;
      case 1: {
        std::string value = std::to_string(rng());
        auto upsert = [&](const google::protobuf::Message* current)
            -> Result<std::unique_ptr<google::protobuf::Message>> {
          auto next = NewConfigMap("ns", name, {}, value);
          if (current) next->CopyFrom(*current);
          (*next->mutable_data())["key"] = value;
          return std::unique_ptr<google::protobuf::Message>(std::move(next));
        };
        (void)store.GuaranteedUpdate(key, {}, upsert, /*create_if_missing=*/true);
        break;
      }
      default:
        (void)store.Delete(key);
    }
  }
}

// Runs concurrent random writes with a watch from 0 open; returns the state after each
// revision, replayed from the watch (checking it has every revision exactly once, in order).
template <class K>
std::vector<State> WriteAndReplay(Harness<K>& h) {
  auto watch = h->Watch(WatchOptions{.prefix = PrefixKey("configmaps"), .buffer = 1 << 20});
  REQUIRE(watch.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) threads.emplace_back([&, t] { RandomWrites(h.store(), t, 150); });
  for (auto& t : threads) t.join();
  const int64_t current = h->CurrentRevision();
  REQUIRE(current > 0);
  std::vector<State> states(current + 1);
  State state;
  for (int64_t revision = 1; revision <= current; ++revision) {
    auto event = (*watch)->Next(std::chrono::seconds(5));
    REQUIRE(event);
    REQUIRE(event->revision == revision);
    if (event->type == Event::Type::kDeleted) {
      REQUIRE(state.erase(event->key) == 1);
    } else {
      CHECK((event->type == Event::Type::kAdded) == (state.count(event->key) == 0));
      state[event->key] = RV(event->object);
      CHECK(RV(event->object) == revision);
    }
    states[revision] = state;
  }
  return states;
}

// The state at `revision` as LIST serves it, in pages of `limit`.
template <class K>
Result<State> ListAt(Harness<K>& h, int64_t revision, int64_t limit) {
  State listed;
  ListOptions options{.prefix = PrefixKey("configmaps"),
                      .limit = limit,
                      .resource_version = revision,
                      .exact = true};
  do {
    auto page = h->List(options);
    if (!page.ok()) return page.take_status();
    CHECK(page->revision == revision);
    for (const auto& item : page->items) listed[CmKey("ns", NameOf(*item))] = RV(item);
    options.continue_token = page->continue_token;
  } while (!options.continue_token.empty());
  return listed;
}

TEST_CASE_TEMPLATE("watch events replay to every listed past state", K, PK_STORE_KINDS) {
  Harness<K> h;
  std::vector<State> states = WriteAndReplay(h);
  for (int64_t revision = 1; revision < int64_t(states.size()); ++revision) {
    CAPTURE(revision);
    auto whole = ListAt(h, revision, 0);
    REQUIRE(whole.ok());
    CHECK(*whole == states[revision]);
    if (revision % 7 == 0) CHECK(*ListAt(h, revision, 3) == states[revision]);
  }
}

TEST_CASE_TEMPLATE("past states beyond a small window are Expired", K, PK_STORE_KINDS) {
  StoreOptions options = TestOptions();
  options.window_events = 40;
  Harness<K> h(options);
  std::vector<State> states = WriteAndReplay(h);
  const int64_t current = int64_t(states.size()) - 1;
  int expired = 0;
  for (int64_t revision = 1; revision <= current; ++revision) {
    CAPTURE(revision);
    auto listed = ListAt(h, revision, 0);
    if (listed.ok()) {
      CHECK(*listed == states[revision]);
      CHECK(revision >= current - 40);
    } else {
      CHECK(listed.status().reason() == Reason::kExpired);
      CHECK(revision < current - 40);
      ++expired;
    }
  }
  // The window holds revisions current-39..current; the floor (the last evicted event,
  // current-40) is the oldest state still known.
  CHECK(expired == current - 41);
}

}  // namespace
}  // namespace pk::storage
