// The StatefulSet controller against an in-process apiserver. No kubelet: the tests mark pods
// Running and Ready with status patches, and bind pods to a node to make their deletion
// graceful (a pod that stays terminating, as while its kubelet stops it).
#include "controller-manager/statefulset/statefulset_controller.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

#include "apimachinery/time.h"
#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "controller-manager/statefulset/history.h"
#include "controller-manager/statefulset/statefulset_utils.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/binding.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using client::Ptr;
using k8s::apps::v1::ControllerRevision;
using k8s::apps::v1::StatefulSet;
using k8s::core::v1::Pod;
using pk::testing::Eventually;

constexpr char kMergePatch[] = "application/merge-patch+json";

StatefulSet MakeSet(const std::string& name, int replicas, const std::string& policy = "") {
  StatefulSet set;
  set.mutable_metadata()->set_name(name);
  set.mutable_metadata()->set_namespace_("default");
  set.mutable_spec()->set_replicas(replicas);
  set.mutable_spec()->set_service_name(name + "-svc");
  set.mutable_spec()->set_pod_management_policy(policy);
  (*set.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = name;
  auto* t = set.mutable_spec()->mutable_template_();
  (*t->mutable_metadata()->mutable_labels())["app"] = name;
  auto* c = t->mutable_spec()->add_containers();
  c->set_name("c");
  c->set_image("busybox:1");
  return set;
}

struct Cluster {
  Cluster() {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"statefulset"};
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }
  ~Cluster() { manager.reset(); }  // the controller stops before the apiserver

  client::TypedClient<StatefulSet> Sets() const { return cs.Resource<StatefulSet>("default"); }
  client::TypedClient<Pod> Pods() const { return cs.Pods("default"); }

  Ptr<StatefulSet> Create(const StatefulSet& set) const {
    auto created = Sets().Create(set);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
    return *created;
  }
  Ptr<StatefulSet> Get(const std::string& name) const {
    auto set = Sets().Get(name);
    REQUIRE_MESSAGE(set.ok(), set.status().message());
    return *set;
  }
  void PatchSet(const std::string& name, const std::string& patch) const {
    auto patched = Sets().Patch(name, kMergePatch, patch);
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  void Scale(const std::string& name, int replicas) const {
    PatchSet(name, fmt::format(R"({{"spec":{{"replicas":{}}}}})", replicas));
  }
  void SetImage(const std::string& name, const std::string& image) const {
    PatchSet(name, fmt::format(R"({{"spec":{{"template":{{"spec":{{"containers":[)"
                               R"({{"name":"c","image":"{}"}}]}}}}}}}})",
                               image));
  }

  Ptr<Pod> GetPod(const std::string& name) const {
    auto pod = Pods().Get(name);
    return pod.ok() ? *pod : nullptr;
  }
  bool Exists(const std::string& name) const { return GetPod(name) != nullptr; }
  // The names of the pods labelled app=`app`.
  std::set<std::string> Names(const std::string& app) const {
    client::ListOptions options;
    options.label_selector = "app=" + app;
    auto list = Pods().List(options);
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::set<std::string> out;
    for (const auto& p : list->items) out.insert(p->metadata().name());
    return out;
  }

  // Phase Running and Ready since now.
  void SetReady(const std::string& pod) const {
    auto patched = Pods().PatchStatus(
        pod, kMergePatch,
        fmt::format(R"({{"status":{{"phase":"Running","conditions":[{{"type":"Ready",)"
                    R"("status":"True","lastTransitionTime":"{}"}}]}}}})",
                    FormatRfc3339(NowTimestamp().seconds)));
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  // Waits for pod `name` (a new one when `old_uid` is given) and makes it Running and Ready.
  void ReadyWhenCreated(const std::string& name, const std::string& old_uid = "") const {
    REQUIRE_MESSAGE(Eventually([&] {
                      auto pod = GetPod(name);
                      return pod != nullptr && pod->metadata().uid() != old_uid &&
                             !pod->metadata().has_deletion_timestamp();
                    }),
                    name);
    SetReady(name);
  }
  void Bind(const std::string& pod, const std::string& node) const {
    k8s::core::v1::Binding binding;
    binding.mutable_metadata()->set_name(pod);
    binding.mutable_metadata()->set_namespace_("default");
    binding.mutable_target()->set_kind("Node");
    binding.mutable_target()->set_name(node);
    Status s = Pods().CreateSubresource(pod, "binding", binding);
    REQUIRE_MESSAGE(s.ok(), s.message());
  }

  // The messages of the Events with `reason` about StatefulSet `name`, once per occurrence.
  std::multiset<std::string> EventMessages(const std::string& name,
                                           const std::string& reason) const {
    auto list = cs.Events("default").List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    std::multiset<std::string> out;
    for (const auto& e : list->items) {
      if (e->involved_object().kind() == "StatefulSet" && e->involved_object().name() == name &&
          e->reason() == reason) {
        CHECK(e->source().component() == "statefulset-controller");
        // Repeats of one Event are counted on it.
        for (int i = 0; i < std::max(1, e->count()); ++i) out.insert(e->message());
      }
    }
    return out;
  }
  std::vector<Ptr<ControllerRevision>> Revisions() const {
    auto list = cs.Resource<ControllerRevision>("default").List();
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    return list->items;
  }

  // kubectl's StatefulSetStatusViewer: whether `rollout status` would say it is done.
  bool RolloutComplete(const std::string& name) const {
    auto set = Get(name);
    const auto& s = set->status();
    if (s.observed_generation() == 0 || set->metadata().generation() > s.observed_generation()) {
      return false;
    }
    if (s.ready_replicas() < set->spec().replicas()) return false;
    const auto& strategy = set->spec().update_strategy();
    if (strategy.has_rolling_update() && strategy.rolling_update().partition() > 0) {
      return s.updated_replicas() >= set->spec().replicas() - strategy.rolling_update().partition();
    }
    return s.update_revision() == s.current_revision();
  }

  client::testing::TestApiServer server;
  client::Clientset cs = server.NewClientset();
  std::unique_ptr<ControllerManager> manager;
};

std::string Revision(const Pod& pod) { return statefulset::GetPodRevision(pod); }

// Waits until pods NAME-0..NAME-(n-1) exist, readying each as the ordered policy asks.
void CreateReady(Cluster& c, const std::string& name, int n) {
  for (int i = 0; i < n; ++i) c.ReadyWhenCreated(fmt::format("{}-{}", name, i));
  REQUIRE(Eventually([&] { return c.Get(name)->status().ready_replicas() == n; }));
}

TEST_CASE("OrderedReady creates web-0, and web-1 only once web-0 is Running and Ready") {
  Cluster c;
  auto set = c.Create(MakeSet("web", 3));
  REQUIRE(Eventually([&] { return c.Exists("web-0"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(c.Exists("web-1"));
  auto pod = c.GetPod("web-0");
  const auto& meta = pod->metadata();
  CHECK(meta.labels().at("app") == "web");
  CHECK(meta.labels().at("statefulset.kubernetes.io/pod-name") == "web-0");
  CHECK(meta.labels().at("apps.kubernetes.io/pod-index") == "0");
  CHECK(meta.labels().at("controller-revision-hash") == c.Get("web")->status().update_revision());
  CHECK(meta.generate_name().empty());
  CHECK(pod->spec().hostname() == "web-0");
  CHECK(pod->spec().subdomain() == "web-svc");
  REQUIRE(meta.owner_references_size() == 1);
  const auto& ref = meta.owner_references(0);
  CHECK((ref.api_version() == "apps/v1" && ref.kind() == "StatefulSet" && ref.name() == "web" &&
         ref.uid() == set->metadata().uid() && ref.controller() && ref.block_owner_deletion()));

  c.SetReady("web-0");
  REQUIRE(Eventually([&] { return c.Exists("web-1"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(c.Exists("web-2"));
  c.SetReady("web-1");
  c.ReadyWhenCreated("web-2");
  CHECK(Eventually([&] { return c.RolloutComplete("web"); }));
  auto s = c.Get("web")->status();
  CHECK(s.replicas() == 3);
  CHECK(s.ready_replicas() == 3);
  CHECK(s.available_replicas() == 3);
  CHECK(s.current_replicas() == 3);
  CHECK(s.updated_replicas() == 3);
  CHECK(s.observed_generation() == 1);
  CHECK(s.has_collision_count());
  CHECK(s.collision_count() == 0);
  CHECK(!s.current_revision().empty());
  CHECK(s.current_revision() == s.update_revision());
  std::multiset<std::string> want;
  for (int i = 0; i < 3; ++i) {
    want.insert(fmt::format("create Pod web-{} in StatefulSet web successful", i));
  }
  CHECK(Eventually([&] { return c.EventMessages("web", "SuccessfulCreate") == want; }));

  // The revision: web-HASH, owned, numbered 1, the template as a replace patch.
  auto revisions = c.Revisions();
  REQUIRE(revisions.size() == 1);
  const auto& rev = *revisions[0];
  CHECK(rev.metadata().name() == s.current_revision());
  CHECK(rev.metadata().name() ==
        "web-" + rev.metadata().labels().at(statefulset::kControllerRevisionHashLabel));
  CHECK(rev.revision() == 1);
  CHECK(rev.metadata().labels().at("app") == "web");
  REQUIRE(rev.metadata().owner_references_size() == 1);
  CHECK(rev.metadata().owner_references(0).uid() == set->metadata().uid());
  CHECK(rev.data().raw().find(R"("$patch":"replace")") != std::string::npos);
}

TEST_CASE("scale down removes the highest ordinal first, one at a time") {
  Cluster c;
  c.Create(MakeSet("db", 3));
  CreateReady(c, "db", 3);
  // Bound pods are deleted gracefully: each stays terminating until forced.
  for (int i = 0; i < 3; ++i) c.Bind(fmt::format("db-{}", i), "node-a");
  c.Scale("db", 1);
  REQUIRE(Eventually([&] {
    auto pod = c.GetPod("db-2");
    return pod != nullptr && pod->metadata().has_deletion_timestamp();
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(c.GetPod("db-1")->metadata().has_deletion_timestamp());  // waits for db-2 to go
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  REQUIRE(c.Pods().Delete("db-2", now).ok());
  REQUIRE(Eventually([&] {
    auto pod = c.GetPod("db-1");
    return pod != nullptr && pod->metadata().has_deletion_timestamp();
  }));
  CHECK_FALSE(c.GetPod("db-0")->metadata().has_deletion_timestamp());
  REQUIRE(c.Pods().Delete("db-1", now).ok());
  CHECK(Eventually([&] {
    auto s = c.Get("db")->status();
    return s.replicas() == 1 && s.ready_replicas() == 1 && s.observed_generation() == 2;
  }));
  CHECK(c.Names("db") == std::set<std::string>{"db-0"});
  std::multiset<std::string> want = {"delete Pod db-1 in StatefulSet db successful",
                                     "delete Pod db-2 in StatefulSet db successful"};
  CHECK(Eventually([&] { return c.EventMessages("db", "SuccessfulDelete") == want; }));
}

TEST_CASE("Parallel creates and deletes all at once") {
  Cluster c;
  c.Create(MakeSet("par", 4, "Parallel"));
  // Nobody is Ready, yet every pod is made.
  CHECK(Eventually([&] { return c.Names("par").size() == 4; }));
  CHECK(c.Names("par") == std::set<std::string>{"par-0", "par-1", "par-2", "par-3"});
  CHECK(Eventually([&] { return c.Get("par")->status().replicas() == 4; }));
  CHECK(c.Get("par")->status().ready_replicas() == 0);
  c.Scale("par", 1);
  CHECK(Eventually([&] { return c.Names("par") == std::set<std::string>{"par-0"}; }));
}

TEST_CASE("a deleted or failed pod is recreated under the same name") {
  Cluster c;
  c.Create(MakeSet("heal", 2));
  CreateReady(c, "heal", 2);
  std::string uid = c.GetPod("heal-1")->metadata().uid();
  REQUIRE(c.Pods().Delete("heal-1").ok());
  CHECK(Eventually([&] {
    auto pod = c.GetPod("heal-1");
    return pod != nullptr && pod->metadata().uid() != uid;
  }));
  // A pod being deleted is waited for: heal-1 is bound, so its deletion is graceful.
  c.ReadyWhenCreated("heal-1", uid);
  c.Bind("heal-1", "node-a");
  uid = c.GetPod("heal-1")->metadata().uid();
  REQUIRE(c.Pods().Delete("heal-1").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  REQUIRE(c.GetPod("heal-1") != nullptr);
  CHECK(c.GetPod("heal-1")->metadata().uid() == uid);
  CHECK(c.GetPod("heal-1")->metadata().has_deletion_timestamp());
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  REQUIRE(c.Pods().Delete("heal-1", now).ok());
  c.ReadyWhenCreated("heal-1", uid);
  // A Failed pod is deleted and made again.
  uid = c.GetPod("heal-0")->metadata().uid();
  REQUIRE(c.Pods().PatchStatus("heal-0", kMergePatch, R"({"status":{"phase":"Failed"}})").ok());
  CHECK(Eventually([&] {
    auto pod = c.GetPod("heal-0");
    return pod != nullptr && pod->metadata().uid() != uid;
  }));
  CHECK(Eventually([&] { return c.EventMessages("heal", "SuccessfulCreate").size() == 5; }));
  CHECK(c.EventMessages("heal", "SuccessfulDelete") ==
        std::multiset<std::string>{"delete Pod heal-0 in StatefulSet heal successful"});
}

TEST_CASE("RollingUpdate replaces pods from the highest ordinal down to the partition") {
  Cluster c;
  auto set = MakeSet("roll", 3);
  set.mutable_spec()->mutable_update_strategy()->set_type("RollingUpdate");
  set.mutable_spec()->mutable_update_strategy()->mutable_rolling_update()->set_partition(1);
  c.Create(set);
  CreateReady(c, "roll", 3);
  REQUIRE(Eventually([&] { return c.RolloutComplete("roll"); }));
  std::string old_rev = c.Get("roll")->status().current_revision();
  std::map<std::string, std::string> uids;
  for (int i = 0; i < 3; ++i) {
    std::string name = fmt::format("roll-{}", i);
    uids[name] = c.GetPod(name)->metadata().uid();
  }

  c.SetImage("roll", "busybox:2");
  // roll-2 goes first and comes back at the new revision; roll-1 waits for it to be Ready.
  REQUIRE(Eventually([&] {
    auto pod = c.GetPod("roll-2");
    return pod != nullptr && pod->metadata().uid() != uids["roll-2"];
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.GetPod("roll-1")->metadata().uid() == uids["roll-1"]);
  CHECK(c.GetPod("roll-1")->metadata().deletion_timestamp().seconds() == 0);
  c.SetReady("roll-2");
  std::string new_rev = c.Get("roll")->status().update_revision();
  CHECK(new_rev != old_rev);
  CHECK(Revision(*c.GetPod("roll-2")) == new_rev);
  CHECK(c.GetPod("roll-2")->spec().containers(0).image() == "busybox:2");
  c.ReadyWhenCreated("roll-1", uids["roll-1"]);
  CHECK(Revision(*c.GetPod("roll-1")) == new_rev);
  // The partition keeps roll-0 at the old revision.
  CHECK(Eventually([&] {
    auto s = c.Get("roll")->status();
    return s.updated_replicas() == 2 && s.current_replicas() == 1 && s.ready_replicas() == 3;
  }));
  CHECK(c.RolloutComplete("roll"));  // "partitioned roll out complete"
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.GetPod("roll-0")->metadata().uid() == uids["roll-0"]);
  CHECK(Revision(*c.GetPod("roll-0")) == old_rev);
  auto s = c.Get("roll")->status();
  CHECK(s.current_revision() == old_rev);
  CHECK(s.update_revision() == new_rev);

  // Partition 0 finishes it: the update revision becomes the current one.
  c.PatchSet("roll", R"({"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}})");
  c.ReadyWhenCreated("roll-0", uids["roll-0"]);
  CHECK(Eventually([&] { return c.RolloutComplete("roll"); }));
  s = c.Get("roll")->status();
  CHECK(s.current_revision() == new_rev);
  CHECK(s.update_revision() == new_rev);
  CHECK(s.current_replicas() == 3);
  CHECK(s.updated_replicas() == 3);
  CHECK(c.Revisions().size() == 2);
  std::multiset<std::string> deleted;
  for (int i = 0; i < 3; ++i) {
    deleted.insert(fmt::format("delete Pod roll-{} in StatefulSet roll successful", i));
  }
  CHECK(Eventually([&] { return c.EventMessages("roll", "SuccessfulDelete") == deleted; }));

  // Back to the first template: its revision is reused, renumbered as the newest.
  c.SetImage("roll", "busybox:1");
  CHECK(Eventually([&] { return c.Get("roll")->status().update_revision() == old_rev; }));
  CHECK(c.Revisions().size() == 2);
  for (const auto& r : c.Revisions()) {
    if (r->metadata().name() == old_rev) CHECK(r->revision() == 3);
  }
}

TEST_CASE("OnDelete updates a pod only when it is deleted") {
  Cluster c;
  auto set = MakeSet("ondel", 2);
  set.mutable_spec()->mutable_update_strategy()->set_type("OnDelete");
  c.Create(set);
  CreateReady(c, "ondel", 2);
  std::string old_rev = c.Get("ondel")->status().current_revision();
  c.SetImage("ondel", "busybox:2");
  REQUIRE(Eventually([&] { return c.Get("ondel")->status().update_revision() != old_rev; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(Revision(*c.GetPod("ondel-1")) == old_rev);
  CHECK(Revision(*c.GetPod("ondel-0")) == old_rev);
  std::string uid = c.GetPod("ondel-1")->metadata().uid();
  REQUIRE(c.Pods().Delete("ondel-1").ok());
  c.ReadyWhenCreated("ondel-1", uid);
  std::string new_rev = c.Get("ondel")->status().update_revision();
  CHECK(Revision(*c.GetPod("ondel-1")) == new_rev);
  CHECK(Eventually([&] {
    auto s = c.Get("ondel")->status();
    return s.updated_replicas() == 1 && s.current_replicas() == 1;
  }));
}

TEST_CASE("revisions no pod uses go beyond revisionHistoryLimit") {
  Cluster c;
  auto set = MakeSet("hist", 1);
  set.mutable_spec()->set_revision_history_limit(0);
  c.Create(set);
  CreateReady(c, "hist", 1);
  std::string uid = c.GetPod("hist-0")->metadata().uid();
  c.SetImage("hist", "busybox:2");
  c.ReadyWhenCreated("hist-0", uid);
  CHECK(Eventually([&] { return c.RolloutComplete("hist"); }));
  std::string rev = c.Get("hist")->status().current_revision();
  CHECK(Eventually([&] {
    auto revisions = c.Revisions();
    return revisions.size() == 1 && revisions[0]->metadata().name() == rev;
  }));
}

TEST_CASE("spec.ordinals.start numbers the pods from there") {
  Cluster c;
  auto set = MakeSet("ord", 2, "Parallel");
  set.mutable_spec()->mutable_ordinals()->set_start(5);
  c.Create(set);
  CHECK(Eventually([&] { return c.Names("ord") == std::set<std::string>{"ord-5", "ord-6"}; }));
  CHECK(c.GetPod("ord-6")->metadata().labels().at("apps.kubernetes.io/pod-index") == "6");
}

TEST_CASE("a matching orphan named as a member is adopted; one named otherwise is not") {
  Cluster c;
  for (const std::string name : {"adopt-0", "stranger"}) {
    auto orphan = client::testing::MakePod(name);
    (*orphan.mutable_metadata()->mutable_labels())["app"] = "adopt";
    REQUIRE(c.Pods().Create(orphan).ok());
  }
  c.SetReady("adopt-0");
  auto set = c.Create(MakeSet("adopt", 2));
  CHECK(Eventually([&] {
    auto pod = c.GetPod("adopt-0");
    return pod->metadata().owner_references_size() == 1 &&
           pod->metadata().owner_references(0).uid() == set->metadata().uid();
  }));
  CHECK(Eventually([&] { return c.Exists("adopt-1"); }));
  CHECK(c.GetPod("stranger")->metadata().owner_references_size() == 0);
  // The adopted pod got its identity labels; only adopt-1 was created.
  CHECK(Eventually([&] {
    auto labels = c.GetPod("adopt-0")->metadata().labels();
    return labels.count("statefulset.kubernetes.io/pod-name") == 1;
  }));
  CHECK(Eventually([&] { return c.EventMessages("adopt", "SuccessfulCreate").size() == 1; }));
  CHECK(c.EventMessages("adopt", "SuccessfulUpdate") ==
        std::multiset<std::string>{"update Pod adopt-0 in StatefulSet adopt successful"});
}

TEST_CASE("availableReplicas waits for minReadySeconds") {
  Cluster c;
  auto set = MakeSet("slow", 1);
  set.mutable_spec()->set_min_ready_seconds(2);
  c.Create(set);
  auto readied = std::chrono::steady_clock::now();
  c.ReadyWhenCreated("slow-0");
  REQUIRE(Eventually([&] { return c.Get("slow")->status().ready_replicas() == 1; }));
  if (std::chrono::steady_clock::now() - readied < std::chrono::seconds(1)) {
    CHECK(c.Get("slow")->status().available_replicas() == 0);
  }
  CHECK(Eventually([&] { return c.Get("slow")->status().available_replicas() == 1; }));
}

TEST_CASE("revision names hash the data and the collision count") {
  ControllerRevision a, b;
  a.mutable_data()->set_raw(R"({"spec":{}})");
  b.mutable_data()->set_raw(R"({"spec": {}})");
  int32_t zero = 0, one = 1;
  std::string h0 = statefulset::HashControllerRevision(a, &zero);
  CHECK(h0 == statefulset::HashControllerRevision(a, &zero));
  CHECK(h0 != statefulset::HashControllerRevision(a, &one));
  CHECK(h0.find_first_not_of("bcdfghjklmnpqrstvwxz2456789") == std::string::npos);
  CHECK(statefulset::EqualRevision(a, b));  // the same JSON, spaced otherwise
  CHECK(statefulset::ControllerRevisionName(std::string(300, 'x'), "h").size() == 225);
  Pod pod;
  pod.mutable_metadata()->set_name("my-set-12");
  CHECK(statefulset::GetParentNameAndOrdinal(pod).parent == "my-set");
  CHECK(statefulset::GetOrdinal(pod) == 12);
  pod.mutable_metadata()->set_name("my-set-x");
  CHECK(statefulset::GetOrdinal(pod) == -1);
  pod.mutable_metadata()->set_name("web-99999999999");
  CHECK(statefulset::GetOrdinal(pod) == -1);
}

}  // namespace
}  // namespace pk::controllers
