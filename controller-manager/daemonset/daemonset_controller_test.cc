// The DaemonSet controller against an in-process
// apiserver (no kubelet, no scheduler: pods stay Pending and unbound, so the tests read the
// node a pod targets from its node affinity term, and patch pod status themselves).
#include "controller-manager/daemonset/daemonset_controller.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "apimachinery/time.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "controller-manager/daemonset/daemonset_internal.h"
#include "controller-manager/daemonset/daemonset_util.h"
#include "controller-manager/daemonset/testing.h"
#include "proto/apps/v1/apps.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using client::Ptr;
using daemonset::GetTargetNodeName;
using daemonset::testing::FindToleration;
using daemonset::testing::MakeDaemonSet;
using daemonset::testing::MakeNode;
using k8s::apps::v1::ControllerRevision;
using k8s::apps::v1::DaemonSet;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using k8s::core::v1::Toleration;
using pk::testing::Eventually;

constexpr char kMergePatch[] = "application/merge-patch+json";

struct Cluster {
  ~Cluster() { manager.reset(); }  // the controllers stop before the apiserver

  void StartControllers(std::vector<std::string> controllers = {"daemonset"}) {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = std::move(controllers);
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }

  client::TypedClient<DaemonSet> DaemonSets() const { return cs.Resource<DaemonSet>("default"); }
  client::TypedClient<Pod> Pods() const { return cs.Pods("default"); }

