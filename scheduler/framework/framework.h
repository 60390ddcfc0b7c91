// Framework: one profile's plugins, instantiated and ordered per extension point, and the
// code that runs each extension point (framework/runtime/framework.go). It is the Handle the
// profile's plugins see; what only the scheduler can do (the cycle's snapshot, nominated pods,
// API actions) it forwards to the Services the scheduler gives it.
//
// Plugin resolution, as Kubernetes: the default multiPoint plugins, merged with the profile's
// multiPoint (disabled ones dropped, "*" drops all, re-enabled ones replaced in place, new
// ones appended); each multiPoint plugin is then enabled at every extension point it
// implements unless disabled there; plugins listed at a specific point take precedence
// (first, in their order, with their weight). Score weights default to 1.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scheduler/config/config.h"
#include "scheduler/framework/interface.h"
#include "scheduler/framework/registry.h"

namespace pk::scheduler {

// What the framework needs from the scheduler around it.
class Services {
 public:
  virtual ~Services() = default;
  virtual const Snapshot& snapshot() const = 0;
  virtual Parallelizer& parallelizer() = 0;
  virtual std::vector<PodInfoPtr> NominatedPodsFor(const std::string& node) const = 0;
  virtual LabelSelector DefaultSelectorFor(const Pod& pod) const { return LabelSelector(); }
  virtual Status Evict(const Pod& victim, const Pod& preemptor, const std::string& node) = 0;
  virtual Status BindPod(const Pod& pod, const std::string& node,
                         const std::map<std::string, std::string>& annotations) = 0;
};

// The weighted, normalized scores of the nodes that passed Filter.
struct ScoreTable {
  std::vector<std::string> plugins;          // score plugins, in order
  std::vector<int64_t> weights;              // by plugin
  std::vector<std::vector<int64_t>> scores;  // [node][plugin]: normalized, before weight
  std::vector<int64_t> totals;               // [node]: sum of weight * score
};

class Framework final : public Handle {
 public:
  static Result<std::unique_ptr<Framework>> New(const Profile& profile,
                                                const PluginRegistry& registry, Services* services);

  const std::string& scheduler_name() const { return profile_.scheduler_name; }
  // The profile's percentageOfNodesToScore; nullopt: the global one.
  std::optional<int32_t> percentage_of_nodes_to_score() const {
    return profile_.percentage_of_nodes_to_score;
  }
  // The plugin names enabled at `point`, in order (for logs and tests).
  std::vector<std::string> PluginsAt(ExtensionPoint point) const;

  bool QueueLess(const QueuedPodInfo& a, const QueuedPodInfo& b) const;
  PluginStatus RunPreEnqueuePlugins(const Pod& pod) const;
  // Merges the plugins' node narrowing; a rejection ends the run (status names the plugin).
  PluginStatus RunPreFilterPlugins(CycleState& state, const Pod& pod, PreFilterResult* result);
  bool HasFilterPlugins() const { return !filter_.empty(); }
  // With nominated pods of equal or higher priority counted on `node` (Kubernetes'
  // RunFilterPluginsWithNominatedPods).
  PluginStatus RunFilterPluginsWithNominatedPods(const CycleState& state, const Pod& pod,
                                                 const NodeInfo& node) const;
  PluginStatus RunPostFilterPlugins(CycleState& state, const Pod& pod, const NodeToStatus& statuses,
                                    PostFilterResult* result);
  PluginStatus RunPreScorePlugins(CycleState& state, const Pod& pod,
                                  const std::vector<const NodeInfo*>& nodes);
  PluginStatus RunScorePlugins(const CycleState& state, const Pod& pod,
                               const std::vector<const NodeInfo*>& nodes, ScoreTable* table);
  PluginStatus RunReservePlugins(CycleState& state, const Pod& pod, const std::string& node);
  void RunUnreservePlugins(CycleState& state, const Pod& pod, const std::string& node);
  // Wait is treated as success after the longest timeout asked for elapses is not
  // supported: a Wait is a rejection here (no in-tree plugin waits).
  PluginStatus RunPermitPlugins(CycleState& state, const Pod& pod, const std::string& node);
  PluginStatus RunPreBindPlugins(CycleState& state, const Pod& pod, const std::string& node);
  PluginStatus RunBindPlugins(CycleState& state, const Pod& pod, const std::string& node);
  void RunPostBindPlugins(CycleState& state, const Pod& pod, const std::string& node);

  // Handle.
  const Snapshot& snapshot() const override { return services_->snapshot(); }
  Parallelizer& parallelizer() override { return services_->parallelizer(); }
  PluginStatus RunFilterPlugins(const CycleState& state, const Pod& pod,
                                const NodeInfo& node) const override;
  PluginStatus RunPreFilterAddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                                  const NodeInfo& node) const override;
  PluginStatus RunPreFilterRemovePod(CycleState& state, const Pod& pod, const PodInfo& removed,
                                     const NodeInfo& node) const override;
  std::vector<PodInfoPtr> NominatedPodsFor(const std::string& node) const override {
    return services_->NominatedPodsFor(node);
  }
  LabelSelector DefaultSelectorFor(const Pod& pod) const override {
    return services_->DefaultSelectorFor(pod);
  }
  Status Evict(const Pod& victim, const Pod& preemptor, const std::string& node) override {
    return services_->Evict(victim, preemptor, node);
  }
  Status BindPod(const Pod& pod, const std::string& node,
                 const std::map<std::string, std::string>& annotations) override {
    return services_->BindPod(pod, node, annotations);
  }

 private:
  Framework(Profile profile, Services* services)
      : profile_(std::move(profile)), services_(services) {}
  Status Build(const PluginRegistry& registry);

  template <class P>
  struct Enabled {
    P* plugin;
    std::string name;
    int64_t weight;
  };

  const Profile profile_;
  Services* const services_;
  std::vector<std::unique_ptr<Plugin>> owned_;
  std::map<ExtensionPoint, std::vector<std::string>> names_;
  std::vector<Enabled<PreEnqueuePlugin>> pre_enqueue_;
  const QueueSortPlugin* queue_sort_ = nullptr;
  std::vector<Enabled<PreFilterPlugin>> pre_filter_;
  std::vector<Enabled<FilterPlugin>> filter_;
  std::vector<Enabled<PostFilterPlugin>> post_filter_;
  std::vector<Enabled<PreScorePlugin>> pre_score_;
  std::vector<Enabled<ScorePlugin>> score_;
  std::vector<Enabled<ReservePlugin>> reserve_;
  std::vector<Enabled<PermitPlugin>> permit_;
  std::vector<Enabled<PreBindPlugin>> pre_bind_;
  std::vector<Enabled<BindPlugin>> bind_;
  std::vector<Enabled<PostBindPlugin>> post_bind_;
};

}  // namespace pk::scheduler
