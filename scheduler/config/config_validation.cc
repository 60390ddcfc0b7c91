// ValidateKubeSchedulerConfiguration (pkg/scheduler/apis/config/validation/validation.go) and
// the leader election part of component-base's validation, with their wording.
#include <fmt/format.h>

#include <map>
#include <set>

#include "apimachinery/time.h"
#include "scheduler/config/config_internal.h"

namespace pk::scheduler::config_internal {
namespace {

using Errors = std::vector<std::string>;

std::string GoDuration(std::chrono::milliseconds d) {
  return FormatGoDuration(static_cast<int64_t>(d.count()) * 1000000);
}

// ValidateLeaderElectionConfiguration: nothing to check when leader election is off.
void ValidateLeaderElection(const Decoded& in, Errors& errs) {
  const LeaderElection& le = in.config.leader_election;
  if (!le.leader_elect) return;
  const std::string path = "leaderElection";
  auto positive = [&](const char* field, std::chrono::milliseconds d) {
    if (d.count() <= 0) {
      errs.push_back(Invalid(Child(path, field), GoDuration(d), "must be greater than zero"));
    }
  };
  positive("leaseDuration", le.lease_duration);
  positive("renewDeadline", le.renew_deadline);
  positive("retryPeriod", le.retry_period);
  if (le.lease_duration <= le.renew_deadline) {
    errs.push_back(Invalid(Child(path, "leaseDuration"), GoDuration(le.renew_deadline),
                           "must be greater than `RenewDeadline`"));
  }
  // Only leases are available to the scheduler.
  if (in.resource_lock != "leases") {
    errs.push_back(Invalid(Child(path, "resourceLock"), GoQuote(in.resource_lock),
                           "resourceLock value must be \"leases\""));
  }
}

void ValidatePercentage(const std::string& path, std::optional<int32_t> value, Errors& errs) {
  if (value && (*value < 0 || *value > 100)) {
    errs.push_back(Invalid(path, std::to_string(*value), "not in valid range [0-100]"));
  }
}

// Every plugin needs a name; enabled score and multiPoint weights are 0 (the plugin's default)
// to 100. Kubernetes leaves bad weights to fail later; here they fail with the rest of the
// document.
void ValidatePlugins(const std::string& path, const Profile& profile, Errors& errs) {
  for (const auto& [point, set] : profile.plugins) {
    std::string point_path = Child(path, ExtensionPointName(point));
    bool weighted = point == ExtensionPoint::kScore || point == ExtensionPoint::kMultiPoint;
    auto check = [&](const std::vector<PluginRef>& list, const char* which) {
      for (size_t i = 0; i < list.size(); ++i) {
        std::string p = Index(Child(point_path, which), i);
        if (list[i].name.empty()) errs.push_back(Required(Child(p, "name")));
        bool enabled = std::string_view(which) == "enabled";  // a disabled weight means nothing
        if (weighted && enabled && (list[i].weight < 0 || list[i].weight > 100)) {
          errs.push_back(Invalid(Child(p, "weight"), std::to_string(list[i].weight),
                                 "not in valid range [0-100]"));
        }
      }
    };
    check(set.enabled, "enabled");
    check(set.disabled, "disabled");
  }
}

void ValidatePluginConfig(const std::string& path,
                          const std::vector<std::pair<std::string, YAML::Node>>& configs,
                          Errors& errs) {
  std::set<std::string> seen;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (!seen.insert(configs[i].first).second) {
      errs.push_back(Duplicate(Index(Child(path, "pluginConfig"), i), GoQuote(configs[i].first)));
    }
  }
}

void ValidateProfile(const std::string& path, const Profile& profile,
                     const std::vector<std::pair<std::string, YAML::Node>>& configs, Errors& errs) {
  if (profile.scheduler_name.empty()) errs.push_back(Required(Child(path, "schedulerName")));
  ValidatePercentage(Child(path, "percentageOfNodesToScore"), profile.percentage_of_nodes_to_score,
                     errs);
  ValidatePlugins(Child(path, "plugins"), profile, errs);
  ValidatePluginConfig(path, configs, errs);
}

// Go's %#v of the internal config.PluginSet, as validateCommonQueueSort prints it.
std::string GoPluginSet(const PluginSet& set) {
  auto list = [](const std::vector<PluginRef>& plugins, bool weights) {
    if (plugins.empty()) return std::string("[]config.Plugin(nil)");
    std::string out = "[]config.Plugin{";
    for (size_t i = 0; i < plugins.size(); ++i) {
      out += fmt::format("{}config.Plugin{{Name:{}, Weight:{}}}", i ? ", " : "",
                         GoQuote(plugins[i].name), weights ? plugins[i].weight : 0);
    }
    return out + "}";
  };
  return fmt::format("config.PluginSet{{Enabled:{}, Disabled:{}}}", list(set.enabled, true),
                     list(set.disabled, false));
}

PluginSet QueueSortOf(const Profile& profile) {
  auto it = profile.plugins.find(ExtensionPoint::kQueueSort);
  return it == profile.plugins.end() ? PluginSet{} : it->second;
}

// Disabled plugins keep only their names (mergePluginSet), so weights there do not count.
bool SamePluginSet(const PluginSet& a, const PluginSet& b) {
  auto same = [](const std::vector<PluginRef>& x, const std::vector<PluginRef>& y, bool weights) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i].name != y[i].name || (weights && x[i].weight != y[i].weight)) return false;
    }
    return true;
  };
  return same(a.enabled, b.enabled, true) && same(a.disabled, b.disabled, false);
}