  // Retried: the test's first call may meet a channel still connecting.
  void AddNode(const Node& node) const {
    Status last;
    bool made = Eventually([&] {
      auto created = cs.Nodes().Create(node);
      last = created.status();
      return created.ok() || client::IsAlreadyExists(created.status());
    });
    REQUIRE_MESSAGE(made, last.message());
  }
  void PatchNode(const std::string& name, const std::string& patch) const {
    auto patched = cs.Nodes().Patch(name, kMergePatch, patch);
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  Ptr<DaemonSet> Create(const DaemonSet& ds) const {
    auto created = DaemonSets().Create(ds);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
    return *created;
  }
  Ptr<DaemonSet> Get(const std::string& name) const {
    auto ds = DaemonSets().Get(name);
    REQUIRE_MESSAGE(ds.ok(), ds.status().message());
    return *ds;
  }
  void Patch(const std::string& name, const std::string& patch) const {
    auto patched = DaemonSets().Patch(name, kMergePatch, patch);
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }

  // The pods (not being deleted) controlled by DaemonSet `ds`.
  std::vector<Ptr<Pod>> OwnedPods(const DaemonSet& ds) const {
    auto list = Pods().List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::vector<Ptr<Pod>> out;
    for (const auto& p : list->items) {
      if (p->metadata().has_deletion_timestamp()) continue;
      for (const auto& ref : p->metadata().owner_references()) {
        if (ref.uid() == ds.metadata().uid() && ref.controller()) out.push_back(p);
      }
    }
    return out;
  }
  // Target node -> pod names, of the owned pods.
  std::map<std::string, std::vector<std::string>> PodsByNode(const DaemonSet& ds) const {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& p : OwnedPods(ds)) {
      out[GetTargetNodeName(*p).value_or("?")].push_back(p->metadata().name());
    }
    return out;
  }
  std::set<std::string> TargetNodes(const DaemonSet& ds) const {
    std::set<std::string> out;
    for (const auto& [node, pods] : PodsByNode(ds)) {
      if (pods.size() == 1) out.insert(node);
      if (pods.size() != 1) out.insert(node + " x" + std::to_string(pods.size()));
    }
    return out;
  }
  std::multiset<std::string> EventMessages(const std::string& name,
                                           const std::string& reason) const {
    auto list = cs.Events("default").List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::multiset<std::string> out;
    for (const auto& e : list->items) {
      if (e->involved_object().kind() == "DaemonSet" && e->involved_object().name() == name &&
          e->reason() == reason) {
        CHECK(e->source().component() == "daemonset-controller");
        out.insert(e->message());
      }
    }
    return out;
  }
  std::vector<Ptr<ControllerRevision>> Revisions() const {
    auto list = cs.Resource<ControllerRevision>("default").List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    return list->items;
  }
  // Phase `phase` and, for Running, the Ready condition since now.
  void SetPhase(const std::string& pod, const std::string& phase) const {
    std::string conditions = phase == "Running"
                                 ? fmt::format(R"(,"conditions":[{{"type":"Ready","status":"True",)"
                                               R"("lastTransitionTime":"{}"}}])",
                                               FormatRfc3339(NowTimestamp().seconds))
                                 : "";
    auto patched = Pods().PatchStatus(
        pod, kMergePatch, fmt::format(R"({{"status":{{"phase":"{}"{}}}}})", phase, conditions));
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  void SetAllReady(const DaemonSet& ds) const {
    for (const auto& p : OwnedPods(ds)) {
      if (p->status().phase() != "Running") SetPhase(p->metadata().name(), "Running");
    }
  }

  client::testing::TestApiServer server;
  client::Clientset cs = server.NewClientset();
  std::unique_ptr<ControllerManager> manager;
};

using Nodes = std::set<std::string>;

TEST_CASE("one pod per eligible node, with owner, labels, tolerations, node affinity, Events") {
  Cluster c;
  c.AddNode(MakeNode("n1", {{"role", "worker"}}));
  c.AddNode(MakeNode("n2", {{"role", "worker"}}, {{"dedicated", "NoSchedule"}}));
  c.AddNode(MakeNode("n3", {{"role", "db"}}));
  c.AddNode(
      MakeNode("n4", {{"role", "worker"}}, {{"node.kubernetes.io/unschedulable", "NoSchedule"}}));
  c.StartControllers();
  DaemonSet want = MakeDaemonSet("agent");
  (*want.mutable_spec()->mutable_template_()->mutable_spec()->mutable_node_selector())["role"] =
      "worker";
  auto ds = c.Create(want);
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n4"}; }));
  auto revisions = c.Revisions();
  REQUIRE(revisions.size() == 1);
  const std::string hash = revisions[0]->metadata().labels().at("controller-revision-hash");
  CHECK(revisions[0]->metadata().name() == "agent-" + hash);
  CHECK(revisions[0]->revision() == 1);
  std::multiset<std::string> created;
  for (const auto& pod : c.OwnedPods(*ds)) {
    const auto& meta = pod->metadata();
    created.insert("Created pod: " + meta.name());
    CHECK(meta.generate_name() == "agent-");
    REQUIRE(meta.owner_references_size() == 1);
    const auto& ref = meta.owner_references(0);
    CHECK(ref.api_version() == "apps/v1");
    CHECK(ref.kind() == "DaemonSet");
    CHECK(ref.name() == "agent");
    CHECK((ref.controller() && ref.block_owner_deletion()));
    CHECK(meta.labels().at("app") == "agent");
    CHECK(meta.labels().at("controller-revision-hash") == hash);
    CHECK(meta.labels().at("pod-template-generation") == "1");
    CHECK(pod->spec().node_name().empty());  // the scheduler binds it
    Toleration t = FindToleration(*pod, "node.kubernetes.io/not-ready");
    CHECK(t.effect() == "NoExecute");
    CHECK(t.operator_() == "Exists");
    CHECK_FALSE(t.has_toleration_seconds());
    CHECK(FindToleration(*pod, "node.kubernetes.io/unschedulable").effect() == "NoSchedule");
    CHECK(FindToleration(*pod, "node.kubernetes.io/network-unavailable").key().empty());
  }
  CHECK(Eventually([&] { return c.EventMessages("agent", "SuccessfulCreate") == created; }));
  CHECK(Eventually([&] {
    const auto s = c.Get("agent")->status();
    return s.desired_number_scheduled() == 2 && s.current_number_scheduled() == 2 &&
           s.number_misscheduled() == 0 && s.number_ready() == 0 && s.number_available() == 0 &&
           s.number_unavailable() == 2 && s.updated_number_scheduled() == 2 &&
           s.observed_generation() == 1;
  }));
}

TEST_CASE("pods follow the nodes: added, relabelled, tainted, deleted") {
  Cluster c;
  c.AddNode(MakeNode("n1", {{"role", "worker"}}));
  c.StartControllers();
  DaemonSet want = MakeDaemonSet("agent");
  (*want.mutable_spec()->mutable_template_()->mutable_spec()->mutable_node_selector())["role"] =
      "worker";
  auto ds = c.Create(want);
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1"}; }));

  c.AddNode(MakeNode("n2", {{"role", "worker"}}));
  c.AddNode(MakeNode("n3", {{"role", "worker"}}));
  CHECK(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n2", "n3"}; }));
  std::string on_n2 = c.PodsByNode(*ds)["n2"].at(0);

  // n2 loses the label: its pod goes, with the Event.
  c.PatchNode("n2", R"({"metadata":{"labels":{"role":null}}})");
  CHECK(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n3"}; }));
  CHECK(Eventually([&] {
    return c.EventMessages("agent", "SuccessfulDelete").count("Deleted pod: " + on_n2) == 1;
  }));

  // A NoSchedule taint lets the pod stay; a NoExecute one does not.
  c.PatchNode("n3", R"({"spec":{"taints":[{"key":"maintenance","effect":"NoSchedule"}]}})");
  CHECK(Eventually([&] { return c.Get("agent")->status().desired_number_scheduled() == 1; }));
  CHECK(c.TargetNodes(*ds) == Nodes{"n1", "n3"});
  CHECK(c.Get("agent")->status().number_misscheduled() == 1);
  c.PatchNode("n3", R"({"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}})");
  CHECK(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1"}; }));

  // Tolerating the taint in the template brings a pod back to n3.
  c.Patch("agent", R"({"spec":{"template":{"spec":{"tolerations":[)"
                   R"({"key":"maintenance","operator":"Exists"}]}}}})");
  CHECK(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n3"}; }));

  // A deleted node's (unscheduled) pod goes.
  REQUIRE(c.cs.Nodes().Delete("n1").ok());
  CHECK(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n3"}; }));
  CHECK(Eventually([&] {
    const auto s = c.Get("agent")->status();
    return s.desired_number_scheduled() == 1 && s.current_number_scheduled() == 1 &&
           s.number_misscheduled() == 0;
  }));
}

TEST_CASE("status counts ready and available pods; extra pods on a node are deleted") {
  Cluster c;
  c.AddNode(MakeNode("n1"));
  c.AddNode(MakeNode("n2"));
  c.StartControllers();
  auto ds = c.Create(MakeDaemonSet("agent"));
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n2"}; }));
  c.SetAllReady(*ds);
  CHECK(Eventually([&] {
    const auto s = c.Get("agent")->status();
    return s.number_ready() == 2 && s.number_available() == 2 && s.number_unavailable() == 0 &&
           s.current_number_scheduled() == 2;
  }));
  // A second pod for one node, made by hand with the DaemonSet's template and owner: all but
  // the oldest (by creation time, then name) go.
  Pod extra = *c.OwnedPods(*ds)[0];
  std::string node = GetTargetNodeName(extra).value();
  std::string original = extra.metadata().name();
  extra.mutable_metadata()->clear_name();
  extra.mutable_metadata()->clear_resource_version();
  extra.mutable_metadata()->clear_uid();
  extra.mutable_metadata()->clear_creation_timestamp();
  extra.mutable_metadata()->set_generate_name("agent-");
  extra.clear_status();
  auto made = c.Pods().Create(extra);
  REQUIRE_MESSAGE(made.ok(), made.status().message());
  std::string extra_name = (*made)->metadata().name();
  std::set<std::string> both{original, extra_name};
  CHECK(Eventually([&] {
    auto pods = c.PodsByNode(*ds);
    return pods.size() == 2 && pods[node].size() == 1 && both.count(pods[node][0]);
  }));
  std::string gone = c.PodsByNode(*ds)[node].at(0) == original ? extra_name : original;
  CHECK(client::IsNotFound(c.Pods().Get(gone).status()));
  CHECK(Eventually([&] {
    return c.EventMessages("agent", "SuccessfulDelete").count("Deleted pod: " + gone) == 1;
  }));
}

TEST_CASE("minReadySeconds: a ready pod counts as available only after it") {
  Cluster c;
  c.AddNode(MakeNode("n1"));
  c.StartControllers();
  DaemonSet want = MakeDaemonSet("agent");
  want.mutable_spec()->set_min_ready_seconds(2);
  auto ds = c.Create(want);
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1"}; }));
  c.SetAllReady(*ds);
  REQUIRE(Eventually([&] { return c.Get("agent")->status().number_ready() == 1; }));
  const auto early = c.Get("agent")->status();
  CHECK(early.number_available() == 0);
  CHECK(early.number_unavailable() == 1);
  // No pod event comes when the pod becomes available: the controller looks again itself.
  CHECK(Eventually([&] {
    const auto s = c.Get("agent")->status();
    return s.number_available() == 1 && s.number_unavailable() == 0;
  }));
}

TEST_CASE("a failed daemon pod is deleted and replaced") {
  Cluster c;
  c.AddNode(MakeNode("n1"));
  c.StartControllers();
  auto ds = c.Create(MakeDaemonSet("agent"));
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1"}; }));
  std::string failed = c.OwnedPods(*ds)[0]->metadata().name();
  c.SetPhase(failed, "Failed");
  CHECK(Eventually([&] {
    auto pods = c.PodsByNode(*ds);
    return pods["n1"].size() == 1 && pods["n1"][0] != failed;
  }));
  CHECK(client::IsNotFound(c.Pods().Get(failed).status()));
  CHECK(Eventually([&] {
    return c.EventMessages("agent", "FailedDaemonPod") ==
           std::multiset<std::string>{fmt::format(
               "Found failed daemon pod default/{} on node n1, will try to kill it", failed)};
  }));
  // A pod that succeeded is replaced too (a Normal Event).
  std::string succeeded = c.PodsByNode(*ds)["n1"].at(0);
  c.SetPhase(succeeded, "Succeeded");
  CHECK(Eventually([&] {
    auto pods = c.PodsByNode(*ds);
    return pods["n1"].size() == 1 && pods["n1"][0] != succeeded;
  }));
  CHECK(Eventually([&] {
    return c.EventMessages("agent", "SucceededDaemonPod") ==
           std::multiset<std::string>{fmt::format(
               "Found succeeded daemon pod default/{} on node n1, will try to delete it",
               succeeded)};
  }));
}

TEST_CASE("RollingUpdate replaces pods at most maxUnavailable at a time") {
  Cluster c;
  for (const char* n : {"n1", "n2", "n3"}) c.AddNode(MakeNode(n));
  c.StartControllers();
  auto ds = c.Create(MakeDaemonSet("agent"));
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n2", "n3"}; }));
  c.SetAllReady(*ds);
  REQUIRE(Eventually([&] { return c.Get("agent")->status().number_available() == 3; }));

  c.Patch("agent",
          R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}}})");
  auto image_count = [&](const std::string& image) {
    int n = 0;
    for (const auto& p : c.OwnedPods(*ds)) n += p->spec().containers(0).image() == image;
    return n;
  };
  // One old pod replaced; the new one is not ready, so the other two old pods stay.
  REQUIRE(Eventually([&] { return image_count("busybox:2") == 1; }));
  CHECK(Eventually([&] {
    const auto s = c.Get("agent")->status();
    return s.updated_number_scheduled() == 1 && s.observed_generation() == 2;
  }));
  CHECK(image_count("busybox:1") == 2);
  CHECK(c.TargetNodes(*ds) == Nodes{"n1", "n2", "n3"});

  // The kubelet's part: new pods become ready, and the rollout goes on to the end.
  CHECK(Eventually([&] {
    c.SetAllReady(*ds);
    return image_count("busybox:2") == 3 && c.Get("agent")->status().number_available() == 3;
  }));
  // Still the kubelet's part: the loop above may end (three available, counting an old pod
  // being replaced) before the last new pod exists, and nothing else makes that one ready.
  CHECK(Eventually([&] {
    c.SetAllReady(*ds);
    const auto s = c.Get("agent")->status();
    return s.updated_number_scheduled() == 3 && s.desired_number_scheduled() == 3 &&
           s.number_unavailable() == 0;
  }));
  auto revisions = c.Revisions();
  REQUIRE(revisions.size() == 2);
  std::set<int64_t> numbers;
  for (const auto& r : revisions) numbers.insert(r->revision());
  CHECK(numbers == std::set<int64_t>{1, 2});
  CHECK(c.OwnedPods(*ds)[0]->metadata().labels().at("pod-template-generation") == "2");
}

TEST_CASE("RollingUpdate with maxSurge starts the new pod before the old one goes") {
  Cluster c;
  for (const char* n : {"n1", "n2"}) c.AddNode(MakeNode(n));
  c.StartControllers();
  DaemonSet want = MakeDaemonSet("agent");
  auto* rolling = want.mutable_spec()->mutable_update_strategy()->mutable_rolling_update();
  rolling->mutable_max_surge()->set_int_val(1);
  rolling->mutable_max_unavailable()->set_int_val(0);
  auto ds = c.Create(want);
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n2"}; }));
  c.SetAllReady(*ds);
  REQUIRE(Eventually([&] { return c.Get("agent")->status().number_available() == 2; }));

  c.Patch("agent",
          R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}}})");
  // One node gets a second, new pod; its old pod stays while the new one is not available.
  REQUIRE(Eventually([&] { return c.OwnedPods(*ds).size() == 3; }));
  auto by_node = c.PodsByNode(*ds);
  CHECK(by_node.size() == 2);
  CHECK(Eventually([&] { return c.Get("agent")->status().observed_generation() == 2; }));
  CHECK(c.OwnedPods(*ds).size() == 3);

  // New pods become ready: each old pod goes after its replacement is available.
  CHECK(Eventually([&] {
    c.SetAllReady(*ds);
    auto pods = c.OwnedPods(*ds);
    return pods.size() == 2 && std::all_of(pods.begin(), pods.end(), [](const Ptr<Pod>& p) {
             return p->spec().containers(0).image() == "busybox:2";
           });
  }));
  CHECK(c.TargetNodes(*ds) == Nodes{"n1", "n2"});
  CHECK(Eventually([&] { return c.Get("agent")->status().updated_number_scheduled() == 2; }));
}

