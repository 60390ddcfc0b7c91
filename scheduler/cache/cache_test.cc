#include "scheduler/cache/cache.h"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

namespace pk::scheduler {
namespace {

struct Image {
  std::vector<std::string> names;
  int64_t size = 0;
};

NodePtr MakeNode(const std::string& name, const std::vector<Image>& images = {},
                 std::map<std::string, std::string> labels = {}) {
  auto node = std::make_shared<Node>();
  node->mutable_metadata()->set_name(name);
  for (const auto& [k, v] : labels) (*node->mutable_metadata()->mutable_labels())[k] = v;
  for (const Image& image : images) {
    auto* out = node->mutable_status()->add_images();
    for (const auto& n : image.names) out->add_names(n);
    out->set_size_bytes(image.size);
  }
  return node;
}

PodPtr MakePod(const std::string& name, const std::string& node) {
  auto pod = std::make_shared<Pod>();
  pod->mutable_metadata()->set_name(name);
  pod->mutable_metadata()->set_namespace_("default");
  pod->mutable_metadata()->set_uid("uid-" + name);
  pod->mutable_spec()->set_node_name(node);
  return pod;
}

std::vector<std::string> Names(const Snapshot& snapshot) {
  std::vector<std::string> out;
  for (const auto& n : snapshot.nodes()) out.push_back(n->name());
  return out;
}

size_t PodsOn(const Snapshot& snapshot, const std::string& node) {
  const NodeInfo* info = snapshot.Get(node);
  REQUIRE(info != nullptr);
  return info->pods().size();
}

TEST_CASE("an assumed pod is confirmed by the informer's add") {
  Cache cache;
  cache.AddNode(MakeNode("n1"));
  cache.AddNode(MakeNode("n2"));
  PodPtr assumed = MakePod("p", "n1");
  REQUIRE(cache.AssumePod(assumed).ok());
  CHECK(cache.IsAssumed("uid-p"));
  CHECK(cache.PodCount() == 1);

  Status again = cache.AssumePod(assumed);
  CHECK(again.reason() == Reason::kAlreadyExists);
  CHECK(again.message() == "pods \"p\" already exists");

  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 1);

  PodPtr bound = MakePod("p", "n1");
  cache.AddPod(bound);
  CHECK_FALSE(cache.IsAssumed("uid-p"));
  CHECK(cache.PodCount() == 1);
  cache.UpdateSnapshot(&snapshot);
  REQUIRE(PodsOn(snapshot, "n1") == 1);
  CHECK(snapshot.Get("n1")->pods()[0]->pod == bound);  // the informer's object
  cache.ForgetPod("uid-p");                            // no-op once confirmed
  CHECK(cache.PodCount() == 1);
}

TEST_CASE("a confirmation naming another node moves the assumed pod") {
  Cache cache;
  cache.AddNode(MakeNode("n1"));
  cache.AddNode(MakeNode("n2"));
  REQUIRE(cache.AssumePod(MakePod("p", "n1")).ok());
  cache.AddPod(MakePod("p", "n2"));
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 0);
  CHECK(PodsOn(snapshot, "n2") == 1);
}

TEST_CASE("ForgetPod undoes AssumePod") {
  Cache cache;
  cache.AddNode(MakeNode("n1"));
  REQUIRE(cache.AssumePod(MakePod("p", "n1")).ok());
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 1);
  cache.ForgetPod("uid-p");
  CHECK_FALSE(cache.IsAssumed("uid-p"));
  CHECK(cache.PodCount() == 0);
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 0);
  cache.ForgetPod("uid-unknown");
  REQUIRE(cache.AssumePod(MakePod("p", "n1")).ok());  // may be assumed again
}

TEST_CASE("pods that arrive before their node are counted once it comes") {
  Cache cache;
  cache.AddPod(MakePod("early", "n1"));
  CHECK(cache.PodCount() == 1);
  CHECK(cache.NodeCount() == 0);
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.size() == 0);

  cache.AddNode(MakeNode("n1"));
  CHECK(cache.NodeCount() == 1);
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 1);
}

