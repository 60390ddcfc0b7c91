// Strict decoding of a KubeSchedulerConfiguration, as kube-scheduler's UniversalDecoder does
// it: unknown and duplicate fields are collected into one "strict decoding error", a value of
// the wrong type stops decoding, and the v1 defaults are applied (defaults.go).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>

#include "apimachinery/time.h"
#include "scheduler/config/config_internal.h"

namespace pk::scheduler::config_internal {
namespace {

using Node = YAML::Node;

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// A quoted scalar is a string even when it reads as a number ("16" is not an int32 field's
// value, as in JSON); so is a !!str one.
bool Plain(const Node& n) { return n.Tag() != "!" && n.Tag() != "tag:yaml.org,2002:str"; }

// Reads typed values and remembers what went wrong. Null reads as absent (a JSON null leaves a
// Go pointer nil), so defaults apply to it.
class Decoder {
 public:
  std::vector<std::string> type_errors;
  std::vector<std::string> strict_errors;

  bool ok() const { return type_errors.empty(); }

  // Unknown and repeated keys of the map `n` at `path`.
  void CheckFields(const Node& n, const std::string& path,
                   std::initializer_list<std::string_view> known) {
    std::set<std::string> seen;
    for (const auto& kv : n) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : FlowYaml(kv.first);
      std::string field = Child(path, key);
      if (!seen.insert(key).second) {
        strict_errors.push_back(fmt::format("duplicate field {}", GoQuote(field)));
      } else if (std::find(known.begin(), known.end(), key) == known.end()) {
        strict_errors.push_back(fmt::format("unknown field {}", GoQuote(field)));
      }
    }
  }

  // A map to descend into; false when null or of another type (recorded).
  bool Map(const Node& n, const std::string& path) {
    if (!n || n.IsNull()) return false;
    if (n.IsMap()) return true;
    TypeError(n, path, "must be an object");
    return false;
  }
  bool Sequence(const Node& n, const std::string& path) {
    if (!n || n.IsNull()) return false;
    if (n.IsSequence()) return true;
    TypeError(n, path, "must be a list");
    return false;
  }

  std::optional<int64_t> Int(const Node& n, const std::string& path, int64_t min, int64_t max) {
    if (!n || n.IsNull()) return std::nullopt;
    int64_t v = 0;
    if (!n.IsScalar() || !Plain(n) || !YAML::convert<int64_t>::decode(n, v)) {
      TypeError(n, path, "must be an integer");
      return std::nullopt;
    }
    if (v < min || v > max) {
      TypeError(n, path, max == kInt32Max ? "must fit in an int32" : "must fit in an int64");
      return std::nullopt;
    }
    return v;
  }
  std::optional<int32_t> Int32(const Node& n, const std::string& path) {
    auto v = Int(n, path, kInt32Min, kInt32Max);
    return v ? std::optional<int32_t>(static_cast<int32_t>(*v)) : std::nullopt;
  }

