#include "scheduler/queue/scheduling_queue.h"

#include <doctest/doctest.h>

#include <thread>

namespace pk::scheduler {
namespace {

using namespace std::chrono_literals;

PodPtr MakePod(const std::string& name, int32_t priority = 0,
               std::map<std::string, std::string> labels = {}) {
  auto pod = std::make_shared<Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_("default");
  pod->mutable_metadata()->set_uid("uid-" + name);
  for (const auto& [k, v] : labels) (*pod->mutable_metadata()->mutable_labels())[k] = v;
  pod->mutable_spec()->set_priority(priority);
  return pod;
}

PodPtr WithChange(const PodPtr& pod, const std::function<void(Pod&)>& change) {
  auto copy = std::make_shared<Pod>(*pod);
  change(*copy);
  return copy;
}

// Polls `done` for up to 3 s of real time (the flush thread ticks every 100 ms).
template <class F>
bool Eventually(F done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

bool Is(const SchedulingQueue::Counts& c, size_t active, size_t backoff, size_t unschedulable) {
  return c.active == active && c.backoff == backoff && c.unschedulable == unschedulable;
}

struct Fixture {
  client::FakeClock clock;
  SchedulingQueue queue;
  explicit Fixture(QueueOptions options = {}) : queue(WithClock(std::move(options), clock)) {}
  static QueueOptions WithClock(QueueOptions o, const client::Clock& c) {
    o.clock = &c;
    return o;
  }
  // Pops `name` (which must be next) and fails it.
  QueuedPodInfo PopOne(const std::string& name) {
    auto info = queue.Pop();
    REQUIRE(info.has_value());
    REQUIRE(info->pod().metadata().name() == name);
    return *info;
  }
  void Fail(const std::string& name, std::set<std::string> plugins, bool unschedulable = true) {
    QueuedPodInfo info = PopOne(name);
    info.unschedulable_plugins = std::move(plugins);
    queue.AddUnschedulable(info, unschedulable);
  }
};

TEST_CASE("activeQ pops by priority, then by arrival") {
  Fixture f;
  f.queue.Add(MakePod("low", 0));
  f.clock.Advance(1s);
  f.queue.Add(MakePod("high", 10));
  f.clock.Advance(1s);
  f.queue.Add(MakePod("low-later", 0));
  CHECK(Is(f.queue.counts(), 3, 0, 0));
  CHECK(f.PopOne("high").attempts == 1);
  f.PopOne("low");
  f.PopOne("low-later");
}

TEST_CASE("a custom less orders activeQ") {
  QueueOptions options;
  options.less = [](const QueuedPodInfo& a, const QueuedPodInfo& b) {
    return a.pod().metadata().name() < b.pod().metadata().name();
  };
  Fixture f(options);
  f.queue.Add(MakePod("b", 100));
  f.queue.Add(MakePod("a"));
  f.PopOne("a");
  f.PopOne("b");
}

TEST_CASE("attempts count pops; initial_attempt is the first pop's time") {
  Fixture f;
  f.queue.Add(MakePod("p"));
  auto first = f.PopOne("p");
  CHECK(first.attempts == 1);
  CHECK(first.initial_attempt == f.clock.Now());
  first.unschedulable_plugins = {"NodeAffinity"};
  f.queue.AddUnschedulable(first, true);
  f.clock.Advance(2s);
  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kNodeAdd);  // back-off over: to activeQ
  auto second = f.PopOne("p");
  CHECK(second.attempts == 2);
  CHECK(second.initial_attempt == first.initial_attempt);
  CHECK(second.unschedulable_plugins.empty());  // cleared for the new attempt
}

TEST_CASE("back-off doubles per attempt from 1 s and is capped at 10 s") {
  Fixture f;
  f.queue.Run();
  f.queue.Add(MakePod("p"));
  for (auto expected : {1s, 2s, 4s, 8s, 10s, 10s}) {
    CAPTURE(expected.count());
    f.Fail("p", {}, /*unschedulable=*/false);  // an error: straight to backoffQ
    CHECK(Is(f.queue.counts(), 0, 1, 0));
    f.clock.Advance(expected - 1ms);
    std::this_thread::sleep_for(250ms);  // a couple of flush ticks
    CHECK(Is(f.queue.counts(), 0, 1, 0));
    f.clock.Advance(1ms);
    CHECK(Eventually([&] { return Is(f.queue.counts(), 1, 0, 0); }));
  }
}

TEST_CASE("a cluster event moves only the pods whose rejecting plugins it concerns") {
  Fixture f;
  f.queue.Add(MakePod("affinity"));
  f.queue.Add(MakePod("ports"));
  f.queue.Add(MakePod("fit"));
  f.queue.Add(MakePod("none"));
  f.Fail("affinity", {"NodeAffinity"});
  f.Fail("ports", {"NodePorts"});
  f.Fail("fit", {"NodeResourcesFit", "TaintToleration"});
  f.Fail("none", {});  // no rejecting plugin: no event is known to help, back-off only
  CHECK(Is(f.queue.counts(), 0, 1, 3));

  // Ports and resources free up; node affinity is unaffected. Back-off (1 s) not yet over.
  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodDelete);
  CHECK(Is(f.queue.counts(), 0, 3, 1));

  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kAssignedPodAdd);
  CHECK(Is(f.queue.counts(), 0, 3, 1));

