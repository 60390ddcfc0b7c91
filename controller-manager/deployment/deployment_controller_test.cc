#include "controller-manager/deployment/deployment_controller.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <thread>

#include "apimachinery/codec.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "controller-manager/deployment/deployment_util.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using deployment::Deployment;
using deployment::ReplicaSet;
using k8s::core::v1::Event;
using pk::testing::Eventually;

template <class T>
T FromJson(const std::string& text) {
  T m;
  json::DecodeReport report;
  REQUIRE(json::Decode(text, &m, &report).ok());
  return m;
}

// A Deployment "web" with `replicas` and a container image; `strategy` is the JSON of
// spec.strategy.
Deployment NewDeployment(int replicas, const std::string& image, const std::string& strategy,
                         const std::string& extra_spec = "") {
  return FromJson<Deployment>(fmt::format(R"({{
    "metadata":{{"name":"web","namespace":"default"}},
    "spec":{{"replicas":{},"selector":{{"matchLabels":{{"app":"web"}}}},"strategy":{}{},
      "template":{{"metadata":{{"labels":{{"app":"web"}}}},
        "spec":{{"containers":[{{"name":"c","image":"{}"}}]}}}}}}}})",
                                          replicas, strategy, extra_spec, image));
}

constexpr char kSurgeOne[] =
    R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}})";

// The apiserver and a controller-manager running only the Deployment controller; the test
// plays the ReplicaSet controller with Settle().
struct Cluster {
  Cluster() : cs(server.NewClientset()) {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"deployment"};
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }

  client::TypedClient<Deployment> Deployments() const { return cs.Resource<Deployment>("default"); }
  client::TypedClient<ReplicaSet> ReplicaSets() const { return cs.Resource<ReplicaSet>("default"); }
  std::vector<client::Ptr<ReplicaSet>> ListRS() const {
    auto list = ReplicaSets().List();
    REQUIRE(list.ok());
    return list->items;
  }
  client::Ptr<Deployment> Get() const {
    auto d = Deployments().Get("web");
    REQUIRE(d.ok());
    return *d;
  }
  // What the ReplicaSet controller would report once every pod is up (or gone): replicas,
  // ready and available equal spec.replicas, the generation observed.
  void Settle() const {
    for (const auto& rs : ListRS()) {
      int32_t n = rs->spec().replicas();
      const auto& s = rs->status();
      if (s.replicas() == n && s.available_replicas() == n && s.ready_replicas() == n &&
          s.observed_generation() == rs->metadata().generation()) {
        continue;
      }
      (void)ReplicaSets().PatchStatus(
          rs->metadata().name(), "application/merge-patch+json",
          fmt::format(R"({{"status":{{"replicas":{0},"readyReplicas":{0},)"
                      R"("availableReplicas":{0},"fullyLabeledReplicas":{0},)"
                      R"("observedGeneration":{1}}}}})",
                      n, rs->metadata().generation()));
    }
  }
  // The deployment's rollout is over: one ReplicaSet has every replica, available, and the
  // status says so.
  bool Complete(int replicas) const {
    Settle();
    auto d = Get();
    const auto* progressing = deployment::GetCondition(d->status(), "Progressing");
    return d->status().observed_generation() == d->metadata().generation() &&
           d->status().updated_replicas() == replicas && d->status().replicas() == replicas &&
           d->status().available_replicas() == replicas && progressing != nullptr &&
           progressing->reason() == "NewReplicaSetAvailable";
  }
  bool HasEvent(const std::string& reason, const std::string& message) const {
    auto events = cs.Events("default").List();
    if (!events.ok()) return false;
    for (const auto& e : events->items) {
      if (e->reason() == reason && e->message() == message) return true;
    }
    return false;
  }
  client::Ptr<ReplicaSet> RSWithImage(const std::string& image) const {
    for (const auto& rs : ListRS()) {
      if (rs->spec().template_().spec().containers(0).image() == image) return rs;
    }
    return nullptr;
  }
  void SetImage(const std::string& image) const {
    REQUIRE(Deployments()
                .Patch("web", "application/strategic-merge-patch+json",
                       fmt::format(R"({{"spec":{{"template":{{"spec":{{"containers":[)"
                                   R"({{"name":"c","image":"{}"}}]}}}}}}}})",
                                   image))
                .ok());
  }

  client::testing::TestApiServer server;
  client::Clientset cs;
  std::unique_ptr<ControllerManager> manager;
};

