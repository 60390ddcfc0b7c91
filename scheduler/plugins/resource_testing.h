// Test support for the resource plugins' tests (header-only): pods with per-container requests
// and nodes with allocatable amounts, as Kubernetes' st.MakePod().Req(...) / makeNode.
//
//   auto pod = PodBuilder().Container({{"cpu", "1000"}, {"memory", "2000"}}).Obj();
//   auto node = MakeNode("node1", {{"cpu", "4000"}, {"memory", "10000"}});
//   auto infos = NodeInfos({node}, {PodBuilder().Node("node1").Container({}).Obj()});
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins::fixtures {

using List = std::map<std::string, std::string>;  // resource name -> quantity

template <class MapT>
void SetList(MapT* out, const List& list) {
  for (const auto& [name, quantity] : list) (*out)[name].set_string(quantity);
}

class PodBuilder {
 public:
  PodBuilder() {
    static int counter = 0;
    std::string id = std::to_string(++counter);
    pod_->mutable_metadata()->set_name("pod-" + id);
    pod_->mutable_metadata()->set_namespace_("default");
    pod_->mutable_metadata()->set_uid("uid-" + id);
  }
  // A container requesting `requests` (a container without requests when empty).
  PodBuilder& Container(const List& requests, const std::string& image = "") {
    auto* c = pod_->mutable_spec()->add_containers();
    c->set_name("c" + std::to_string(pod_->spec().containers_size()));
    c->set_image(image);
    SetList(c->mutable_resources()->mutable_requests(), requests);
    return *this;
  }
  // An init container; `sidecar`: restartPolicy Always.
  PodBuilder& Init(const List& requests, bool sidecar = false, const std::string& image = "") {
    auto* c = pod_->mutable_spec()->add_init_containers();
    c->set_name("i" + std::to_string(pod_->spec().init_containers_size()));
    c->set_image(image);
    if (sidecar) c->set_restart_policy("Always");
    SetList(c->mutable_resources()->mutable_requests(), requests);
    return *this;
  }
  PodBuilder& Overhead(const List& overhead) {
    SetList(pod_->mutable_spec()->mutable_overhead(), overhead);
    return *this;
  }
  PodBuilder& Node(const std::string& node) {
    pod_->mutable_spec()->set_node_name(node);
    return *this;
  }
  PodPtr Obj() const { return pod_; }

 private:
  std::shared_ptr<Pod> pod_ = std::make_shared<Pod>();
};

// A node whose capacity and allocatable are `allocatable`.
inline NodePtr MakeNode(const std::string& name, const List& allocatable) {
  auto node = std::make_shared<Node>();
  node->mutable_metadata()->set_name(name);
  SetList(node->mutable_status()->mutable_allocatable(), allocatable);
  SetList(node->mutable_status()->mutable_capacity(), allocatable);
  return node;
}

// NodeInfos of `nodes`, each with the `pods` whose spec.nodeName names it.
inline std::vector<NodeInfoPtr> NodeInfos(const std::vector<NodePtr>& nodes,
                                          const std::vector<PodPtr>& pods = {}) {
  std::vector<NodeInfoPtr> out;
  for (const NodePtr& node : nodes) {
    auto info = std::make_shared<NodeInfo>(node);
    for (const PodPtr& pod : pods) {
      if (pod->spec().node_name() == node->metadata().name()) {
        info->AddPod(std::make_shared<PodInfo>(pod));
      }
    }
    out.push_back(info);
  }
  return out;
}

// The scores of `nodes` for `pod`, running PreScore first when `pre_score` is set; each Score
// must return `want`.
inline std::vector<int64_t> Scores(const ScorePlugin& plugin, PreScorePlugin* pre_score,
                                   const Pod& pod, const std::vector<NodeInfoPtr>& nodes,
                                   Code want = Code::kSuccess) {
  CycleState state;
  if (pre_score != nullptr) {
    std::vector<const NodeInfo*> raw;
    for (const auto& n : nodes) raw.push_back(n.get());
    PluginStatus s = pre_score->PreScore(state, pod, raw);
    REQUIRE_MESSAGE(s.ok(), s.Message());
  }
  std::vector<int64_t> out;
  for (const auto& n : nodes) {
    int64_t score = -1;
    PluginStatus s = plugin.Score(state, pod, *n, &score);
    CHECK_MESSAGE(s.code() == want, s.Message());
    out.push_back(score);
  }
  return out;
}

}  // namespace pk::scheduler::plugins::fixtures
