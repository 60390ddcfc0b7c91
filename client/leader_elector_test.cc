#include "client/leader_elector.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>
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
  config.lease_name = "kube-scheduler";
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
  auto held = store.Get();
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
  held = store.Get();
  REQUIRE(held.ok());
  CHECK(held->spec().holder_identity() == "b");
  CHECK(held->spec().lease_transitions() == 1);
  CHECK(cb.started == 1);
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
  CHECK(store.Get()->spec().holder_identity().empty());
  auto took = AdvanceUntil(clock, seconds(40), [&] { return b->IsLeader(); });
  CHECK(took <= seconds(3));  // the next retry period
  CHECK(store.Get()->spec().lease_transitions() == 1);
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

}  // namespace
}  // namespace pk::client