  f.clock.Advance(1s);  // back-off over: straight to activeQ
  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kNodeUpdate);
  CHECK(Is(f.queue.counts(), 1, 3, 0));
  f.PopOne("affinity");
}

TEST_CASE("EventMayHelp follows the plugins' registered events") {
  CHECK(EventMayHelp("NodeResourcesFit", ClusterEvent::kAssignedPodDelete));
  CHECK(EventMayHelp("NodeResourcesFit", ClusterEvent::kNodeUpdate));
  CHECK_FALSE(EventMayHelp("NodeResourcesFit", ClusterEvent::kAssignedPodAdd));
  CHECK(EventMayHelp("NodePorts", ClusterEvent::kNodeAdd));
  CHECK_FALSE(EventMayHelp("NodePorts", ClusterEvent::kNodeUpdate));
  CHECK_FALSE(EventMayHelp("TaintToleration", ClusterEvent::kAssignedPodDelete));
  CHECK(EventMayHelp("InterPodAffinity", ClusterEvent::kAssignedPodAdd));
  CHECK(EventMayHelp("PodTopologySpread", ClusterEvent::kAssignedPodDelete));
  CHECK_FALSE(EventMayHelp("SchedulingGates", ClusterEvent::kNodeAdd));
  CHECK(EventMayHelp("SchedulingGates", ClusterEvent::kUnschedulableTimeout));
  CHECK(EventMayHelp("SomeOutOfTreePlugin", ClusterEvent::kAssignedPodAdd));
}

TEST_CASE("a move request during a pod's attempt sends it to backoffQ (moveRequestCycle)") {
  Fixture f;
  f.queue.Add(MakePod("a", 10));
  f.queue.Add(MakePod("b", 0));
  QueuedPodInfo a = f.PopOne("a");
  // A node is added while `a` is being tried: the failure may predate the node.
  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kNodeAdd);
  a.unschedulable_plugins = {"NodeAffinity"};
  f.queue.AddUnschedulable(a, true);
  CHECK(Is(f.queue.counts(), 1, 1, 0));
  // `b` is popped after the move request: it waits in unschedulable.
  QueuedPodInfo b = f.PopOne("b");
  b.unschedulable_plugins = {"NodeAffinity"};
  f.queue.AddUnschedulable(b, true);
  CHECK(Is(f.queue.counts(), 0, 1, 1));
}

TEST_CASE("unschedulable pods are tried again after max_unschedulable (5 min)") {
  Fixture f;
  f.queue.Run();
  f.queue.Add(MakePod("p"));
  f.Fail("p", {"NodeAffinity"});
  CHECK(Is(f.queue.counts(), 0, 0, 1));
  f.clock.Advance(5min);
  std::this_thread::sleep_for(250ms);
  CHECK(Is(f.queue.counts(), 0, 0, 1));  // strictly longer than 5 min
  f.clock.Advance(1s);
  CHECK(Eventually([&] { return Is(f.queue.counts(), 1, 0, 0); }));
  f.PopOne("p");
}