TEST_CASE("OnDelete leaves old pods until they are deleted") {
  Cluster c;
  c.AddNode(MakeNode("n1"));
  c.StartControllers();
  DaemonSet want = MakeDaemonSet("agent");
  want.mutable_spec()->mutable_update_strategy()->set_type("OnDelete");
  auto ds = c.Create(want);
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1"}; }));
  std::string old = c.OwnedPods(*ds)[0]->metadata().name();
  c.Patch("agent",
          R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}}})");
  REQUIRE(Eventually([&] { return c.Get("agent")->status().observed_generation() == 2; }));
  CHECK(c.Get("agent")->status().updated_number_scheduled() == 0);
  CHECK(c.OwnedPods(*ds)[0]->metadata().name() == old);
  REQUIRE(c.Pods().Delete(old).ok());
  CHECK(Eventually([&] {
    auto pods = c.OwnedPods(*ds);
    return pods.size() == 1 && pods[0]->spec().containers(0).image() == "busybox:2";
  }));
  CHECK(Eventually([&] { return c.Get("agent")->status().updated_number_scheduled() == 1; }));
}

TEST_CASE("the pods of a deleted DaemonSet are not recreated") {
  Cluster c;
  c.AddNode(MakeNode("n1"));
  c.AddNode(MakeNode("n2"));
  c.StartControllers({"daemonset", "garbagecollector"});
  auto ds = c.Create(MakeDaemonSet("agent"));
  REQUIRE(Eventually([&] { return c.TargetNodes(*ds) == Nodes{"n1", "n2"}; }));
  REQUIRE(c.DaemonSets().Delete("agent").ok());
  auto no_pods = [&] {
    auto list = c.Pods().List();
    return list.ok() && list->items.empty();
  };
  CHECK(Eventually(no_pods));
  // Nothing comes back in the next half second.
  CHECK_FALSE(Eventually([&] { return !no_pods(); }, std::chrono::milliseconds(500)));
}