std::string Annotation(const ReplicaSet& rs, const std::string& key) {
  auto it = rs.metadata().annotations().find(key);
  return it == rs.metadata().annotations().end() ? "" : it->second;
}

TEST_CASE("the hash, the fenceposts and the revisions as Kubernetes computes them") {
  using namespace deployment;
  CHECK(SafeEncodeString("0123456789") == "456789bcdf");  // byte % 27
  Deployment d = NewDeployment(3, "nginx:1", "{}");
  std::string h = ComputeHash(d.spec().template_(), std::nullopt);
  CHECK(h == ComputeHash(d.spec().template_(), std::nullopt));  // stable
  CHECK(h != ComputeHash(d.spec().template_(), 1));             // the collision count counts
  CHECK(h.find_first_not_of("bcdfghjklmnpqrstvwxz2456789") == std::string::npos);
  Deployment same = d;
  same.mutable_spec()
      ->mutable_template_()
      ->mutable_spec()
      ->mutable_containers(0)
      ->mutable_resources();  // "resources: {}" is no change
  CHECK(h == ComputeHash(same.spec().template_(), std::nullopt));
  CHECK(EqualIgnoreHash(d.spec().template_(), same.spec().template_()));
  Deployment other = NewDeployment(3, "nginx:2", "{}");
  CHECK(h != ComputeHash(other.spec().template_(), std::nullopt));

  // 25%/25% of 3: surge rounds up to 1, unavailable down to 0.
  d = FromJson<Deployment>(R"({"spec":{"replicas":3,"strategy":{"type":"RollingUpdate",
      "rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}}})");
  CHECK(MaxSurge(d) == 1);
  CHECK(MaxUnavailable(d) == 0);
  d.mutable_spec()->set_replicas(10);
  CHECK(MaxSurge(d) == 3);
  CHECK(MaxUnavailable(d) == 2);
  // Both zero after rounding: unavailable becomes 1.
  d = FromJson<Deployment>(R"({"spec":{"replicas":1,"strategy":{"type":"RollingUpdate",
      "rollingUpdate":{"maxSurge":0,"maxUnavailable":"25%"}}}})");
  CHECK(MaxUnavailable(d) == 1);

  // A reused ReplicaSet keeps the revisions it had.
  ReplicaSet rs;
  (*rs.mutable_metadata()->mutable_annotations())[kRevisionAnnotation] = "1";
  CHECK(SetNewReplicaSetAnnotations(d, &rs, "3", true));
  CHECK(Annotation(rs, kRevisionAnnotation) == "3");
  CHECK(Annotation(rs, kRevisionHistoryAnnotation) == "1");
  CHECK(SetNewReplicaSetAnnotations(d, &rs, "5", true));
  CHECK(Annotation(rs, kRevisionHistoryAnnotation) == "1,3");
  CHECK_FALSE(SetNewReplicaSetAnnotations(d, &rs, "4", true));  // never lowered
}