TEST_CASE("pre_enqueue gates pods until an update lets them in") {
  QueueOptions options;
  options.pre_enqueue = [](const Pod& pod) { return pod.spec().scheduling_gates().empty(); };
  Fixture f(options);
  PodPtr gated = WithChange(MakePod("p"), [](Pod& p) {
    p.mutable_spec()->add_scheduling_gates()->set_name("example.com/wait");
  });
  f.queue.Add(gated);
  CHECK(Is(f.queue.counts(), 0, 0, 1));

  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kNodeAdd);  // no plugin of it cares
  CHECK(Is(f.queue.counts(), 0, 0, 1));
  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kUnschedulableTimeout);  // re-checked
  CHECK(Is(f.queue.counts(), 0, 0, 1));

  PodPtr relabeled =
      WithChange(gated, [](Pod& p) { (*p.mutable_metadata()->mutable_labels())["x"] = "y"; });
  f.queue.Update(gated, relabeled);  // still gated
  CHECK(Is(f.queue.counts(), 0, 0, 1));

  PodPtr open = WithChange(relabeled, [](Pod& p) { p.mutable_spec()->clear_scheduling_gates(); });
  f.queue.Update(relabeled, open);
  CHECK(Is(f.queue.counts(), 1, 0, 0));
  auto info = f.PopOne("p");
  CHECK(info.attempts == 1);
  CHECK(info.pod().metadata().labels().at("x") == "y");
}

TEST_CASE("long-gated pods are not flushed, and do not count as move requests") {
  QueueOptions options;
  options.pre_enqueue = [](const Pod& pod) { return pod.spec().scheduling_gates().empty(); };
  Fixture f(options);
  f.queue.Run();
  f.queue.Add(WithChange(MakePod("gated"), [](Pod& p) {
    p.mutable_spec()->add_scheduling_gates()->set_name("example.com/wait");
  }));
  f.queue.Add(MakePod("p"));
  QueuedPodInfo p = f.PopOne("p");
  f.clock.Advance(6min);
  std::this_thread::sleep_for(250ms);
  p.unschedulable_plugins = {"NodeAffinity"};
  f.queue.AddUnschedulable(p, true);
  CHECK(Is(f.queue.counts(), 0, 0, 2));
}

TEST_CASE("update and delete in activeQ") {
  Fixture f;
  PodPtr a = MakePod("a", 0), b = MakePod("b", 5);
  f.queue.Add(a);
  f.queue.Add(b);
  PodPtr a2 = WithChange(a, [](Pod& p) { p.mutable_spec()->set_priority(10); });
  f.queue.Update(a, a2);  // re-sorted
  CHECK(Is(f.queue.counts(), 2, 0, 0));
  f.queue.Delete(*b);
  CHECK(Is(f.queue.counts(), 1, 0, 0));
  CHECK(PodPriority(f.PopOne("a").pod()) == 10);
}

TEST_CASE("update and delete in backoffQ") {
  Fixture f;
  PodPtr p = MakePod("p");
  f.queue.Add(p);
  f.Fail("p", {}, false);
  PodPtr p2 = WithChange(p, [](Pod& x) { (*x.mutable_metadata()->mutable_labels())["a"] = "b"; });
  f.queue.Update(p, p2);  // replaced in place: still backing off
  CHECK(Is(f.queue.counts(), 0, 1, 0));
  f.queue.Delete(*p2);
  CHECK(Is(f.queue.counts(), 0, 0, 0));
}

TEST_CASE("update and delete in unschedulable") {
  Fixture f;
  PodPtr p = MakePod("p");
  f.queue.Add(p);
  f.Fail("p", {"NodeAffinity"});

  PodPtr status_only = WithChange(p, [](Pod& x) {
    x.mutable_metadata()->set_resource_version("7");
    x.mutable_status()->set_phase("Pending");
  });
  f.queue.Update(p, status_only);
  CHECK(Is(f.queue.counts(), 0, 0, 1));

  PodPtr relabeled =
      WithChange(status_only, [](Pod& x) { (*x.mutable_metadata()->mutable_labels())["a"] = "b"; });
  f.queue.Update(status_only, relabeled);  // may fit now; still backing off
  CHECK(Is(f.queue.counts(), 0, 1, 0));

  f.clock.Advance(1s);
  f.queue.Delete(*relabeled);
  CHECK(Is(f.queue.counts(), 0, 0, 0));

  // A spec change after the back-off goes straight to activeQ.
  PodPtr q = MakePod("q");
  f.queue.Add(q);
  f.Fail("q", {"NodeAffinity"});
  f.clock.Advance(1s);
  PodPtr q2 = WithChange(q, [](Pod& x) { x.mutable_spec()->set_node_name("n1"); });
  f.queue.Update(q, q2);
  CHECK(Is(f.queue.counts(), 1, 0, 0));
  f.queue.Delete(*q2);
  CHECK(Is(f.queue.counts(), 0, 0, 0));
}