TEST_CASE("a DaemonSet made again after an orphaning delete adopts its pods and revision") {
  Cluster c;
  c.AddNode(MakeNode("n1"));
  c.AddNode(MakeNode("n2"));
  c.StartControllers({"daemonset", "garbagecollector"});
  auto first = c.Create(MakeDaemonSet("agent"));
  REQUIRE(Eventually([&] { return c.TargetNodes(*first) == Nodes{"n1", "n2"}; }));
  REQUIRE(Eventually([&] { return c.Revisions().size() == 1; }));
  auto names = [&](const DaemonSet& ds) {
    std::set<std::string> out;
    for (const auto& p : c.OwnedPods(ds)) out.insert(p->metadata().name());
    return out;
  };
  std::set<std::string> pods = names(*first);
  std::string revision = c.Revisions()[0]->metadata().name();

  client::DeleteOptions orphan;
  orphan.propagation_policy = "Orphan";
  REQUIRE(c.DaemonSets().Delete("agent", orphan).ok());
  REQUIRE(Eventually([&] {
    auto list = c.Pods().List();
    if (!list.ok() || list->items.size() != 2) return false;
    for (const auto& p : list->items) {
      if (p->metadata().owner_references_size() != 0) return false;
    }
    return !c.DaemonSets().Get("agent").ok();
  }));

  auto second = c.Create(MakeDaemonSet("agent"));
  CHECK(Eventually([&] { return names(*second) == pods; }));
  CHECK(Eventually([&] {
    auto revisions = c.Revisions();
    if (revisions.size() != 1 || revisions[0]->metadata().name() != revision) return false;
    const auto& refs = revisions[0]->metadata().owner_references();
    return refs.size() == 1 && refs[0].uid() == second->metadata().uid() && refs[0].controller();
  }));
  CHECK(Eventually([&] {
    const auto s = c.Get("agent")->status();
    return s.current_number_scheduled() == 2 && s.updated_number_scheduled() == 2;
  }));
  CHECK(c.EventMessages("agent", "SuccessfulCreate").size() == 2);  // the first DaemonSet's
}

}  // namespace
}  // namespace pk::controllers