TEST_CASE("a new Deployment gets one ReplicaSet with the hash label, revision 1, conditions") {
  Cluster c;
  REQUIRE(c.Deployments().Create(NewDeployment(3, "nginx:1", "{}")).ok());
  REQUIRE(Eventually([&] { return c.ListRS().size() == 1; }));
  auto rs = c.ListRS()[0];
  std::string hash = rs->metadata().labels().at("pod-template-hash");
  CHECK(rs->metadata().name() == "web-" + hash);
  CHECK(rs->metadata().labels().at("app") == "web");
  CHECK(rs->spec().selector().match_labels().at("pod-template-hash") == hash);
  CHECK(rs->spec().template_().metadata().labels().at("pod-template-hash") == hash);
  CHECK(rs->spec().replicas() == 3);
  CHECK(Annotation(*rs, "deployment.kubernetes.io/revision") == "1");
  CHECK(Annotation(*rs, "deployment.kubernetes.io/desired-replicas") == "3");
  CHECK(Annotation(*rs, "deployment.kubernetes.io/max-replicas") == "4");  // 25% of 3: 1
  REQUIRE(rs->metadata().owner_references_size() == 1);
  CHECK(rs->metadata().owner_references(0).kind() == "Deployment");
  CHECK(rs->metadata().owner_references(0).controller());

  // Before the pods are up: progressing, not available (maxUnavailable 25% of 3 is 0).
  REQUIRE(Eventually([&] {
    auto d = c.Get();
    const auto* available = deployment::GetCondition(d->status(), "Available");
    return available != nullptr && available->status() == "False";
  }));
  auto d = c.Get();
  const auto* available = deployment::GetCondition(d->status(), "Available");
  CHECK(available->reason() == "MinimumReplicasUnavailable");
  CHECK(available->message() == "Deployment does not have minimum availability.");
  const auto* progressing = deployment::GetCondition(d->status(), "Progressing");
  REQUIRE(progressing != nullptr);
  CHECK(progressing->status() == "True");
  CHECK(progressing->message() == "Created new replica set \"" + rs->metadata().name() + "\"");
  CHECK(d->metadata().annotations().at("deployment.kubernetes.io/revision") == "1");
  CHECK(d->metadata().generation() == 1);  // the revision annotation is a status write

  REQUIRE(Eventually([&] { return c.Complete(3); }));
  d = c.Get();
  CHECK(d->status().ready_replicas() == 3);
  CHECK(d->status().unavailable_replicas() == 0);
  CHECK(d->status().observed_generation() == 1);
  available = deployment::GetCondition(d->status(), "Available");
  CHECK(available->status() == "True");
  CHECK(available->reason() == "MinimumReplicasAvailable");
  CHECK(available->message() == "Deployment has minimum availability.");
  progressing = deployment::GetCondition(d->status(), "Progressing");
  CHECK(progressing->status() == "True");
  CHECK(progressing->message() ==
        "ReplicaSet \"" + rs->metadata().name() + "\" has successfully progressed.");
  CHECK(Eventually([&] {
    return c.HasEvent("ScalingReplicaSet",
                      "Scaled up replica set " + rs->metadata().name() + " from 0 to 3");
  }));

  // Scaling the Deployment scales its one ReplicaSet.
  REQUIRE(c.Deployments()
              .Patch("web", "application/merge-patch+json", R"({"spec":{"replicas":5}})")
              .ok());
  CHECK(Eventually([&] { return c.Complete(5); }));
  rs = c.ReplicaSets().Get(rs->metadata().name()).value();
  CHECK(Annotation(*rs, "deployment.kubernetes.io/desired-replicas") == "5");
  CHECK(Eventually([&] {
    return c.HasEvent("ScalingReplicaSet",
                      "Scaled up replica set " + rs->metadata().name() + " from 3 to 5");
  }));
}

