#include "client/leader_elector.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/testing.h"

namespace pk::client {
namespace {

using pk::testing::Eventually;

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Counters {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::mutex mu;
  std::vector<std::string> new_leaders;  // guarded by mu
};

LeaderElectionConfig Config(const std::string& identity, Counters* counters, bool release = false) {
  LeaderElectionConfig config;
  config.identity = identity;
  config.release_on_cancel = release;
  config.on_started_leading = [counters] { ++counters->started; };
  config.on_stopped_leading = [counters] { ++counters->stopped; };
  config.on_new_leader = [counters](const std::string& who) {
    std::lock_guard<std::mutex> guard(counters->mu);
    counters->new_leaders.push_back(who);
  };
  return config;
}

std::unique_ptr<LeaderElector> NewElector(LeaderElectionConfig config, LeaseStore* store,
                                          const Clock& clock) {
  auto elector = LeaderElector::New(std::move(config), store, clock);
  REQUIRE(elector.ok());
  return std::move(elector).value();
}

// Advances the fake clock in 1 s steps, giving the electors' threads real time to act, until
// `done` or `limit` of fake time; returns the fake time it took.
template <class F>
Clock::Duration AdvanceUntil(FakeClock& clock, Clock::Duration limit, F done) {
  auto start = clock.Now();
  while (!done() && clock.Now() - start < limit) {
    clock.Advance(seconds(1));
    std::this_thread::sleep_for(milliseconds(15));
  }
  return clock.Now() - start;
}

TEST_CASE("a config must order lease duration > renew deadline > retry period") {
  MemoryLeaseStore store;
  Counters c;
  auto config = Config("a", &c);
  config.renew_deadline = seconds(20);
  CHECK(LeaderElector::New(config, &store).status().reason() == Reason::kInvalid);
  CHECK(LeaderElector::New(Config("", &c), &store).status().reason() == Reason::kInvalid);
  CHECK(LeaderElector::New(Config("a", &c), &store).ok());
}

TEST_CASE("two candidates: exactly one leads; the other takes over a dead leader's lease") {
  FakeClock clock;
  MemoryLeaseStore store;
  Counters ca, cb;
  auto a = NewElector(Config("a", &ca), &store, clock);
  auto b = NewElector(Config("b", &cb), &store, clock);
  a->Start();
  REQUIRE(Eventually([&] { return a->IsLeader(); }));
  b->Start();
  REQUIRE(Eventually([&] { return b->Leader() == "a"; }));

  bool both = false;
  AdvanceUntil(clock, seconds(30), [&] {  // a renews; b waits
    both = both || (a->IsLeader() && b->IsLeader());
    return false;
  });
  CHECK_FALSE(both);
  CHECK(a->IsLeader());
  CHECK_FALSE(b->IsLeader());
  auto held = store.Get(seconds(1));
  REQUIRE(held.ok());
  CHECK(held->spec().holder_identity() == "a");
  CHECK(held->spec().lease_duration_seconds() == 15);
  CHECK(held->spec().lease_transitions() == 0);

  a->Stop();  // killed: no release
  CHECK(ca.started == 1);
  CHECK(ca.stopped == 1);
  auto took = AdvanceUntil(clock, seconds(40), [&] { return b->IsLeader(); });
  CHECK(b->IsLeader());
  CHECK(took >= seconds(13));  // a lease duration after b last saw a renew (≤ 2 s before)
  CHECK(took <= seconds(20));
  held = store.Get(seconds(1));
  REQUIRE(held.ok());
  CHECK(held->spec().holder_identity() == "b");
  CHECK(held->spec().lease_transitions() == 1);
  // OnStartedLeading runs on a thread of its own (a goroutine in client-go), just after.
  CHECK(Eventually([&] { return cb.started == 1; }));
  std::lock_guard<std::mutex> guard(cb.mu);
  CHECK(cb.new_leaders == std::vector<std::string>{"a", "b"});
}

TEST_CASE("release on cancel lets the next candidate acquire without waiting out the lease") {
  FakeClock clock;
  MemoryLeaseStore store;
  Counters ca, cb;
  auto a = NewElector(Config("a", &ca, /*release=*/true), &store, clock);
  auto b = NewElector(Config("b", &cb), &store, clock);
  a->Start();
  REQUIRE(Eventually([&] { return a->IsLeader(); }));
  b->Start();
  REQUIRE(Eventually([&] { return b->Leader() == "a"; }));
  a->Stop();
  CHECK(store.Get(seconds(1))->spec().holder_identity().empty());
  auto took = AdvanceUntil(clock, seconds(40), [&] { return b->IsLeader(); });
  CHECK(took <= seconds(3));  // the next retry period
  CHECK(store.Get(seconds(1))->spec().lease_transitions() == 1);
}

TEST_CASE("a leader that cannot renew for the renew deadline gives up leadership") {
  FakeClock clock;
  MemoryLeaseStore store;
  Counters ca;
  auto a = NewElector(Config("a", &ca), &store, clock);
  a->Start();
  REQUIRE(Eventually([&] { return a->IsLeader(); }));
  store.SetUnavailable(true);
  auto took = AdvanceUntil(clock, seconds(30), [&] { return ca.stopped.load() == 1; });
  CHECK_FALSE(a->IsLeader());
  CHECK(took >= seconds(9));
  CHECK(took <= seconds(15));
}

TEST_CASE("with real short durations the survivor takes over within about a lease") {
  MemoryLeaseStore store;
  Counters ca, cb;
  auto fast = [](LeaderElectionConfig c) {
    c.lease_duration = milliseconds(300);
    c.renew_deadline = milliseconds(200);
    c.retry_period = milliseconds(50);
    return c;
  };
  auto a = NewElector(fast(Config("a", &ca)), &store, RealClock());
  auto b = NewElector(fast(Config("b", &cb)), &store, RealClock());
  a->Start();
  REQUIRE(Eventually([&] { return a->IsLeader(); }));
  b->Start();
  std::this_thread::sleep_for(milliseconds(400));
  CHECK_FALSE(b->IsLeader());
  auto killed = std::chrono::steady_clock::now();
  a->Stop();
  REQUIRE(Eventually([&] { return b->IsLeader(); }));
  auto took = std::chrono::steady_clock::now() - killed;
  CHECK(took >= milliseconds(200));
  CHECK(took < seconds(3));
}

TEST_CASE("a component running inside OnStartedLeading does not stop the renewals") {
  MemoryLeaseStore store;
  Counters cb;
  std::mutex mu;
  std::condition_variable cv;
  bool lost = false;
  LeaderElectionConfig config = Config("a", &cb);
  config.lease_duration = milliseconds(300);
  config.renew_deadline = milliseconds(200);
  config.retry_period = milliseconds(50);
  // The component runs until told to stop, as controllers do in client-go.
  config.on_started_leading = [&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, seconds(10), [&] { return lost; });
  };
  config.on_stopped_leading = [&] {
    std::lock_guard<std::mutex> lock(mu);
    lost = true;
    cv.notify_all();
  };
  auto a = NewElector(config, &store, RealClock());
  LeaderElectionConfig other = Config("b", &cb);
  other.lease_duration = config.lease_duration;
  other.renew_deadline = config.renew_deadline;
  other.retry_period = config.retry_period;
  auto b = NewElector(other, &store, RealClock());
  a->Start();
  REQUIRE(Eventually([&] { return a->IsLeader(); }));
  b->Start();
  std::this_thread::sleep_for(milliseconds(900));  // three lease durations
  CHECK(a->IsLeader());
  CHECK_FALSE(b->IsLeader());
  a->Stop();  // joins the component after OnStoppedLeading told it to return
  CHECK(lost);
  REQUIRE(Eventually([&] { return b->IsLeader(); }));
}

// A store whose calls, while hanging, return Timeout only once their timeout has passed on
// the fake clock (a hung apiserver; real time is bounded to 10 s per call).
class HangingStore : public LeaseStore {
 public:
  explicit HangingStore(const FakeClock& clock) : clock_(clock) {}
  Result<Lease> Get(Clock::Duration timeout) override {
    PK_RETURN_IF_ERROR(MaybeHang(timeout));
    return inner_.Get(timeout);
  }
  Status Create(const Lease& lease, Clock::Duration timeout) override {
    PK_RETURN_IF_ERROR(MaybeHang(timeout));
    return inner_.Create(lease, timeout);
  }
  Status Update(const Lease& lease, Clock::Duration timeout) override {
    PK_RETURN_IF_ERROR(MaybeHang(timeout));
    return inner_.Update(lease, timeout);
  }
  std::atomic<bool> hanging{false};
  std::atomic<int64_t> longest_hang_ms{0};  // the longest timeout given while hanging

