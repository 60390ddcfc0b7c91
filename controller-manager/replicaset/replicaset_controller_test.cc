// The ReplicaSet controller against an in-process apiserver (no kubelet, no scheduler: pods
// stay Pending unless a test binds them or patches their status).
#include "controller-manager/replicaset/replicaset_controller.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

#include "apimachinery/time.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/binding.pb.h"
#include "proto/core/v1/namespace.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using client::Ptr;
using k8s::apps::v1::ReplicaSet;
using k8s::core::v1::Pod;
using pk::testing::Eventually;

constexpr char kMergePatch[] = "application/merge-patch+json";

ReplicaSet MakeReplicaSet(const std::string& name, int replicas, int min_ready_seconds = 0) {
  ReplicaSet rs;
  rs.mutable_metadata()->set_name(name);
  rs.mutable_metadata()->set_namespace_("default");
  rs.mutable_spec()->set_replicas(replicas);
  rs.mutable_spec()->set_min_ready_seconds(min_ready_seconds);
  (*rs.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  auto* t = rs.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = name;
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("busybox");
  return rs;
}

struct Cluster {
  Cluster() = default;
  ~Cluster() { manager.reset(); }  // the controllers stop before the apiserver

  void StartControllers() {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"replicaset"};
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }

  client::TypedClient<ReplicaSet> ReplicaSets() const { return cs.Resource<ReplicaSet>("default"); }
  client::TypedClient<Pod> Pods() const { return cs.Pods("default"); }

  Ptr<ReplicaSet> Create(const ReplicaSet& rs) const {
    auto created = ReplicaSets().Create(rs);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
    return *created;
  }
  Ptr<ReplicaSet> Get(const std::string& name) const {
    auto rs = ReplicaSets().Get(name);
    REQUIRE_MESSAGE(rs.ok(), rs.status().message());
    return *rs;
  }
  void Scale(const std::string& name, int replicas) const {
    auto patched = ReplicaSets().Patch(name, kMergePatch,
                                       fmt::format(R"({{"spec":{{"replicas":{}}}}})", replicas));
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }

  // The pods labelled app=`app` that are not being deleted.
  std::vector<Ptr<Pod>> ActivePods(const std::string& app) const {
    client::ListOptions options;
    options.label_selector = "app=" + app;
    auto list = Pods().List(options);
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::vector<Ptr<Pod>> out;
    for (const auto& p : list->items) {
      if (!p->metadata().has_deletion_timestamp()) out.push_back(p);
    }
    return out;
  }
  // The active pods whose controller is ReplicaSet `rs` (by UID).
  std::vector<Ptr<Pod>> OwnedPods(const ReplicaSet& rs) const {
    auto list = Pods().List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::vector<Ptr<Pod>> out;
    for (const auto& p : list->items) {
      if (p->metadata().has_deletion_timestamp()) continue;
      for (const auto& ref : p->metadata().owner_references()) {
        if (ref.uid() == rs.metadata().uid() && ref.controller()) out.push_back(p);
      }
    }
    return out;
  }
  // The messages of the Events with `reason` about ReplicaSet `name`.
  std::multiset<std::string> EventMessages(const std::string& name,
                                           const std::string& reason) const {
    auto list = cs.Events("default").List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::multiset<std::string> out;
    for (const auto& e : list->items) {
      if (e->involved_object().kind() == "ReplicaSet" && e->involved_object().name() == name &&
          e->reason() == reason) {
        CHECK(e->source().component() == "replicaset-controller");
        out.insert(e->message());
      }
    }
    return out;
  }

  void Bind(const Pod& pod, const std::string& node) const {
    k8s::core::v1::Binding binding;
    binding.mutable_metadata()->set_name(pod.metadata().name());
    binding.mutable_metadata()->set_namespace_("default");
    binding.mutable_target()->set_kind("Node");
    binding.mutable_target()->set_name(node);
    Status s = Pods().CreateSubresource(pod.metadata().name(), "binding", binding);
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  // Phase Running and the Ready condition `ready` since now.
  void SetReady(const std::string& pod, bool ready) const {
    auto patched = Pods().PatchStatus(
        pod, kMergePatch,
        fmt::format(R"({{"status":{{"phase":"Running","conditions":[{{"type":"Ready",)"
                    R"("status":"{}","lastTransitionTime":"{}"}}]}}}})",
                    ready ? "True" : "False", FormatRfc3339(NowTimestamp().seconds)));
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }

  client::testing::TestApiServer server;
  client::Clientset cs = server.NewClientset();
  std::unique_ptr<ControllerManager> manager;
};

std::set<std::string> Names(const std::vector<Ptr<Pod>>& pods) {
  std::set<std::string> out;
  for (const auto& p : pods) out.insert(p->metadata().name());
  return out;
}

std::multiset<std::string> Messages(const std::string& prefix, const std::set<std::string>& names) {
  std::multiset<std::string> out;
  for (const auto& n : names) out.insert(prefix + n);
  return out;
}

TEST_CASE("scale up 0 -> 3: three owned pods named <rs>-xxxxx, with Events and status") {
  Cluster c;
  c.StartControllers();
  auto rs = c.Create(MakeReplicaSet("web", 0));
  CHECK(Eventually([&] { return c.Get("web")->status().observed_generation() == 1; }));
  c.Scale("web", 3);
  CHECK(Eventually([&] { return c.OwnedPods(*rs).size() == 3; }));
  auto pods = c.OwnedPods(*rs);
  for (const auto& pod : pods) {
    const auto& meta = pod->metadata();
    CHECK(meta.generate_name() == "web-");
    REQUIRE(meta.name().size() == 9);
    CHECK(meta.name().substr(0, 4) == "web-");
    CHECK(std::all_of(meta.name().begin() + 4, meta.name().end(),
                      [](char ch) { return std::islower(ch) || std::isdigit(ch); }));
    REQUIRE(meta.owner_references_size() == 1);
    const auto& ref = meta.owner_references(0);
    CHECK(ref.api_version() == "apps/v1");
    CHECK(ref.kind() == "ReplicaSet");
    CHECK(ref.name() == "web");
    CHECK((ref.controller() && ref.block_owner_deletion()));
    CHECK(meta.labels().at("app") == "web");
  }
  auto want = Messages("Created pod: ", Names(pods));
  CHECK(Eventually([&] { return c.EventMessages("web", "SuccessfulCreate") == want; }));
  CHECK(Eventually([&] {
    auto s = c.Get("web")->status();
    return s.replicas() == 3 && s.fully_labeled_replicas() == 3 && s.observed_generation() == 2;
  }));
}

TEST_CASE("scale down 3 -> 1 deletes the unscheduled pod, then the not-ready one") {
  Cluster c;
  c.StartControllers();
  auto rs = c.Create(MakeReplicaSet("web", 3));
  REQUIRE(Eventually([&] { return c.OwnedPods(*rs).size() == 3; }));
  auto pods = c.OwnedPods(*rs);
  std::string bound = pods[0]->metadata().name(), ready = pods[1]->metadata().name(),
              unscheduled = pods[2]->metadata().name();
  c.Bind(*pods[0], "node-a");
  c.Bind(*pods[1], "node-b");
  c.SetReady(ready, true);
  // The controller saw the bindings (earlier events) once it counts the ready pod.
  REQUIRE(Eventually([&] { return c.Get("web")->status().ready_replicas() == 1; }));
  c.Scale("web", 1);
  CHECK(Eventually([&] { return Names(c.OwnedPods(*rs)) == std::set<std::string>{ready}; }));
  // The unscheduled pod is gone at once; the bound one waits for its kubelet (graceful).
  CHECK(client::IsNotFound(c.Pods().Get(unscheduled).status()));
  auto doomed = c.Pods().Get(bound);
  REQUIRE(doomed.ok());
  CHECK((*doomed)->metadata().has_deletion_timestamp());
  auto want = Messages("Deleted pod: ", {bound, unscheduled});
  CHECK(Eventually([&] { return c.EventMessages("web", "SuccessfulDelete") == want; }));
  CHECK(Eventually([&] {
    auto s = c.Get("web")->status();
    return s.replicas() == 1 && s.ready_replicas() == 1 && s.observed_generation() == 2;
  }));
}

TEST_CASE("a deleted pod is replaced") {
  Cluster c;
  c.StartControllers();
  auto rs = c.Create(MakeReplicaSet("heal", 2));
  REQUIRE(Eventually([&] { return c.OwnedPods(*rs).size() == 2; }));
  std::string victim = c.OwnedPods(*rs)[0]->metadata().name();
  REQUIRE(c.Pods().Delete(victim).ok());
  CHECK(Eventually([&] {
    auto names = Names(c.OwnedPods(*rs));
    return names.size() == 2 && !names.count(victim);
  }));
  CHECK(Eventually([&] { return c.EventMessages("heal", "SuccessfulCreate").size() == 3; }));
  // A terminal pod counts no more: it is replaced (and left for the pod GC).
  std::string failed = c.OwnedPods(*rs)[0]->metadata().name();
  REQUIRE(c.Pods().PatchStatus(failed, kMergePatch, R"({"status":{"phase":"Failed"}})").ok());
  CHECK(Eventually([&] { return c.EventMessages("heal", "SuccessfulCreate").size() == 4; }));
  CHECK(Eventually([&] {
    auto s = c.Get("heal")->status();
    return s.replicas() == 2 && c.OwnedPods(*rs).size() == 3;  // OwnedPods keeps Failed ones
  }));
  CHECK(c.Pods().Get(failed).ok());
}

TEST_CASE("a matching orphan is adopted instead of creating a pod") {
  Cluster c;
  auto orphan = client::testing::MakePod("orphan");
  (*orphan.mutable_metadata()->mutable_labels())["app"] = "adopt";
  REQUIRE(c.Pods().Create(orphan).ok());
  c.StartControllers();  // its caches hold the orphan before the ReplicaSet exists
  auto rs = c.Create(MakeReplicaSet("adopt", 2));
  CHECK(Eventually([&] { return c.OwnedPods(*rs).size() == 2; }));
  CHECK(Names(c.OwnedPods(*rs)).count("orphan"));
  auto adopted = c.Pods().Get("orphan");
  REQUIRE(adopted.ok());
  REQUIRE((*adopted)->metadata().owner_references_size() == 1);
  const auto& ref = (*adopted)->metadata().owner_references(0);
  CHECK((ref.kind() == "ReplicaSet" && ref.name() == "adopt" && ref.controller() &&
         ref.block_owner_deletion()));
  CHECK(Eventually([&] { return c.Get("adopt")->status().replicas() == 2; }));
  CHECK(c.ActivePods("adopt").size() == 2);
  CHECK(Eventually([&] { return c.EventMessages("adopt", "SuccessfulCreate").size() == 1; }));
}

TEST_CASE("a pod whose labels stop matching is released and replaced") {
  Cluster c;
  c.StartControllers();
  auto rs = c.Create(MakeReplicaSet("rel", 2));
  REQUIRE(Eventually([&] { return c.OwnedPods(*rs).size() == 2; }));
  std::string moved = c.OwnedPods(*rs)[0]->metadata().name();
  REQUIRE(c.Pods().Patch(moved, kMergePatch, R"({"metadata":{"labels":{"app":"other"}}})").ok());
  CHECK(Eventually([&] {
    auto pod = c.Pods().Get(moved);
    return pod.ok() && (*pod)->metadata().owner_references_size() == 0;
  }));
  CHECK(Eventually([&] {
    auto names = Names(c.OwnedPods(*rs));
    return names.size() == 2 && !names.count(moved);
  }));
  CHECK(c.Pods().Get(moved).ok());  // released, not deleted
}

TEST_CASE("readyReplicas and availableReplicas follow Ready pods and minReadySeconds") {
  Cluster c;
  c.StartControllers();
  auto rs = c.Create(MakeReplicaSet("ready", 2, /*min_ready_seconds=*/2));
  REQUIRE(Eventually([&] { return c.OwnedPods(*rs).size() == 2; }));
  auto pods = c.OwnedPods(*rs);
  auto readied = std::chrono::steady_clock::now();
  for (const auto& p : pods) c.SetReady(p->metadata().name(), true);
  REQUIRE(Eventually([&] { return c.Get("ready")->status().ready_replicas() == 2; }));
  auto status = c.Get("ready")->status();
  if (std::chrono::steady_clock::now() - readied < std::chrono::seconds(1)) {
    CHECK(status.available_replicas() == 0);  // not Ready for 2 s yet
  }
  // Available without any further pod event: the controller looks again after 2 s.
  CHECK(Eventually([&] { return c.Get("ready")->status().available_replicas() == 2; }));
  c.SetReady(pods[0]->metadata().name(), false);
  CHECK(Eventually([&] {
    auto s = c.Get("ready")->status();
    return s.ready_replicas() == 1 && s.available_replicas() == 1 && s.replicas() == 2;
  }));
}

TEST_CASE("no double creation: exactly spec.replicas pods, however often it syncs") {
  Cluster c;
  c.StartControllers();
  for (const std::string name : {"five", "five-b"}) {
    CAPTURE(name);
    auto rs = c.Create(MakeReplicaSet(name, 5));
    REQUIRE(Eventually(
        [&] { return c.ActivePods(name).size() == 5 && c.Get(name)->status().replicas() == 5; }));
    // Status writes and pod events keep resyncing it; the count must not move.
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      REQUIRE(c.ActivePods(name).size() == 5);
    }
    CHECK(Eventually([&] { return c.EventMessages(name, "SuccessfulCreate").size() == 5; }));
  }
  // A larger burst goes through slow start (1, 2, 4, 8, 16, 9) and lands exactly.
  auto big = c.Create(MakeReplicaSet("forty", 40));
  CHECK(Eventually([&] { return c.ActivePods("forty").size() == 40; }));
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(c.ActivePods("forty").size() == 40);
  }
  CHECK(Eventually([&] { return c.Get("forty")->status().replicas() == 40; }));
}

TEST_CASE("in a namespace being deleted the refused creates are no failure") {
  Cluster c;
  c.StartControllers();
  k8s::core::v1::Namespace ns;
  ns.mutable_metadata()->set_name("doomed");
  REQUIRE(c.cs.Resource<k8s::core::v1::Namespace>().Create(ns).ok());
  auto rs = MakeReplicaSet("late", 0);
  rs.mutable_metadata()->set_namespace_("doomed");
  auto rss = c.cs.Resource<ReplicaSet>("doomed");
  REQUIRE(rss.Create(rs).ok());
  REQUIRE(c.cs.Resource<k8s::core::v1::Namespace>().Delete("doomed").ok());
  REQUIRE(rss.Patch("late", kMergePatch, R"({"spec":{"replicas":2}})").ok());
  CHECK(Eventually([&] {
    auto got = rss.Get("late");
    return got.ok() && (*got)->status().observed_generation() == 2;
  }));
  auto got = rss.Get("late");
  REQUIRE(got.ok());
  CHECK((*got)->status().replicas() == 0);
  CHECK((*got)->status().conditions_size() == 0);  // no ReplicaFailure
  CHECK(c.cs.Pods("doomed").List()->items.empty());
}

}  // namespace
}  // namespace pk::controllers