TEST_CASE("RollingUpdate maxSurge 1 maxUnavailable 0 steps old down and new up") {
  Cluster c;
  REQUIRE(c.Deployments().Create(NewDeployment(3, "nginx:1", kSurgeOne)).ok());
  REQUIRE(Eventually([&] { return c.Complete(3); }));
  auto old_rs = c.ListRS()[0];
  c.SetImage("nginx:2");
  // Plays the ReplicaSet controller step by step, checking the bounds at every step: never
  // more than replicas + 1 pods asked for, never fewer than replicas available (a pod of a
  // scaled-down ReplicaSet is gone at once: min(spec, available)).
  bool bounds_held = true;
  int steps = 0;
  bool done = Eventually(
      [&] {
        int32_t total = 0, available = 0;
        for (const auto& rs : c.ListRS()) {
          total += rs->spec().replicas();
          available += std::min(rs->spec().replicas(), rs->status().available_replicas());
        }
        if (total > 4 || available < 3) bounds_held = false;
        ++steps;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return c.Complete(3) && c.RSWithImage("nginx:2") != nullptr;
      },
      std::chrono::seconds(30));
  REQUIRE(done);
  CHECK(bounds_held);
  auto new_rs = c.RSWithImage("nginx:2");
  old_rs = c.ReplicaSets().Get(old_rs->metadata().name()).value();
  CHECK(new_rs->metadata().name() != old_rs->metadata().name());
  CHECK(new_rs->spec().replicas() == 3);
  CHECK(old_rs->spec().replicas() == 0);
  CHECK(Annotation(*new_rs, "deployment.kubernetes.io/revision") == "2");
  CHECK(Annotation(*old_rs, "deployment.kubernetes.io/revision") == "1");
  CHECK(c.Get()->metadata().annotations().at("deployment.kubernetes.io/revision") == "2");
  const std::string& o = old_rs->metadata().name();
  const std::string& n = new_rs->metadata().name();
  CHECK(Eventually([&] {
    return c.HasEvent("ScalingReplicaSet", "Scaled up replica set " + n + " from 0 to 1") &&
           c.HasEvent("ScalingReplicaSet", "Scaled down replica set " + o + " from 3 to 2") &&
           c.HasEvent("ScalingReplicaSet", "Scaled down replica set " + o + " from 1 to 0");
  }));
}