TEST_CASE("a removed node's pods stay until they are removed") {
  Cache cache;
  cache.AddNode(MakeNode("n1"));
  cache.AddNode(MakeNode("n2"));
  PodPtr p = MakePod("p", "n1");
  cache.AddPod(p);
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);

  cache.RemoveNode("n1");
  CHECK(cache.NodeCount() == 1);
  CHECK(cache.PodCount() == 1);
  cache.UpdateSnapshot(&snapshot);
  CHECK(Names(snapshot) == std::vector<std::string>{"n2"});
  CHECK(snapshot.Get("n1") == nullptr);

  cache.AddNode(MakeNode("n1"));  // back (e.g. a re-registered kubelet): the pod is there
  cache.UpdateSnapshot(&snapshot);
  CHECK(Names(snapshot) == std::vector<std::string>{"n2", "n1"});
  CHECK(PodsOn(snapshot, "n1") == 1);

  cache.RemoveNode("n1");
  cache.RemovePod(*p);
  CHECK(cache.PodCount() == 0);
  cache.AddNode(MakeNode("n1"));
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 0);
}

TEST_CASE("UpdatePod moves and replaces; RemovePod removes") {
  Cache cache;
  cache.AddNode(MakeNode("n1"));
  cache.AddNode(MakeNode("n2"));
  PodPtr p = MakePod("p", "n1");
  cache.AddPod(p);
  PodPtr moved = MakePod("p", "n2");
  cache.UpdatePod(p, moved);
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n1") == 0);
  REQUIRE(PodsOn(snapshot, "n2") == 1);
  CHECK(snapshot.Get("n2")->pods()[0]->pod == moved);
  CHECK(cache.PodCount() == 1);

  cache.RemovePod(*moved);
  CHECK(cache.PodCount() == 0);
  cache.UpdateSnapshot(&snapshot);
  CHECK(PodsOn(snapshot, "n2") == 0);
  cache.RemovePod(*moved);  // unknown: no-op
}

std::vector<int64_t> Generations(const Snapshot& snapshot) {
  std::vector<int64_t> out;
  for (const auto& n : snapshot.nodes()) out.push_back(n->generation());
  return out;
}

TEST_CASE("UpdateSnapshot copies only the changed NodeInfos, in insertion order") {
  Cache cache;
  for (const char* name : {"n1", "n2", "n3"}) cache.AddNode(MakeNode(name));
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(Names(snapshot) == std::vector<std::string>{"n1", "n2", "n3"});
  CHECK(snapshot.generation != 0);
  const std::vector<NodeInfoPtr> before = snapshot.nodes();
  const std::vector<int64_t> generations = Generations(snapshot);

  cache.UpdateSnapshot(&snapshot);  // nothing changed
  CHECK(snapshot.nodes() == before);
  CHECK(Generations(snapshot) == generations);

  // One node changes: its NodeInfo is overwritten in place, the others are left alone.
  cache.AddPod(MakePod("p", "n2"));
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.nodes() == before);
  std::vector<int64_t> now = Generations(snapshot);
  CHECK(now[0] == generations[0]);
  CHECK(now[1] != generations[1]);
  CHECK(now[2] == generations[2]);
  CHECK(PodsOn(snapshot, "n2") == 1);

  // Nodes come and go: the remaining NodeInfos are kept, the order stays.
  cache.RemoveNode("n1");
  cache.AddNode(MakeNode("n4"));
  cache.AddPod(MakePod("q", "n3"));
  cache.UpdateSnapshot(&snapshot);
  CHECK(Names(snapshot) == std::vector<std::string>{"n2", "n3", "n4"});
  CHECK(snapshot.nodes()[0] == before[1]);
  CHECK(snapshot.nodes()[1] == before[2]);
  CHECK(snapshot.nodes()[0]->generation() == now[1]);
  CHECK(PodsOn(snapshot, "n3") == 1);

  // A second snapshot is brought up to date from scratch.
  Snapshot other;
  cache.UpdateSnapshot(&other);
  CHECK(Names(other) == Names(snapshot));
  CHECK(Generations(other) == Generations(snapshot));
  CHECK(other.nodes()[0] != snapshot.nodes()[0]);
}

