#include "scheduler/framework/framework.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "scheduler/framework/parallelize.h"

namespace pk::scheduler {
namespace {

bool Has(const std::vector<PluginRef>& refs, const std::string& name) {
  return std::any_of(refs.begin(), refs.end(), [&](const PluginRef& r) { return r.name == name; });
}

const PluginSet& SetAt(const Profile& profile, ExtensionPoint point) {
  static const PluginSet kEmpty;
  auto it = profile.plugins.find(point);
  return it == profile.plugins.end() ? kEmpty : it->second;
}

// mergePluginSet: the defaults minus the disabled, re-configured ones replaced in place,
// then the custom ones that replaced nothing.
std::vector<PluginRef> MergeMultiPoint(const Profile& profile) {
  const PluginSet& custom = SetAt(profile, ExtensionPoint::kMultiPoint);
  bool all_disabled = Has(custom.disabled, "*");
  std::vector<PluginRef> out;
  std::set<std::string> replaced;
  for (const PluginRef& d : DefaultMultiPointPlugins()) {
    if (all_disabled || Has(custom.disabled, d.name)) continue;
    auto it = std::find_if(custom.enabled.begin(), custom.enabled.end(),
                           [&](const PluginRef& r) { return r.name == d.name; });
    if (it != custom.enabled.end()) {
      replaced.insert(d.name);
      out.push_back(*it);
    } else {
      out.push_back(d);
    }
  }
  for (const PluginRef& c : custom.enabled) {
    if (!replaced.count(c.name)) out.push_back(c);
  }
  return out;
}

template <class P>
bool Implements(const Plugin* plugin) {
  return dynamic_cast<const P*>(plugin) != nullptr;
}

bool ImplementsPoint(const Plugin* p, ExtensionPoint point) {
  switch (point) {
    case ExtensionPoint::kPreEnqueue:
      return Implements<PreEnqueuePlugin>(p);
    case ExtensionPoint::kQueueSort:
      return Implements<QueueSortPlugin>(p);
    case ExtensionPoint::kPreFilter:
      return Implements<PreFilterPlugin>(p);
    case ExtensionPoint::kFilter:
      return Implements<FilterPlugin>(p);
    case ExtensionPoint::kPostFilter:
      return Implements<PostFilterPlugin>(p);
    case ExtensionPoint::kPreScore:
      return Implements<PreScorePlugin>(p);
    case ExtensionPoint::kScore:
      return Implements<ScorePlugin>(p);
    case ExtensionPoint::kReserve:
      return Implements<ReservePlugin>(p);
    case ExtensionPoint::kPermit:
      return Implements<PermitPlugin>(p);
    case ExtensionPoint::kPreBind:
      return Implements<PreBindPlugin>(p);
    case ExtensionPoint::kBind:
      return Implements<BindPlugin>(p);
    case ExtensionPoint::kPostBind:
      return Implements<PostBindPlugin>(p);
    case ExtensionPoint::kMultiPoint:
      return false;
  }
  return false;
}

constexpr ExtensionPoint kPoints[] = {
    ExtensionPoint::kPreEnqueue, ExtensionPoint::kQueueSort,  ExtensionPoint::kPreFilter,
    ExtensionPoint::kFilter,     ExtensionPoint::kPostFilter, ExtensionPoint::kPreScore,
    ExtensionPoint::kScore,      ExtensionPoint::kReserve,    ExtensionPoint::kPermit,
    ExtensionPoint::kPreBind,    ExtensionPoint::kBind,       ExtensionPoint::kPostBind,
};

// expandMultiPointPlugins for one point: plugins named at the point that also come from
// multiPoint first (overrides), then the other multiPoint ones, then the rest of the point's.
std::vector<PluginRef> ResolvePoint(const Profile& profile, ExtensionPoint point,
                                    const std::vector<PluginRef>& multi_point,
                                    const std::map<std::string, Plugin*>& instances) {
  const PluginSet& set = SetAt(profile, point);
  if (Has(set.disabled, "*")) return set.enabled;
  std::vector<PluginRef> overrides, expanded, rest;
  for (const PluginRef& m : multi_point) {
    if (!ImplementsPoint(instances.at(m.name), point) || Has(set.disabled, m.name)) continue;
    if (Has(set.enabled, m.name)) {
      overrides.push_back(m);
    } else {
      expanded.push_back(m);
    }
  }
  std::vector<PluginRef> out;
  for (const PluginRef& e : set.enabled) {
    if (Has(overrides, e.name)) out.push_back(e);
  }
  for (const PluginRef& m : expanded) out.push_back(m);
  for (const PluginRef& e : set.enabled) {
    if (!Has(overrides, e.name)) rest.push_back(e);
  }
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

PluginStatus Named(PluginStatus s, std::string_view name) {
  if (s.plugin().empty()) s.WithPlugin(std::string(name));
  return s;
}

}  // namespace

Result<std::unique_ptr<Framework>> Framework::New(const Profile& profile,
                                                  const PluginRegistry& registry,
                                                  Services* services) {
  std::unique_ptr<Framework> f(new Framework(profile, services));
  Status s = f->Build(registry);
  if (!s.ok()) return s;
  return f;
}

Status Framework::Build(const PluginRegistry& registry) {
  std::vector<PluginRef> multi_point = MergeMultiPoint(profile_);
  std::map<std::string, Plugin*> instances;
  auto instantiate = [&](const std::string& name) -> Status {
    if (instances.count(name)) return {};
    const PluginFactory* factory = registry.Find(name);
    if (factory == nullptr) {
      return Status::BadRequest(fmt::format("profile \"{}\": plugin \"{}\" does not exist",
                                            profile_.scheduler_name, name));
    }
    auto it = profile_.plugin_config.find(name);
    auto plugin = (*factory)(it == profile_.plugin_config.end() ? YAML::Node() : it->second, *this);
    if (!plugin.ok()) {
      return plugin.take_status().Prefix(fmt::format("profile \"{}\"", profile_.scheduler_name));
    }
    instances[name] = plugin->get();
    owned_.push_back(std::move(plugin).value());
    return {};
  };
  for (const PluginRef& m : multi_point) PK_RETURN_IF_ERROR(instantiate(m.name));
  for (const auto& [point, set] : profile_.plugins) {
    for (const PluginRef& e : set.enabled) PK_RETURN_IF_ERROR(instantiate(e.name));
  }
  for (ExtensionPoint point : kPoints) {
    for (const PluginRef& ref : ResolvePoint(profile_, point, multi_point, instances)) {
      Plugin* p = instances.at(ref.name);
      if (!ImplementsPoint(p, point)) {
        return Status::BadRequest(fmt::format("profile \"{}\": plugin \"{}\" does not extend {}",
                                              profile_.scheduler_name, ref.name,
                                              ExtensionPointName(point)));
      }
      names_[point].push_back(ref.name);
      int64_t weight = ref.weight > 0 ? ref.weight : 1;
      auto add = [&](auto* list) {
        using E = typename std::remove_pointer_t<decltype(list)>::value_type;
        list->push_back(E{dynamic_cast<decltype(E::plugin)>(p), ref.name, weight});
      };
      switch (point) {
        case ExtensionPoint::kPreEnqueue:
          add(&pre_enqueue_);
          break;
        case ExtensionPoint::kQueueSort:
          if (queue_sort_ == nullptr) queue_sort_ = dynamic_cast<QueueSortPlugin*>(p);
          break;
        case ExtensionPoint::kPreFilter:
          add(&pre_filter_);
          break;
        case ExtensionPoint::kFilter:
          add(&filter_);
          break;
        case ExtensionPoint::kPostFilter:
          add(&post_filter_);
          break;
        case ExtensionPoint::kPreScore:
          add(&pre_score_);
          break;
        case ExtensionPoint::kScore:
          add(&score_);
          break;
        case ExtensionPoint::kReserve:
          add(&reserve_);
          break;
        case ExtensionPoint::kPermit:
          add(&permit_);
          break;
        case ExtensionPoint::kPreBind:
          add(&pre_bind_);
          break;
        case ExtensionPoint::kBind:
          add(&bind_);
          break;
        case ExtensionPoint::kPostBind:
          add(&post_bind_);
          break;
        case ExtensionPoint::kMultiPoint:
          break;
      }
    }
  }
  if (queue_sort_ == nullptr) {
    return Status::BadRequest(
        fmt::format("profile \"{}\": no queue sort plugin is enabled", profile_.scheduler_name));
  }
  if (names_[ExtensionPoint::kQueueSort].size() > 1) {
    return Status::BadRequest(fmt::format(
        "profile \"{}\": only one queue sort plugin can be enabled", profile_.scheduler_name));
  }
  if (bind_.empty()) {
    return Status::BadRequest(
        fmt::format("profile \"{}\": at least one bind plugin is needed", profile_.scheduler_name));
  }
  return {};
}

std::vector<std::string> Framework::PluginsAt(ExtensionPoint point) const {
  auto it = names_.find(point);
  return it == names_.end() ? std::vector<std::string>{} : it->second;
}

bool Framework::QueueLess(const QueuedPodInfo& a, const QueuedPodInfo& b) const {
  return queue_sort_->Less(a, b);
}

PluginStatus Framework::RunPreEnqueuePlugins(const Pod& pod) const {
  for (const auto& e : pre_enqueue_) {
    PluginStatus s = e.plugin->PreEnqueue(pod);
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunPreFilterPlugins(CycleState& state, const Pod& pod,
                                            PreFilterResult* result) {
  for (const auto& e : pre_filter_) {
    PreFilterResult r;
    PluginStatus s = e.plugin->PreFilter(state, pod, &r);
    if (s.IsSkip()) {
      state.skip_filter.insert(e.name);
      continue;
    }
    if (!s.ok()) return Named(std::move(s), e.name);
    if (!r.node_names) continue;
    if (!result->node_names) {
      result->node_names = std::move(r.node_names);
    } else {
      std::set<std::string> both;
      std::set_intersection(result->node_names->begin(), result->node_names->end(),
                            r.node_names->begin(), r.node_names->end(),
                            std::inserter(both, both.begin()));
      result->node_names = std::move(both);
    }
    if (result->node_names->empty()) {
      return PluginStatus::Unresolvable("node(s) didn't satisfy plugin(s) [" + e.name +
                                        "] simultaneously")
          .WithPlugin(e.name);
    }
  }
  return {};
}

PluginStatus Framework::RunFilterPlugins(const CycleState& state, const Pod& pod,
                                         const NodeInfo& node) const {
  const bool indexed = state.skip_filter_index.size() == filter_.size();
  for (size_t i = 0; i < filter_.size(); ++i) {
    const auto& e = filter_[i];
    if (indexed ? state.skip_filter_index[i] != 0 : state.skip_filter.count(e.name) > 0) continue;
    PluginStatus s = e.plugin->Filter(state, pod, node);
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunFilterPluginsWithNominatedPods(const CycleState& state, const Pod& pod,
                                                          const NodeInfo& node) const {
  std::vector<PodInfoPtr> nominated;
  for (const PodInfoPtr& p : services_->NominatedPodsFor(node.name())) {
    if (p->pod->metadata().uid() != pod.metadata().uid() &&
        PodPriority(*p->pod) >= PodPriority(pod)) {
      nominated.push_back(p);
    }
  }
  if (!nominated.empty()) {
    // First as if the nominated pods already ran here; then without them (they may not
    // come: their own pod affinity may need them absent).
    auto with_state = state.Clone();
    NodeInfo with_pods = node;
    for (const PodInfoPtr& p : nominated) {
      with_pods.AddPod(p);
      PluginStatus s = RunPreFilterAddPod(*with_state, pod, *p, with_pods);
      if (!s.ok()) return s;
    }
    PluginStatus s = RunFilterPlugins(*with_state, pod, with_pods);
    if (!s.ok()) return s;
  }
  return RunFilterPlugins(state, pod, node);
}

PluginStatus Framework::RunPreFilterAddPod(CycleState& state, const Pod& pod, const PodInfo& added,
                                           const NodeInfo& node) const {
  for (const auto& e : pre_filter_) {
    if (!e.plugin->HasExtensions() || state.skip_filter.count(e.name)) continue;
    PluginStatus s = e.plugin->AddPod(state, pod, added, node);
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunPreFilterRemovePod(CycleState& state, const Pod& pod,
                                              const PodInfo& removed, const NodeInfo& node) const {
  for (const auto& e : pre_filter_) {
    if (!e.plugin->HasExtensions() || state.skip_filter.count(e.name)) continue;
    PluginStatus s = e.plugin->RemovePod(state, pod, removed, node);
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunPostFilterPlugins(CycleState& state, const Pod& pod,
                                             const NodeToStatus& statuses,
                                             PostFilterResult* result) {
  PluginStatus last = PluginStatus::Unschedulable("");
  std::vector<std::string> reasons;
  for (const auto& e : post_filter_) {
    PluginStatus s = e.plugin->PostFilter(state, pod, statuses, result);
    if (s.ok()) return Named(std::move(s), e.name);
    if (!s.IsRejected()) return Named(std::move(s), e.name);
    for (const auto& r : s.reasons()) reasons.push_back(r);
  }
  return PluginStatus(Code::kUnschedulable, std::move(reasons));
}

PluginStatus Framework::RunPreScorePlugins(CycleState& state, const Pod& pod,
                                           const std::vector<const NodeInfo*>& nodes) {
  for (const auto& e : pre_score_) {
    PluginStatus s = e.plugin->PreScore(state, pod, nodes);
    if (s.IsSkip()) {
      state.skip_score.insert(e.name);
      continue;
    }
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunScorePlugins(const CycleState& state, const Pod& pod,
                                        const std::vector<const NodeInfo*>& nodes,
                                        ScoreTable* table) {
  std::vector<const Enabled<ScorePlugin>*> active;
  for (const auto& e : score_) {
    if (!state.skip_score.count(e.name)) active.push_back(&e);
  }
  table->plugins.clear();
  table->weights.clear();
  for (const auto* e : active) {
    table->plugins.push_back(e->name);
    table->weights.push_back(e->weight);
  }
  const size_t n = nodes.size(), k = active.size();
  table->scores.assign(n, std::vector<int64_t>(k, 0));
  std::vector<PluginStatus> errors(n);
  parallelizer().Until(static_cast<int>(n), [&](int i) {
    for (size_t p = 0; p < k; ++p) {
      PluginStatus s = active[p]->plugin->Score(state, pod, *nodes[i], &table->scores[i][p]);
      if (!s.ok()) errors[i] = Named(std::move(s), active[p]->name);
    }
  });
  for (const PluginStatus& s : errors) {
    if (!s.ok()) return s;
  }
  std::vector<NodeScore> column(n);
  for (size_t i = 0; i < n; ++i) column[i].name = nodes[i]->name();
  for (size_t p = 0; p < k; ++p) {
    for (size_t i = 0; i < n; ++i) column[i].score = table->scores[i][p];
    if (active[p]->plugin->HasNormalize()) {
      PluginStatus s = active[p]->plugin->NormalizeScore(state, pod, column);
      if (!s.ok()) return Named(std::move(s), active[p]->name);
    }
    for (size_t i = 0; i < n; ++i) {
      if (column[i].score < kMinNodeScore || column[i].score > kMaxNodeScore) {
        return PluginStatus::Error(fmt::format("plugin \"{}\" returns an invalid score {}, it "
                                               "should in the range of [{}, {}] "
                                               "after normalizing",
                                               active[p]->name, column[i].score, kMinNodeScore,
                                               kMaxNodeScore))
            .WithPlugin(active[p]->name);
      }
      table->scores[i][p] = column[i].score;
    }
  }
  table->totals.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t p = 0; p < k; ++p) table->totals[i] += table->scores[i][p] * table->weights[p];
  }
  return {};
}

PluginStatus Framework::RunReservePlugins(CycleState& state, const Pod& pod,
                                          const std::string& node) {
  for (const auto& e : reserve_) {
    PluginStatus s = e.plugin->Reserve(state, pod, node);
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

void Framework::RunUnreservePlugins(CycleState& state, const Pod& pod, const std::string& node) {
  for (auto it = reserve_.rbegin(); it != reserve_.rend(); ++it) {
    it->plugin->Unreserve(state, pod, node);
  }
}

PluginStatus Framework::RunPermitPlugins(CycleState& state, const Pod& pod,
                                         const std::string& node) {
  for (const auto& e : permit_) {
    std::chrono::milliseconds timeout{0};
    PluginStatus s = e.plugin->Permit(state, pod, node, &timeout);
    if (s.code() == Code::kWait) {
      return PluginStatus::Unschedulable("waiting on permit is not supported").WithPlugin(e.name);
    }
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunPreBindPlugins(CycleState& state, const Pod& pod,
                                          const std::string& node) {
  for (const auto& e : pre_bind_) {
    PluginStatus s = e.plugin->PreBind(state, pod, node);
    if (!s.ok()) return Named(std::move(s), e.name);
  }
  return {};
}

PluginStatus Framework::RunBindPlugins(CycleState& state, const Pod& pod, const std::string& node) {
  for (const auto& e : bind_) {
    PluginStatus s = e.plugin->Bind(state, pod, node);
    if (s.IsSkip()) continue;
    return Named(std::move(s), e.name);
  }
  return PluginStatus::Error("all bind plugins skipped the pod");
}

void Framework::RunPostBindPlugins(CycleState& state, const Pod& pod, const std::string& node) {
  for (const auto& e : post_bind_) e.plugin->PostBind(state, pod, node);
}

}  // namespace pk::scheduler