TEST_CASE("a stale status counting just-deleted pods does not scale the old ReplicaSet twice") {
  Cluster c;
  constexpr char kOneOne[] =
      R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":1}})";
  REQUIRE(c.Deployments().Create(NewDeployment(6, "nginx:1", kOneOne)).ok());
  REQUIRE(Eventually([&] { return c.Complete(6); }));
  const std::string old_name = c.ListRS()[0]->metadata().name();
  c.SetImage("nginx:2");
  // First step: the new ReplicaSet surges to 1 and the old one gives up one pod (7 - 5 - 1).
  REQUIRE(Eventually([&] {
    auto new_rs = c.RSWithImage("nginx:2");
    return new_rs && new_rs->spec().replicas() >= 1 &&
           c.ReplicaSets().Get(old_name).value()->spec().replicas() == 5;
  }));
  // The new pod is available; the old ReplicaSet's status still counts the pod it deleted, as
  // Kubernetes' ReplicaSet controller reports right after a scale-down.
  auto old_rs = c.ReplicaSets().Get(old_name).value();
  REQUIRE(c.ReplicaSets()
              .PatchStatus(old_name, "application/merge-patch+json",
                           fmt::format(R"({{"status":{{"replicas":6,"readyReplicas":6,)"
                                       R"("availableReplicas":6,"observedGeneration":{}}}}})",
                                       old_rs->metadata().generation()))
              .ok());
  auto new_rs = c.RSWithImage("nginx:2");
  REQUIRE(c.ReplicaSets()
              .PatchStatus(new_rs->metadata().name(), "application/merge-patch+json",
                           fmt::format(R"({{"status":{{"replicas":1,"readyReplicas":1,)"
                                       R"("availableReplicas":1,"observedGeneration":{}}}}})",
                                       new_rs->metadata().generation()))
              .ok());
  // 5 old + 1 new are really available: one more old pod may go (down to 4), not two.
  REQUIRE(Eventually([&] { return c.ReplicaSets().Get(old_name).value()->spec().replicas() == 4; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the controller's next syncs
  CHECK(c.ReplicaSets().Get(old_name).value()->spec().replicas() == 4);
}

TEST_CASE("Recreate scales the old ReplicaSet to zero before the new one exists") {
  Cluster c;
  REQUIRE(c.Deployments().Create(NewDeployment(2, "nginx:1", R"({"type":"Recreate"})")).ok());
  REQUIRE(Eventually([&] { return c.Complete(2); }));
  c.SetImage("nginx:2");
  bool order_held = true;
  bool done = Eventually([&] {
    auto old_rs = c.RSWithImage("nginx:1");
    if (c.RSWithImage("nginx:2") != nullptr &&
        (old_rs->spec().replicas() != 0 || old_rs->status().replicas() != 0)) {
      order_held = false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return c.Complete(2) && c.RSWithImage("nginx:2") != nullptr;
  });
  REQUIRE(done);
  CHECK(order_held);
  CHECK(c.RSWithImage("nginx:1")->spec().replicas() == 0);
  CHECK(c.RSWithImage("nginx:2")->spec().replicas() == 2);
}

TEST_CASE("a paused Deployment does not roll out; resumed, it does") {
  Cluster c;
  REQUIRE(c.Deployments().Create(NewDeployment(2, "nginx:1", kSurgeOne)).ok());
  REQUIRE(Eventually([&] { return c.Complete(2); }));
  REQUIRE(c.Deployments()
              .Patch("web", "application/merge-patch+json", R"({"spec":{"paused":true}})")
              .ok());
  c.SetImage("nginx:2");
  REQUIRE(Eventually([&] {
    auto d = c.Get();
    const auto* p = deployment::GetCondition(d->status(), "Progressing");
    return d->status().observed_generation() == d->metadata().generation() && p &&
           p->reason() == "DeploymentPaused";
  }));
  auto d = c.Get();
  const auto* p = deployment::GetCondition(d->status(), "Progressing");
  CHECK(p->status() == "Unknown");
  CHECK(p->message() == "Deployment is paused");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.ListRS().size() == 1);
  CHECK(c.RSWithImage("nginx:2") == nullptr);

  REQUIRE(c.Deployments()
              .Patch("web", "application/merge-patch+json", R"({"spec":{"paused":false}})")
              .ok());
  CHECK(Eventually([&] { return c.Complete(2) && c.RSWithImage("nginx:2") != nullptr; }));
  CHECK(c.RSWithImage("nginx:1")->spec().replicas() == 0);
}

TEST_CASE("revisionHistoryLimit deletes the oldest scaled-down ReplicaSets") {
  Cluster c;
  REQUIRE(c.Deployments()
              .Create(NewDeployment(1, "nginx:1", kSurgeOne, R"(,"revisionHistoryLimit":1)"))
              .ok());
  REQUIRE(Eventually([&] { return c.Complete(1); }));
  for (const char* image : {"nginx:2", "nginx:3"}) {
    c.SetImage(image);
    REQUIRE(Eventually([&] { return c.Complete(1) && c.RSWithImage(image) != nullptr; }));
  }
  // The newest and one old one stay; revision 1 goes.
  CHECK(Eventually([&] {
    c.Settle();
    return c.ListRS().size() == 2 && c.RSWithImage("nginx:1") == nullptr;
  }));
  CHECK(c.RSWithImage("nginx:2") != nullptr);
  CHECK(Annotation(*c.RSWithImage("nginx:3"), "deployment.kubernetes.io/revision") == "3");
}

TEST_CASE("rolling back to an old template reuses its ReplicaSet with a new revision") {
  Cluster c;
  REQUIRE(c.Deployments().Create(NewDeployment(2, "nginx:1", kSurgeOne)).ok());
  REQUIRE(Eventually([&] { return c.Complete(2); }));
  std::string first = c.ListRS()[0]->metadata().name();
  c.SetImage("nginx:2");
  REQUIRE(Eventually([&] { return c.Complete(2) && c.RSWithImage("nginx:2") != nullptr; }));
  c.SetImage("nginx:1");  // what `kubectl rollout undo` does
  REQUIRE(Eventually([&] {
    auto rs = c.RSWithImage("nginx:1");
    return c.Complete(2) && rs->spec().replicas() == 2 &&
           Annotation(*rs, "deployment.kubernetes.io/revision") == "3";
  }));
  CHECK(c.ListRS().size() == 2);
  auto rs = c.RSWithImage("nginx:1");
  CHECK(rs->metadata().name() == first);
  CHECK(Annotation(*rs, "deployment.kubernetes.io/revision-history") == "1");
  CHECK(c.Get()->metadata().annotations().at("deployment.kubernetes.io/revision") == "3");
  CHECK(c.RSWithImage("nginx:2")->spec().replicas() == 0);
}

TEST_CASE("a rollout without progress past its deadline is ProgressDeadlineExceeded") {
  Cluster c;
  REQUIRE(c.Deployments()
              .Create(NewDeployment(2, "nginx:1", kSurgeOne, R"(,"progressDeadlineSeconds":1)"))
              .ok());
  // No Settle: the pods never come up.
  REQUIRE(Eventually(
      [&] {
        auto d = c.Get();
        const auto* p = deployment::GetCondition(d->status(), "Progressing");
        return p && p->reason() == "ProgressDeadlineExceeded";
      },
      std::chrono::seconds(10)));
  auto d = c.Get();
  const auto* p = deployment::GetCondition(d->status(), "Progressing");
  CHECK(p->status() == "False");
  CHECK(p->message() ==
        "ReplicaSet \"" + c.ListRS()[0]->metadata().name() + "\" has timed out progressing.");
  CHECK(deployment::GetCondition(d->status(), "Available")->status() == "False");
}

}  // namespace
}  // namespace pk::controllers

namespace pk::controllers {
namespace {

TEST_CASE("an orphan ReplicaSet the selector matches is adopted and rolled away") {
  Cluster c;
  REQUIRE(c.ReplicaSets()
              .Create(FromJson<ReplicaSet>(R"({
    "metadata":{"name":"orphan","namespace":"default","labels":{"app":"web"}},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},
        "spec":{"containers":[{"name":"c","image":"nginx:0"}]}}}})"))
              .ok());
  c.Settle();
  REQUIRE(c.Deployments().Create(NewDeployment(2, "nginx:1", kSurgeOne)).ok());
  REQUIRE(Eventually([&] { return c.Complete(2) && c.RSWithImage("nginx:1") != nullptr; }));
  auto orphan = c.ReplicaSets().Get("orphan").value();
  REQUIRE(orphan->metadata().owner_references_size() == 1);
  CHECK(orphan->metadata().owner_references(0).uid() == c.Get()->metadata().uid());
  CHECK(orphan->spec().replicas() == 0);
  CHECK(Annotation(*c.RSWithImage("nginx:1"), "deployment.kubernetes.io/revision") == "1");
}

}  // namespace
}  // namespace pk::controllers

