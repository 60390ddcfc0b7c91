#include "client/event_recorder.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <regex>
#include <thread>
#include <vector>

#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Records what the recorder writes; can fail the next writes or hold them until released.
class FakeSink : public EventSink {
 public:
  struct Write {
    bool update;
    k8s::core::v1::Event event;
  };
  Status Create(const k8s::core::v1::Event& event, Clock::Duration timeout) override {
    if (hang_on != nullptr) return Hang(timeout);
    return Record(false, event);
  }
  Status Update(const k8s::core::v1::Event& event, Clock::Duration timeout) override {
    if (hang_on != nullptr) return Hang(timeout);
    std::lock_guard<std::mutex> guard(mu);
    if (forget_updates) return Status::NotFound({"", "events"}, event.metadata().name());
    writes.push_back({true, event});
    return Status::OK();
  }
  Status Record(bool update, const k8s::core::v1::Event& event) {
    std::unique_lock<std::mutex> lock(mu);
    cond.wait(lock, [&] { return !hold; });
    if (fail_next > 0) {
      --fail_next;
      return Status(Reason::kServiceUnavailable, "apiserver unavailable");
    }
    writes.push_back({update, event});
    return Status::OK();
  }
  // A hung apiserver: returns Timeout once `timeout` passed on the fake clock (or 10 s).
  Status Hang(Clock::Duration timeout) {
    ++hung_calls;
    auto until = hang_on->Now() + timeout;
    auto bound = std::chrono::steady_clock::now() + seconds(10);
    while (hang_on->Now() < until && std::chrono::steady_clock::now() < bound) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    return Status::Timeout("the sink hung");
  }
  void Release() {
    std::lock_guard<std::mutex> guard(mu);
    hold = false;
    cond.notify_all();
  }
  std::vector<Write> Writes() {
    std::lock_guard<std::mutex> guard(mu);
    return writes;
  }

  std::mutex mu;
  std::condition_variable cond;
  std::vector<Write> writes;           // guarded by mu
  bool hold = false;                   // guarded by mu
  int fail_next = 0;                   // guarded by mu
  bool forget_updates = false;         // guarded by mu
  const FakeClock* hang_on = nullptr;  // set before the first Event: every call hangs
  std::atomic<int> hung_calls{0};
};

k8s::core::v1::Pod MakePod() {
  k8s::core::v1::Pod pod;
  pod.mutable_metadata()->set_name("web");
  pod.mutable_metadata()->set_namespace_("prod");
  pod.mutable_metadata()->set_uid("u-1");
  pod.mutable_metadata()->set_resource_version("42");
  return pod;
}

struct Fixture {
  explicit Fixture(EventRecorderOptions options = Options(), bool hung_sink = false) {
    auto owned = std::make_unique<FakeSink>();
    sink = owned.get();
    if (hung_sink) sink->hang_on = &clock;
    recorder = std::make_unique<EventRecorder>(options, std::move(owned), clock);
  }
  static EventRecorderOptions Options() {
    EventRecorderOptions options;
    options.component = "default-scheduler";
    options.host = "node-1";
    options.retry_interval = milliseconds(1);
    return options;
  }
  FakeClock clock;
  FakeSink* sink;
  std::unique_ptr<EventRecorder> recorder;
};

TEST_CASE("an Event names its object, source and reporter as Kubernetes writes them") {
  Fixture f;
  f.recorder->Eventf(MakePod(), "Normal", "Scheduled", "Successfully assigned {}/{} to {}", "prod",
                     "web", "node-1");
  f.recorder->Flush();
  auto writes = f.sink->Writes();
  REQUIRE(writes.size() == 1);
  const auto& e = writes[0].event;
  CHECK_FALSE(writes[0].update);
  CHECK(std::regex_match(e.metadata().name(), std::regex("web\\.[0-9a-f]+")));
  CHECK(e.metadata().namespace_() == "prod");
  CHECK(e.involved_object().kind() == "Pod");
  CHECK(e.involved_object().api_version() == "v1");
  CHECK(e.involved_object().namespace_() == "prod");
  CHECK(e.involved_object().name() == "web");
  CHECK(e.involved_object().uid() == "u-1");
  CHECK(e.involved_object().resource_version() == "42");
  CHECK(e.message() == "Successfully assigned prod/web to node-1");
  CHECK(e.reason() == "Scheduled");
  CHECK(e.type() == "Normal");
  CHECK(e.source().component() == "default-scheduler");
  CHECK(e.source().host() == "node-1");
  CHECK(e.reporting_component() == "default-scheduler");
  CHECK(e.reporting_instance() == "node-1");
  CHECK(e.count() == 1);
  CHECK(e.first_timestamp().seconds() > 0);
  CHECK(e.last_timestamp().seconds() == e.first_timestamp().seconds());
  CHECK(e.involved_object().field_path().empty());
}

