// Test support for plugin tests (header-only, not used by the scheduler itself): pods and
// nodes from YAML, and a Handle over a fixed snapshot.
//
//   auto pod = testing::PodFromYaml(R"(
//     metadata: {name: p, namespace: default, uid: u1}
//     spec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]})");
//   auto node = testing::NodeFromYaml("metadata: {name: n1}\nstatus: {allocatable: {cpu: 2}}");
//   testing::FakeHandle handle({testing::NodeWithPods(node, {pod})});
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "apimachinery/codec.h"
#include "apimachinery/yaml.h"
#include "scheduler/framework/interface.h"
#include "scheduler/framework/parallelize.h"

namespace pk::scheduler::testing {

template <class T>
std::shared_ptr<const T> FromYaml(std::string_view yaml) {
  auto docs = YamlToJsonDocuments(yaml);
  REQUIRE_MESSAGE(docs.ok(), docs.status().ToString());
  REQUIRE(docs->size() == 1);
  auto out = std::make_shared<T>();
  json::DecodeReport report;
  Status s = json::DecodeValue((*docs)[0], out.get(), &report);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return out;
}
inline PodPtr PodFromYaml(std::string_view yaml) { return FromYaml<Pod>(yaml); }
inline NodePtr NodeFromYaml(std::string_view yaml) { return FromYaml<Node>(yaml); }

// A NodeInfo for `node` with `pods` on it.
inline NodeInfoPtr NodeWithPods(NodePtr node, const std::vector<PodPtr>& pods = {}) {
  auto info = std::make_shared<NodeInfo>(std::move(node));
  for (const auto& p : pods) info->AddPod(std::make_shared<PodInfo>(p));
  return info;
}

// A Handle over a fixed snapshot. RunFilterPlugins and the PreFilter extensions call the
// plugins in `filters`/`pre_filters` (set them for preemption tests); API actions are recorded.
class FakeHandle : public Handle {
 public:
  explicit FakeHandle(std::vector<NodeInfoPtr> nodes = {}, NamespaceLabels namespaces = {})
      : snapshot_(std::move(nodes), std::move(namespaces)), parallelizer_(2) {}

  const Snapshot& snapshot() const override { return snapshot_; }
  Snapshot& mutable_snapshot() { return snapshot_; }
  Parallelizer& parallelizer() override { return parallelizer_; }

  PluginStatus RunFilterPlugins(const CycleState& state, const Pod& pod,
                                const NodeInfo& node) const override {
    for (const FilterPlugin* f : filters) {
      if (state.skip_filter.count(std::string(f->Name()))) continue;
      PluginStatus s = f->Filter(state, pod, node);
      if (!s.ok()) return s.WithPlugin(std::string(f->Name()));
    }
    return {};
  }
  PluginStatus RunPreFilterAddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                                  const NodeInfo& node) const override {
    for (PreFilterPlugin* p : pre_filters) {
      PluginStatus s = p->AddPod(state, pod, added, node);
      if (!s.ok()) return s;
    }
    return {};
  }
  PluginStatus RunPreFilterRemovePod(CycleState& state, const Pod& pod, const PodInfo& removed,
                                     const NodeInfo& node) const override {
    for (PreFilterPlugin* p : pre_filters) {
      PluginStatus s = p->RemovePod(state, pod, removed, node);
      if (!s.ok()) return s;
    }
    return {};
  }
  std::vector<PodInfoPtr> NominatedPodsFor(const std::string& node) const override {
    auto it = nominated.find(node);
    return it == nominated.end() ? std::vector<PodInfoPtr>{} : it->second;
  }
  Status Evict(const Pod& victim, const Pod& preemptor, const std::string& node) override {
    evicted.push_back(victim.metadata().name());
    return {};
  }
  Status BindPod(const Pod& pod, const std::string& node,
                 const std::map<std::string, std::string>& annotations) override {
    bound.emplace_back(pod.metadata().name(), node);
    return {};
  }

  std::vector<const FilterPlugin*> filters;
  std::vector<PreFilterPlugin*> pre_filters;
  std::map<std::string, std::vector<PodInfoPtr>> nominated;
  std::vector<std::string> evicted;
  std::vector<std::pair<std::string, std::string>> bound;

 private:
  Snapshot snapshot_;
  Parallelizer parallelizer_;
};

}  // namespace pk::scheduler::testing
