// Unit tests of the ReplicaSet controller's pieces: deletion order, expectations, slow start,
// status, pods from templates.
#include <doctest/doctest.h>

#include <atomic>

#include "controller-manager/replicaset/expectations.h"
#include "controller-manager/replicaset/manage_replicas.h"
#include "controller-manager/replicaset/pod_control.h"
#include "controller-manager/replicaset/pod_utils.h"
#include "controller-manager/replicaset/replicaset_status.h"

namespace pk::controllers::replicaset {
namespace {

constexpr int64_t kNow = 1'800'000'000;

struct PodSpec {
  std::string name;
  std::string node = "";
  std::string phase = "Pending";
  bool ready = false;
  int64_t created = kNow - 100;
  int32_t restarts = 0;
  int64_t ready_since = kNow - 50;
};

PodPtr MakePod(const PodSpec& s) {
  auto pod = std::make_shared<Pod>();
  pod->mutable_metadata()->set_name(s.name);
  pod->mutable_metadata()->set_namespace_("default");
  pod->mutable_metadata()->set_uid("uid-" + s.name);
  pod->mutable_metadata()->mutable_creation_timestamp()->set_seconds(s.created);
  (*pod->mutable_metadata()->mutable_labels())["app"] = "web";
  pod->mutable_spec()->set_node_name(s.node);
  pod->mutable_status()->set_phase(s.phase);
  auto* c = pod->mutable_status()->add_conditions();
  c->set_type("Ready");
  c->set_status(s.ready ? "True" : "False");
  c->mutable_last_transition_time()->set_seconds(s.ready_since);
  pod->mutable_status()->add_container_statuses()->set_restart_count(s.restarts);
  return pod;
}

std::vector<std::string> Names(const std::vector<PodPtr>& pods) {
  std::vector<std::string> out;
  for (const auto& p : pods) out.push_back(p->metadata().name());
  return out;
}

std::vector<std::string> Sorted(std::vector<PodPtr> pods) {
  SortPodsForDeletion(&pods, {}, {kNow, 0});
  return Names(pods);
}

TEST_CASE("deletion order: unassigned, then phase, then not ready") {
  auto running_ready = MakePod({.name = "rr", .node = "n", .phase = "Running", .ready = true});
  auto running = MakePod({.name = "r", .node = "n", .phase = "Running"});
  auto unknown = MakePod({.name = "u", .node = "n", .phase = "Unknown"});
  auto pending = MakePod({.name = "p", .node = "n"});
  auto unassigned = MakePod({.name = "x", .phase = "Running", .ready = true});
  CHECK(Sorted({running_ready, running, unknown, pending, unassigned}) ==
        std::vector<std::string>{"x", "p", "u", "r", "rr"});
}

TEST_CASE("deletion order: deletion cost, node crowding, ready time, restarts, age") {
  auto a = MakePod({.name = "a", .node = "n1", .phase = "Running"});
  auto b = MakePod({.name = "b", .node = "n1", .phase = "Running"});
  auto c = std::make_shared<Pod>(*MakePod({.name = "c", .node = "n2", .phase = "Running"}));
  (*c->mutable_metadata()->mutable_annotations())["controller.kubernetes.io/pod-deletion-cost"] =
      "-5";
  // The lower deletion cost goes first whatever else.
  CHECK(Sorted({a, b, c}).front() == "c");
  // More related pods on the node first.
  auto d = MakePod({.name = "d", .node = "n2", .phase = "Running"});
  std::vector<PodPtr> pods{d, a};
  SortPodsForDeletion(&pods, {a, b, d}, {kNow, 0});
  CHECK(Names(pods) == std::vector<std::string>{"a", "d"});
  // Ready more recently first (log2 buckets of age: 10 s and 1000 s differ).
  auto old_ready = MakePod(
      {.name = "old", .node = "n", .phase = "Running", .ready = true, .ready_since = kNow - 1000});
  auto new_ready = MakePod(
      {.name = "new", .node = "n", .phase = "Running", .ready = true, .ready_since = kNow - 10});
  CHECK(Sorted({old_ready, new_ready}) == std::vector<std::string>{"new", "old"});
  // More restarts first.
  auto calm = MakePod({.name = "calm", .node = "n", .restarts = 0});
  auto flappy = MakePod({.name = "flappy", .node = "n", .restarts = 7});
  CHECK(Sorted({calm, flappy}) == std::vector<std::string>{"flappy", "calm"});
  // Newer first.
  auto older = MakePod({.name = "older", .node = "n", .created = kNow - 5000});
  auto newer = MakePod({.name = "newer", .node = "n", .created = kNow - 5});
  CHECK(Sorted({older, newer}) == std::vector<std::string>{"newer", "older"});
}

TEST_CASE("GetPodsToDelete takes the first `diff` of the order") {
  auto ready = MakePod({.name = "ready", .node = "n", .phase = "Running", .ready = true});
  auto pending = MakePod({.name = "pending", .node = "n"});
  auto unassigned = MakePod({.name = "unassigned"});
  auto doomed = GetPodsToDelete({ready, pending, unassigned}, {}, 2, {kNow, 0});
  CHECK(Names(doomed) == std::vector<std::string>{"unassigned", "pending"});
}

TEST_CASE("a pod is available once Ready for longer than minReadySeconds") {
  auto pod = MakePod({.name = "a", .phase = "Running", .ready = true, .ready_since = kNow - 10});
  CHECK(IsPodAvailable(*pod, 0, {kNow, 0}));
  CHECK(IsPodAvailable(*pod, 9, {kNow, 0}));
  CHECK(!IsPodAvailable(*pod, 10, {kNow, 0}));  // strictly before now
  CHECK(IsPodAvailable(*pod, 10, {kNow, 1}));
  CHECK(!IsPodAvailable(*MakePod({.name = "b"}), 0, {kNow, 0}));
}

TEST_CASE("expectations: satisfied when observed, when expired, or when unknown") {
  client::FakeClock clock;
  ControllerExpectations e(clock);
  CHECK(e.SatisfiedExpectations("ns/rs"));
  e.ExpectCreations("ns/rs", 2);
  CHECK(!e.SatisfiedExpectations("ns/rs"));
  e.CreationObserved("ns/rs");
  CHECK(!e.SatisfiedExpectations("ns/rs"));
  e.CreationObserved("ns/rs");
  CHECK(e.SatisfiedExpectations("ns/rs"));

  e.ExpectDeletions("ns/rs", {"ns/a", "ns/b"});
  e.DeletionObserved("ns/rs", "ns/a");
  e.DeletionObserved("ns/rs", "ns/a");  // the same deletion seen twice counts once
  e.DeletionObserved("ns/rs", "ns/c");  // not expected
  CHECK(!e.SatisfiedExpectations("ns/rs"));
  clock.Advance(std::chrono::minutes(5) + std::chrono::seconds(1));
  CHECK(e.SatisfiedExpectations("ns/rs"));  // expired

  e.ExpectCreations("ns/rs", 1);
  e.DeleteExpectations("ns/rs");
  CHECK(e.SatisfiedExpectations("ns/rs"));
}

TEST_CASE("slow start: batches 1, 2, 4, ... stop after the first failing batch") {
  std::atomic<int> calls{0};
  auto [ok, status] = SlowStartBatch(10, 1, [&] {
    ++calls;
    return Status();
  });
  CHECK(ok == 10);
  CHECK(status.ok());
  CHECK(calls == 10);

  calls = 0;
  // Calls 1..3 (batches of 1 and 2) succeed; in the batch of 4 one call fails.
  auto [partial, error] = SlowStartBatch(
      20, 1, [&]() -> Status { return ++calls == 5 ? Status::InternalError("quota") : Status(); });
  CHECK(calls == 7);  // 1 + 2 + 4, nothing after
  CHECK(partial == 6);
  CHECK(error.message() == "quota");
}

TEST_CASE("a pod from a template: labels, generateName, controllerRef, spec") {
  k8s::core::v1::PodTemplateSpec t;
  (*t.mutable_metadata()->mutable_labels())["app"] = "web";
  (*t.mutable_metadata()->mutable_annotations())["note"] = "x";
  t.mutable_spec()->add_containers()->set_name("c");
  k8s::meta::v1::ObjectMeta owner;
  owner.set_name("web");
  owner.set_uid("u1");
  auto ref = NewControllerRef(owner, "apps/v1", "ReplicaSet");
  auto pod = PodFromTemplate(t, "web", ref);
  CHECK(pod.metadata().generate_name() == "web-");
  CHECK(pod.metadata().name().empty());
  CHECK(pod.metadata().labels().at("app") == "web");
  CHECK(pod.metadata().annotations().at("note") == "x");
  REQUIRE(pod.metadata().owner_references_size() == 1);
  const auto& r = pod.metadata().owner_references(0);
  CHECK((r.kind() == "ReplicaSet" && r.api_version() == "apps/v1" && r.uid() == "u1"));
  CHECK((r.controller() && r.block_owner_deletion()));
  CHECK(GetControllerOf(pod.metadata()) != nullptr);
  CHECK(pod.spec().containers(0).name() == "c");
}

TEST_CASE("status counts fully labeled, ready and available pods; ReplicaFailure follows errors") {
  ReplicaSet rs;
  rs.mutable_metadata()->set_generation(3);
  rs.mutable_spec()->set_replicas(4);
  rs.mutable_spec()->set_min_ready_seconds(30);
  (*rs.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())["app"] = "web";
  (*rs.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())["tier"] = "fe";
  auto full = std::make_shared<Pod>(
      *MakePod({.name = "a", .phase = "Running", .ready = true, .ready_since = kNow - 100}));
  (*full->mutable_metadata()->mutable_labels())["tier"] = "fe";
  auto fresh = MakePod({.name = "b", .phase = "Running", .ready = true, .ready_since = kNow - 5});
  auto pending = MakePod({.name = "c"});
  auto s = CalculateStatus(rs, {full, fresh, pending}, Status(), {kNow, 0});
  CHECK(s.replicas() == 3);
  CHECK(s.fully_labeled_replicas() == 1);
  CHECK(s.ready_replicas() == 2);
  CHECK(s.available_replicas() == 1);
  CHECK(s.conditions_size() == 0);

  *rs.mutable_status() = CalculateStatus(rs, {full}, Status::Forbidden("no quota"), {kNow, 0});
  REQUIRE(rs.status().conditions_size() == 1);
  CHECK(rs.status().conditions(0).type() == "ReplicaFailure");
  CHECK(rs.status().conditions(0).reason() == "FailedCreate");
  CHECK(rs.status().conditions(0).message() == "no quota");
  CHECK(CalculateStatus(rs, {full}, Status(), {kNow, 0}).conditions_size() == 0);
}

}  // namespace
}  // namespace pk::controllers::replicaset