TEST_CASE("an Event about a part of its object carries the field path") {
  Fixture f;
  f.recorder->Event(MakePod(), "Normal", "Pulling", "Pulling image \"nginx\"",
                    "spec.containers{nginx}");
  f.recorder->Flush();
  auto writes = f.sink->Writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].event.involved_object().field_path() == "spec.containers{nginx}");
}

TEST_CASE("repeats within 10 minutes update one Event; later ones start a new Event") {
  Fixture f;
  for (int i = 0; i < 3; ++i) {
    f.recorder->Event(MakePod(), "Warning", "BackOff", "Back-off restarting failed container");
    f.recorder->Flush();
    f.clock.Advance(seconds(30));
  }
  f.recorder->Event(MakePod(), "Warning", "BackOff", "another message");
  f.recorder->Flush();
  auto writes = f.sink->Writes();
  REQUIRE(writes.size() == 4);
  CHECK_FALSE(writes[0].update);
  CHECK(writes[1].update);
  CHECK(writes[2].update);
  CHECK(writes[2].event.metadata().name() == writes[0].event.metadata().name());
  CHECK(writes[2].event.count() == 3);
  CHECK(writes[2].event.first_timestamp().seconds() == writes[0].event.first_timestamp().seconds());
  CHECK(writes[2].event.last_timestamp().seconds() ==
        writes[0].event.first_timestamp().seconds() + 60);
  CHECK_FALSE(writes[3].update);  // another message: another Event

  f.clock.Advance(minutes(11));
  f.recorder->Event(MakePod(), "Warning", "BackOff", "Back-off restarting failed container");
  f.recorder->Flush();
  writes = f.sink->Writes();
  REQUIRE(writes.size() == 5);
  CHECK_FALSE(writes[4].update);
  CHECK(writes[4].event.count() == 1);
  CHECK(writes[4].event.metadata().name() != writes[0].event.metadata().name());
}

TEST_CASE("one source and object get a burst of 25 Events, then one per 5 minutes") {
  Fixture f;
  for (int i = 0; i < 30; ++i) f.recorder->Eventf(MakePod(), "Normal", "Step", "step {}", i);
  f.recorder->Flush();
  CHECK(f.sink->Writes().size() == 25);
  f.clock.Advance(minutes(5));
  for (int i = 0; i < 3; ++i) f.recorder->Eventf(MakePod(), "Normal", "Step", "later {}", i);
  f.recorder->Flush();
  CHECK(f.sink->Writes().size() == 26);
  auto other = MakePod();
  other.mutable_metadata()->set_name("db");  // another object: its own bucket
  f.recorder->Event(other, "Normal", "Step", "x");
  f.recorder->Flush();
  CHECK(f.sink->Writes().size() == 27);
}

TEST_CASE("a slow sink never blocks the caller: the bounded queue drops instead") {
  auto options = Fixture::Options();
  options.queue_size = 5;
  Fixture f(options);
  {
    std::lock_guard<std::mutex> guard(f.sink->mu);
    f.sink->hold = true;
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) f.recorder->Eventf(MakePod(), "Normal", "Step", "{}", i);
  CHECK(std::chrono::steady_clock::now() - start < seconds(1));
  CHECK(f.recorder->dropped() >= 14);  // 5 queued, at most 1 in the sink
  f.sink->Release();
  f.recorder->Flush();
  CHECK(f.sink->Writes().size() == 20 - f.recorder->dropped());
}

TEST_CASE("failed writes are retried; an expired Event is created again") {
  Fixture f;
  {
    std::lock_guard<std::mutex> guard(f.sink->mu);
    f.sink->fail_next = 2;  // max_tries is 3
  }
  std::atomic<bool> done{false};
  std::thread ticker([&] {  // retries wait retry_interval on the fake clock
    while (!done) {
      f.clock.Advance(milliseconds(1));
      std::this_thread::sleep_for(milliseconds(1));
    }
  });
  f.recorder->Event(MakePod(), "Normal", "Pulled", "pulled");
  f.recorder->Flush();
  done = true;
  ticker.join();
  REQUIRE(f.sink->Writes().size() == 1);
  {
    std::lock_guard<std::mutex> guard(f.sink->mu);
    f.sink->forget_updates = true;
  }
  f.recorder->Event(MakePod(), "Normal", "Pulled", "pulled");
  f.recorder->Flush();
  auto writes = f.sink->Writes();
  REQUIRE(writes.size() == 2);
  CHECK_FALSE(writes[1].update);
  CHECK(writes[1].event.count() == 2);
  CHECK(writes[1].event.metadata().name() == writes[0].event.metadata().name());
}