TEST_CASE("the snapshot's affinity lists follow its pods") {
  Cache cache;
  cache.AddNode(MakeNode("n1"));
  cache.AddNode(MakeNode("n2"));
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.have_pods_with_affinity().empty());

  auto pod = std::make_shared<Pod>(*MakePod("a", "n2"));
  auto* term = pod->mutable_spec()
                   ->mutable_affinity()
                   ->mutable_pod_anti_affinity()
                   ->add_required_during_scheduling_ignored_during_execution();
  term->set_topology_key("kubernetes.io/hostname");
  (*term->mutable_label_selector()->mutable_match_labels())["app"] = "a";
  cache.AddPod(pod);
  cache.UpdateSnapshot(&snapshot);
  REQUIRE(snapshot.have_pods_with_affinity().size() == 1);
  CHECK(snapshot.have_pods_with_affinity()[0]->name() == "n2");
  REQUIRE(snapshot.have_pods_with_required_anti_affinity().size() == 1);

  cache.RemovePod(*pod);
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.have_pods_with_affinity().empty());
  CHECK(snapshot.have_pods_with_required_anti_affinity().empty());
}

TEST_CASE("UpdateSnapshot with many nodes and one change") {
  Cache cache;
  constexpr int kNodes = 5000;
  for (int i = 0; i < kNodes; ++i) cache.AddNode(MakeNode("node-" + std::to_string(i)));
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  REQUIRE(snapshot.size() == kNodes);
  const std::vector<NodeInfoPtr> before = snapshot.nodes();
  const std::vector<int64_t> generations = Generations(snapshot);

  cache.AddPod(MakePod("p", "node-1234"));
  auto start = std::chrono::steady_clock::now();
  cache.UpdateSnapshot(&snapshot);
  auto took = std::chrono::steady_clock::now() - start;
  MESSAGE("UpdateSnapshot, 5000 nodes, one changed: "
          << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " us");
  CHECK(snapshot.nodes() == before);
  std::vector<int64_t> now = Generations(snapshot);
  int changed = 0;
  for (int i = 0; i < kNodes; ++i) changed += now[i] != generations[i];
  CHECK(changed == 1);
  CHECK(now[1234] != generations[1234]);
  CHECK(PodsOn(snapshot, "node-1234") == 1);
}

TEST_CASE("image states count the nodes having each image") {
  Cache cache;
  cache.AddNode(MakeNode("n1", {{{"nginx:1.25", "nginx@sha256:abc"}, 100}, {{"redis:7"}, 50}}));
  cache.AddNode(MakeNode("n2", {{{"nginx:1.25"}, 100}}));
  cache.AddNode(MakeNode("n3"));
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  const auto& n1 = snapshot.Get("n1")->image_states();
  REQUIRE(n1.size() == 3);
  CHECK(n1.at("nginx:1.25").num_nodes == 2);
  CHECK(n1.at("nginx:1.25").size == 100);
  CHECK(n1.at("nginx@sha256:abc").num_nodes == 1);
  CHECK(n1.at("redis:7").num_nodes == 1);
  CHECK(snapshot.Get("n2")->image_states().at("nginx:1.25").num_nodes == 2);
  CHECK(snapshot.Get("n3")->image_states().empty());
  NodeInfoPtr n3 = snapshot.nodes()[2];

  // n2 drops nginx: n1's count changes although n1 itself did not.
  cache.UpdateNode(MakeNode("n2"));
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.Get("n1")->image_states().at("nginx:1.25").num_nodes == 1);
  CHECK(snapshot.Get("n2")->image_states().empty());
  CHECK(snapshot.nodes()[2] == n3);

  cache.AddNode(MakeNode("n4", {{{"redis:7"}, 50}}));
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.Get("n1")->image_states().at("redis:7").num_nodes == 2);
  CHECK(snapshot.Get("n4")->image_states().at("redis:7").num_nodes == 2);

  cache.RemoveNode("n1");
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.Get("n4")->image_states().at("redis:7").num_nodes == 1);
}

TEST_CASE("namespace labels are copied into the snapshot") {
  Cache cache;
  cache.SetNamespace("team-a", {{"team", "a"}});
  Snapshot snapshot;
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.LabelsOfNamespace("team-a").at("team") == "a");
  cache.RemoveNamespace("team-a");
  cache.UpdateSnapshot(&snapshot);
  CHECK(snapshot.LabelsOfNamespace("team-a").empty());
}

}  // namespace
}  // namespace pk::scheduler