 private:
  Status MaybeHang(Clock::Duration timeout) {
    if (!hanging) return Status::OK();
    auto ms = std::chrono::duration_cast<milliseconds>(timeout).count();
    longest_hang_ms = std::max<int64_t>(longest_hang_ms, ms);
    auto until = clock_.Now() + timeout;
    auto bound = std::chrono::steady_clock::now() + seconds(10);
    while (clock_.Now() < until && std::chrono::steady_clock::now() < bound) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    return Status::Timeout("the lease store hung");
  }
  const FakeClock& clock_;
  MemoryLeaseStore inner_;
};

TEST_CASE("a leader whose store hangs gives up within the renew deadline") {
  FakeClock clock;
  HangingStore store(clock);
  Counters ca;
  auto a = NewElector(Config("a", &ca), &store, clock);
  a->Start();
  REQUIRE(Eventually([&] { return a->IsLeader(); }));
  store.hanging = true;
  auto took = AdvanceUntil(clock, seconds(40), [&] { return ca.stopped.load() == 1; });
  CHECK(ca.stopped == 1);
  CHECK_FALSE(a->IsLeader());
  CHECK(took >= seconds(9));
  CHECK(took <= seconds(14));  // a retry period, then the renew deadline
  CHECK(store.longest_hang_ms > 0);
  CHECK(store.longest_hang_ms <= 10000);  // each call bounded by the renew deadline
}

Lease HeldBy(const std::string& holder, int32_t lease_duration_seconds) {
  Lease lease;
  lease.mutable_spec()->set_holder_identity(holder);
  lease.mutable_spec()->set_lease_duration_seconds(lease_duration_seconds);
  return lease;
}

TEST_CASE("another holder's lease expires after its own leaseDurationSeconds") {
  for (auto [seconds_in_lease, low, high] : {std::tuple{60, 58, 63}, std::tuple{0, 13, 18}}) {
    CAPTURE(seconds_in_lease);
    FakeClock clock;
    MemoryLeaseStore store;
    REQUIRE(store.Create(HeldBy("x", seconds_in_lease), seconds(1)).ok());
    Counters cb;
    auto b = NewElector(Config("b", &cb), &store, clock);  // configured: 15 s
    b->Start();
    REQUIRE(Eventually([&] { return b->Leader() == "x"; }));
    auto took = AdvanceUntil(clock, seconds(90), [&] { return b->IsLeader(); });
    CHECK(b->IsLeader());
    CHECK(took >= seconds(low));
    CHECK(took <= seconds(high));
  }
}

TEST_CASE("Stop from OnStartedLeading or OnStoppedLeading neither throws nor deadlocks") {
  MemoryLeaseStore store;
  Counters c;
  std::unique_ptr<LeaderElector> elector;
  std::atomic<int> returned{0};
  auto config = Config("a", &c);
  config.on_started_leading = [&] {
    elector->Stop();  // the elector thread will join this one: it must not join back
    ++returned;
  };
  config.on_stopped_leading = [&] {
    elector->Stop();  // on the elector's own thread
    ++returned;
  };
  elector = NewElector(config, &store, RealClock());
  elector->Start();
  REQUIRE(Eventually([&] { return returned == 2; }, seconds(10)));
  elector->Stop();
  CHECK_FALSE(elector->IsLeader());
}

TEST_CASE("elector: Start and Stop from several threads, Stop before Start") {
  MemoryLeaseStore store;
  Counters c;
  {
    auto never = NewElector(Config("n", &c), &store, RealClock());
    never->Stop();
    never->Start();
    std::this_thread::sleep_for(milliseconds(20));
    CHECK(never->Leader().empty());
  }
  for (int round = 0; round < 20; ++round) {
    auto elector = NewElector(Config("a", &c, /*release=*/true), &store, RealClock());
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        if (i % 2 == 0) elector->Start();
        elector->Stop();
        elector->Start();
      });
    }
    for (auto& t : threads) t.join();
  }
  CHECK(c.started == c.stopped);
}

}  // namespace
}  // namespace pk::client