TEST_CASE("unknown types and kinds are dropped; cluster-scoped objects' Events go to default") {
  Fixture f;
  f.recorder->Event(MakePod(), "Fatal", "X", "y");
  k8s::core::v1::Node node;
  node.mutable_metadata()->set_name("node-1");
  f.recorder->Event(node, "Normal", "NodeReady", "Node node-1 status is now: NodeReady");
  k8s::meta::v1::ObjectMeta not_an_object;
  f.recorder->Event(not_an_object, "Normal", "X", "y");
  f.recorder->Flush();
  CHECK(f.recorder->dropped() == 2);
  auto writes = f.sink->Writes();
  REQUIRE(writes.size() == 1);
  CHECK(writes[0].event.metadata().namespace_() == "default");
  CHECK(writes[0].event.involved_object().kind() == "Node");
  CHECK(writes[0].event.involved_object().namespace_().empty());
}

// Advances `clock` by `step` every real millisecond until `done`; returns the fake time taken
// (bounded by 10 s of real time).
template <class F>
Clock::Duration Tick(FakeClock& clock, Clock::Duration step, F done) {
  auto start = clock.Now();
  auto bound = std::chrono::steady_clock::now() + seconds(10);
  while (!done() && std::chrono::steady_clock::now() < bound) {
    clock.Advance(step);
    std::this_thread::sleep_for(milliseconds(1));
  }
  return clock.Now() - start;
}

TEST_CASE("Shutdown with a hung sink ends after the drain timeout and drops the rest") {
  auto options = Fixture::Options();
  options.write_timeout = seconds(10);
  options.drain_timeout = seconds(2);
  Fixture f(options, /*hung_sink=*/true);
  for (int i = 0; i < 50; ++i) f.recorder->Eventf(MakePod(), "Warning", "Failed", "{}", i);
  REQUIRE(Tick(f.clock, milliseconds(0), [&] { return f.sink->hung_calls > 0; }) ==
          Clock::Duration::zero());
  std::atomic<bool> done{false};
  std::thread shutdown([&] {
    f.recorder->Shutdown();
    done = true;
  });
  auto took = Tick(f.clock, milliseconds(50), [&] { return done.load(); });
  shutdown.join();
  CHECK(took <= seconds(11));  // the write in flight (write_timeout), then the drain is over
  CHECK(f.sink->hung_calls <= 3);
  CHECK(f.recorder->dropped() >= 20);  // 25 pass the spam filter; at most a few were tried
  f.recorder->Event(MakePod(), "Normal", "Late", "after shutdown");
  CHECK(f.recorder->dropped() >= 21);
}

TEST_CASE("several workers write each object's Events in order, from the host it names") {
  auto options = Fixture::Options();
  options.host = "node-0";  // for a pod on no node
  options.workers = 4;
  options.host_of = [](const google::protobuf::Message& object) {
    return static_cast<const k8s::core::v1::Pod&>(object).spec().node_name();
  };
  Fixture f(options);
  std::vector<k8s::core::v1::Pod> pods;
  for (int i = 0; i < 6; ++i) {
    k8s::core::v1::Pod pod = MakePod();
    pod.mutable_metadata()->set_name(fmt::format("web-{}", i));
    pod.mutable_metadata()->set_uid(fmt::format("u-{}", i));
    if (i > 0) pod.mutable_spec()->set_node_name(fmt::format("node-{}", i));  // 0: unbound
    pods.push_back(pod);
  }
  for (int step = 0; step < 8; ++step) {
    for (const auto& pod : pods) f.recorder->Eventf(pod, "Normal", "Step", "step {}", step);
  }
  f.recorder->Flush();
  std::map<std::string, std::vector<std::string>> steps;  // by pod
  for (const auto& w : f.sink->Writes()) {
    const auto& e = w.event;
    const std::string& name = e.involved_object().name();
    const std::string host = "node-" + name.substr(4);  // web-0: options.host
    CHECK(e.source().host() == host);
    CHECK(e.reporting_instance() == host);
    steps[name].push_back(e.message());
  }
  REQUIRE(steps.size() == pods.size());
  for (const auto& [pod, messages] : steps) {
    CAPTURE(pod);
    CHECK(messages == std::vector<std::string>{"step 0", "step 1", "step 2", "step 3", "step 4",
                                               "step 5", "step 6", "step 7"});
  }
  CHECK(f.recorder->dropped() == 0);
}

TEST_CASE("Shutdown from several threads at once, while Events are recorded") {
  Fixture f;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 20; ++n) f.recorder->Eventf(MakePod(), "Normal", "Step", "{} {}", i, n);
      f.recorder->Shutdown();
    });
  }
  for (auto& t : threads) t.join();
  f.recorder->Shutdown();
  CHECK(f.sink->Writes().size() + f.recorder->dropped() <= 80);
}

}  // namespace
}  // namespace pk::client