// validateCommonQueueSort: one queue sort plugin, the same (with the same args) everywhere.
void ValidateCommonQueueSort(const Decoded& in, Errors& errs) {
  const auto& profiles = in.config.profiles;
  PluginSet canon = QueueSortOf(profiles[0]);
  std::string name = canon.enabled.empty() ? "" : canon.enabled[0].name;
  if (canon.enabled.size() > 1) {
    errs.push_back(Invalid("profiles[0].plugins.queueSort.Enabled",
                           std::to_string(canon.enabled.size()),
                           "only one queue sort plugin can be enabled"));
  }
  std::string canon_args = "null";
  for (const auto& [config_name, args] : in.plugin_configs[0]) {
    if (!name.empty() && config_name == name) canon_args = FlowYaml(args);
  }
  for (size_t i = 1; i < profiles.size(); ++i) {
    PluginSet curr = QueueSortOf(profiles[i]);
    if (!SamePluginSet(canon, curr)) {
      errs.push_back(Invalid(Child(Index("profiles", i), "plugins.queueSort"), GoPluginSet(curr),
                             "must be the same for all profiles"));
    }
    for (const auto& [config_name, args] : in.plugin_configs[i]) {
      if (config_name == name && FlowYaml(args) != canon_args) {
        errs.push_back(Invalid(Child(Index("profiles", i), "pluginConfig.args"), FlowYaml(args),
                               "queueSort must be the same for all profiles"));
      }
    }
  }
}

void ValidateProfiles(const Decoded& in, Errors& errs) {
  const auto& profiles = in.config.profiles;
  if (profiles.empty()) {
    errs.push_back(Required("profiles"));
    return;
  }
  std::map<std::string, size_t> existing;
  for (size_t i = 0; i < profiles.size(); ++i) {
    std::string path = Index("profiles", i);
    ValidateProfile(path, profiles[i], in.plugin_configs[i], errs);
    if (existing.count(profiles[i].scheduler_name)) {
      errs.push_back(Duplicate(Child(path, "schedulerName"), GoQuote(profiles[i].scheduler_name)));
    }
    existing[profiles[i].scheduler_name] = i;
  }
  ValidateCommonQueueSort(in, errs);
}

}  // namespace

Errors Validate(const Decoded& in) {
  Errors errs;
  const SchedulerConfig& c = in.config;
  if (in.client_connection_burst < 0) {
    errs.push_back(Invalid("clientConnection.burst", std::to_string(in.client_connection_burst),
                           "must be non-negative"));
  }
  ValidateLeaderElection(in, errs);
  if (c.parallelism <= 0) {
    errs.push_back(Invalid("parallelism", std::to_string(c.parallelism),
                           "should be an integer value greater than zero"));
  }
  ValidateProfiles(in, errs);
  ValidatePercentage("percentageOfNodesToScore", c.percentage_of_nodes_to_score, errs);
  if (in.pod_initial_backoff_seconds <= 0) {
    errs.push_back(Invalid("podInitialBackoffSeconds",
                           std::to_string(in.pod_initial_backoff_seconds),
                           "must be greater than 0"));
  }
  if (in.pod_max_backoff_seconds < in.pod_initial_backoff_seconds) {
    errs.push_back(Invalid("podMaxBackoffSeconds", std::to_string(in.pod_max_backoff_seconds),
                           "must be greater than or equal to PodInitialBackoffSeconds"));
  }
  // picokube has no HTTP extenders.
  if (in.extenders > 0) errs.push_back(Forbidden("extenders", "not supported by picokube"));
  return errs;
}

}  // namespace pk::scheduler::config_internal