TEST_CASE("an update of a pod not in the queue adds it") {
  Fixture f;
  PodPtr p = MakePod("p");
  f.queue.Update(p, p);
  CHECK(Is(f.queue.counts(), 1, 0, 0));
}

TEST_CASE("updates and deletes of a pod in flight are kept for its failure") {
  Fixture f;
  PodPtr p = MakePod("p"), q = MakePod("q", -1);
  f.queue.Add(p);
  f.queue.Add(q);

  QueuedPodInfo info = f.PopOne("p");
  PodPtr p2 = WithChange(p, [](Pod& x) { (*x.mutable_metadata()->mutable_labels())["a"] = "b"; });
  f.queue.Update(p, p2);
  info.unschedulable_plugins = {"NodeAffinity"};
  f.queue.AddUnschedulable(info, true);  // changed during the attempt: may fit, back-off only
  CHECK(Is(f.queue.counts(), 1, 1, 0));

  QueuedPodInfo qi = f.PopOne("q");
  f.queue.Delete(*q);
  f.queue.AddUnschedulable(qi, true);  // deleted meanwhile: dropped
  CHECK(Is(f.queue.counts(), 0, 1, 0));

  f.clock.Advance(1s);
  f.queue.MoveAllToActiveOrBackoff(ClusterEvent::kNodeAdd);  // backoffQ is not touched
  CHECK(Is(f.queue.counts(), 0, 1, 0));
}

TEST_CASE("a pod whose attempt succeeded is forgotten") {
  Fixture f;
  PodPtr p = MakePod("p");
  f.queue.Add(p);
  auto info = f.PopOne("p");
  f.queue.Done(info.pod().metadata().uid());
  f.queue.Update(p, p);  // e.g. the bind's status update: treated as a new pod
  CHECK(Is(f.queue.counts(), 1, 0, 0));
}

TEST_CASE("Pop blocks until a pod is added, and returns nullopt once closed") {
  Fixture f;
  std::optional<QueuedPodInfo> got;
  std::thread popper([&] { got = f.queue.Pop(); });
  std::this_thread::sleep_for(50ms);
  CHECK_FALSE(got.has_value());
  f.queue.Add(MakePod("p"));
  popper.join();
  REQUIRE(got.has_value());
  CHECK(got->pod().metadata().name() == "p");

  bool returned = false;
  std::optional<QueuedPodInfo> none;
  std::thread waiter([&] {
    none = f.queue.Pop();
    returned = true;
  });
  std::this_thread::sleep_for(50ms);
  f.queue.Close();
  waiter.join();
  CHECK(returned);
  CHECK_FALSE(none.has_value());
  f.queue.Add(MakePod("late"));
  CHECK_FALSE(f.queue.Pop().has_value());
}

TEST_CASE("Close stops the flush thread promptly") {
  Fixture f;
  f.queue.Run();
  auto start = std::chrono::steady_clock::now();
  f.queue.Close();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("nominated pods by node") {
  Fixture f;
  PodPtr p = MakePod("p"), q = MakePod("q");
  f.queue.AddNominatedPod(std::make_shared<PodInfo>(p), "n1");
  f.queue.AddNominatedPod(std::make_shared<PodInfo>(q), "n1");
  CHECK(f.queue.NominatedPodsForNode("n1").size() == 2);
  f.queue.AddNominatedPod(std::make_shared<PodInfo>(q), "n2");  // re-nominated elsewhere
  CHECK(f.queue.NominatedPodsForNode("n1").size() == 1);
  CHECK(f.queue.NominatedPodsForNode("n2").size() == 1);
  f.queue.DeleteNominatedPodIfExists("uid-q");
  CHECK(f.queue.NominatedPodsForNode("n2").empty());
  f.queue.Add(p);
  f.queue.Delete(*p);  // a deleted pod is no longer nominated
  CHECK(f.queue.NominatedPodsForNode("n1").empty());

  // A pod whose status names a node is nominated there when it arrives.
  PodPtr r =
      WithChange(MakePod("r"), [](Pod& x) { x.mutable_status()->set_nominated_node_name("n3"); });
  f.queue.Add(r);
  REQUIRE(f.queue.NominatedPodsForNode("n3").size() == 1);
  CHECK(f.queue.NominatedPodsForNode("n3")[0]->pod->metadata().name() == "r");
}

}  // namespace
}  // namespace pk::scheduler