namespace pk::controllers {
namespace {

TEST_CASE("scaling mid-rollout spreads the new replicas proportionally") {
  Cluster c;
  REQUIRE(c.Deployments().Create(NewDeployment(4, "nginx:1", kSurgeOne)).ok());
  REQUIRE(Eventually([&] { return c.Complete(4); }));
  c.SetImage("nginx:2");
  // No Settle: the new pod never becomes available, so the rollout stays at 4 old + 1 new.
  REQUIRE(Eventually([&] {
    auto new_rs = c.RSWithImage("nginx:2");
    return new_rs != nullptr && new_rs->spec().replicas() == 1;
  }));
  REQUIRE(c.Deployments()
              .Patch("web", "application/merge-patch+json", R"({"spec":{"replicas":8}})")
              .ok());
  // 9 allowed (8 + maxSurge 1) for 5 today: the old one takes 4*9/5 ~ 7, the new one the rest.
  REQUIRE(Eventually([&] {
    return c.RSWithImage("nginx:1")->spec().replicas() == 7 &&
           c.RSWithImage("nginx:2")->spec().replicas() == 2;
  }));
  auto old_rs = c.RSWithImage("nginx:1");
  CHECK(Annotation(*old_rs, "deployment.kubernetes.io/desired-replicas") == "8");
  CHECK(Annotation(*old_rs, "deployment.kubernetes.io/max-replicas") == "9");
  CHECK(Eventually([&] {
    return c.HasEvent("ScalingReplicaSet",
                      "Scaled up replica set " + old_rs->metadata().name() + " from 4 to 7");
  }));
  // Once the pods come up, the rollout finishes at the new size.
  CHECK(Eventually(
      [&] { return c.Complete(8) && c.RSWithImage("nginx:2")->spec().replicas() == 8; }));
}

}  // namespace
}  // namespace pk::controllers