  std::optional<bool> Bool(const Node& n, const std::string& path) {
    if (!n || n.IsNull()) return std::nullopt;
    bool v = false;
    if (!n.IsScalar() || !Plain(n) || !YAML::convert<bool>::decode(n, v)) {
      TypeError(n, path, "must be a boolean");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::string> String(const Node& n, const std::string& path) {
    if (!n || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) {
      TypeError(n, path, "must be a string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  // A Go duration ("15s", "2m", "500ms", "1h30m"), as metav1.Duration reads it.
  std::optional<std::chrono::milliseconds> Duration(const Node& n, const std::string& path) {
    auto text = String(n, path);
    if (!text) return std::nullopt;
    auto nanos = ParseGoDuration(*text);
    if (!nanos.ok()) {
      type_errors.push_back(Invalid(path, GoQuote(*text), nanos.status().message()));
      return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::nanoseconds(*nanos));
  }

 private:
  void TypeError(const Node& n, const std::string& path, std::string_view detail) {
    std::string value = n.IsScalar() ? GoQuote(n.Scalar()) : FlowYaml(n);
    type_errors.push_back(Invalid(path, value, detail));
  }
};

// Extension points by their KubeSchedulerConfiguration field names.
constexpr ExtensionPoint kPoints[] = {
    ExtensionPoint::kPreEnqueue, ExtensionPoint::kQueueSort,  ExtensionPoint::kPreFilter,
    ExtensionPoint::kFilter,     ExtensionPoint::kPostFilter, ExtensionPoint::kPreScore,
    ExtensionPoint::kScore,      ExtensionPoint::kReserve,    ExtensionPoint::kPermit,
    ExtensionPoint::kPreBind,    ExtensionPoint::kBind,       ExtensionPoint::kPostBind,
    ExtensionPoint::kMultiPoint,
};

std::vector<PluginRef> DecodePluginList(Decoder& d, const Node& n, const std::string& path) {
  std::vector<PluginRef> out;
  if (!d.Sequence(n, path)) return out;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string p = Index(path, i);
    PluginRef ref;
    if (d.Map(n[i], p)) {
      d.CheckFields(n[i], p, {"name", "weight"});
      ref.name = d.String(n[i]["name"], Child(p, "name")).value_or("");
      ref.weight = d.Int32(n[i]["weight"], Child(p, "weight")).value_or(0);
    }
    out.push_back(std::move(ref));
  }
  return out;
}

void DecodePlugins(Decoder& d, const Node& n, const std::string& path, Profile& profile) {
  if (!d.Map(n, path)) return;
  std::initializer_list<std::string_view> names = {
      "preEnqueue", "queueSort", "preFilter", "filter", "postFilter", "preScore",  "score",
      "reserve",    "permit",    "preBind",   "bind",   "postBind",   "multiPoint"};
  d.CheckFields(n, path, names);
  for (ExtensionPoint point : kPoints) {
    std::string name(ExtensionPointName(point));
    std::string p = Child(path, name);
    const Node set = n[name];
    if (!d.Map(set, p)) continue;
    d.CheckFields(set, p, {"enabled", "disabled"});
    PluginSet& out = profile.plugins[point];
    out.enabled = DecodePluginList(d, set["enabled"], Child(p, "enabled"));
    out.disabled = DecodePluginList(d, set["disabled"], Child(p, "disabled"));
  }
}

void DecodePluginConfig(Decoder& d, const Node& n, const std::string& path, Profile& profile,
                        std::vector<std::pair<std::string, Node>>& as_written) {
  if (!d.Sequence(n, path)) return;
  for (size_t i = 0; i < n.size(); ++i) {
    std::string p = Index(path, i);
    if (!d.Map(n[i], p)) continue;
    // args are the plugin's to decode (its factory rejects what it does not know).
    d.CheckFields(n[i], p, {"name", "args"});
    std::string name = d.String(n[i]["name"], Child(p, "name")).value_or("");
    Node args = n[i]["args"] ? YAML::Clone(n[i]["args"]) : Node();
    as_written.emplace_back(name, args);
    profile.plugin_config.emplace(name, args);  // the first of a name; duplicates are invalid
  }
}

// A profile; scheduler_name stays "" when not written (defaulted by the caller).
Profile DecodeProfile(Decoder& d, const Node& n, const std::string& path,
                      std::vector<std::pair<std::string, Node>>& plugin_config) {
  Profile profile;
  profile.scheduler_name.clear();
  if (!d.Map(n, path)) return profile;
  d.CheckFields(n, path, {"schedulerName", "percentageOfNodesToScore", "plugins", "pluginConfig"});
  if (auto name = d.String(n["schedulerName"], Child(path, "schedulerName"))) {
    profile.scheduler_name = *name;
  }
  profile.percentage_of_nodes_to_score =
      d.Int32(n["percentageOfNodesToScore"], Child(path, "percentageOfNodesToScore"));
  DecodePlugins(d, n["plugins"], Child(path, "plugins"), profile);
  DecodePluginConfig(d, n["pluginConfig"], Child(path, "pluginConfig"), profile, plugin_config);
  return profile;
}

void DecodeProfiles(Decoder& d, const Node& n, Decoded& out) {
  bool named_first = false;
  if (d.Sequence(n, "profiles")) {
    for (size_t i = 0; i < n.size(); ++i) {
      out.plugin_configs.emplace_back();
      std::string path = Index("profiles", i);
      out.config.profiles.push_back(DecodeProfile(d, n[i], path, out.plugin_configs.back()));
      if (i == 0)
        named_first = n[i].IsMap() && n[i]["schedulerName"] && !n[i]["schedulerName"].IsNull();
    }
  }
  // No profile: one default profile. One profile without a name: default-scheduler. With
  // several, validation requires every name.
  if (out.config.profiles.empty()) {
    out.config.profiles.emplace_back();
    out.plugin_configs.emplace_back();
  } else if (out.config.profiles.size() == 1 && !named_first) {
    out.config.profiles[0].scheduler_name = "default-scheduler";
  }
}

// componentbaseconfigv1alpha1.LeaderElectionConfiguration with the scheduler's defaults
// (RecommendedDefaultLeaderElectionConfiguration: a zero duration takes the default too).
void DecodeLeaderElection(Decoder& d, const Node& n, Decoded& out) {
  const std::string path = "leaderElection";
  if (!d.Map(n, path)) return;
  d.CheckFields(n, path,
                {"leaderElect", "leaseDuration", "renewDeadline", "retryPeriod", "resourceLock",
                 "resourceName", "resourceNamespace"});
  LeaderElection& le = out.config.leader_election;
  if (auto v = d.Bool(n["leaderElect"], Child(path, "leaderElect"))) le.leader_elect = *v;
  auto duration = [&](const char* field, std::chrono::milliseconds& into) {
    auto v = d.Duration(n[field], Child(path, field));
    if (v && v->count() != 0) into = *v;
  };
  duration("leaseDuration", le.lease_duration);
  duration("renewDeadline", le.renew_deadline);
  duration("retryPeriod", le.retry_period);
  auto string = [&](const char* field, std::string& into) {
    auto v = d.String(n[field], Child(path, field));
    if (v && !v->empty()) into = *v;
  };
  string("resourceLock", out.resource_lock);
  string("resourceName", le.resource_name);
  string("resourceNamespace", le.resource_namespace);
}

// Known to kube-scheduler, not used by picokube: read for their types and unknown fields.
void DecodeClientConnection(Decoder& d, const Node& n, Decoded& out) {
  const std::string path = "clientConnection";
  if (!d.Map(n, path)) return;
  d.CheckFields(n, path, {"kubeconfig", "acceptContentTypes", "contentType", "qps", "burst"});
  (void)d.String(n["kubeconfig"], Child(path, "kubeconfig"));
  (void)d.String(n["acceptContentTypes"], Child(path, "acceptContentTypes"));
  (void)d.String(n["contentType"], Child(path, "contentType"));
  (void)d.String(n["qps"], Child(path, "qps"));
  if (auto burst = d.Int32(n["burst"], Child(path, "burst")); burst && *burst != 0) {
    out.client_connection_burst = *burst;
  }
}

void DecodeTopLevel(Decoder& d, const Node& root, Decoded& out) {
  d.CheckFields(
      root, "",
      {"apiVersion", "kind", "parallelism", "leaderElection", "clientConnection", "enableProfiling",
       "enableContentionProfiling", "percentageOfNodesToScore", "podInitialBackoffSeconds",
       "podMaxBackoffSeconds", "profiles", "extenders", "delayCacheUntilActive"});
  SchedulerConfig& c = out.config;
  c.parallelism = d.Int32(root["parallelism"], "parallelism").value_or(16);
  DecodeLeaderElection(d, root["leaderElection"], out);
  DecodeClientConnection(d, root["clientConnection"], out);
  (void)d.Bool(root["enableProfiling"], "enableProfiling");
  (void)d.Bool(root["enableContentionProfiling"], "enableContentionProfiling");
  (void)d.Bool(root["delayCacheUntilActive"], "delayCacheUntilActive");
  c.percentage_of_nodes_to_score =
      d.Int32(root["percentageOfNodesToScore"], "percentageOfNodesToScore").value_or(0);
  out.pod_initial_backoff_seconds =
      d.Int(root["podInitialBackoffSeconds"], "podInitialBackoffSeconds", kInt64Min, kInt64Max)
          .value_or(1);
  out.pod_max_backoff_seconds =
      d.Int(root["podMaxBackoffSeconds"], "podMaxBackoffSeconds", kInt64Min, kInt64Max)
          .value_or(10);
  DecodeProfiles(d, root["profiles"], out);
  if (d.Sequence(root["extenders"], "extenders")) out.extenders = root["extenders"].size();
}

// Seconds to milliseconds without overflow (validation rejects what is out of range anyway).
std::chrono::milliseconds SecondsToMillis(int64_t seconds) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  return std::chrono::milliseconds(std::clamp(seconds, -kMax, kMax) * 1000);
}

}  // namespace

Result<Decoded> Decode(const YAML::Node& root) {
  Decoder d;
  Decoded out;
  DecodeTopLevel(d, root, out);
  if (!d.ok()) return Status::BadRequest(d.type_errors.front());
  if (!d.strict_errors.empty()) {
    std::string joined;
    for (const auto& e : d.strict_errors) joined += (joined.empty() ? "" : ", ") + e;
    return Status::BadRequest("strict decoding error: " + joined);
  }
  out.config.pod_initial_backoff = SecondsToMillis(out.pod_initial_backoff_seconds);
  out.config.pod_max_backoff = SecondsToMillis(out.pod_max_backoff_seconds);
  return out;
}

}  // namespace pk::scheduler::config_internal
