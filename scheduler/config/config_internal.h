// Internal to scheduler/config: the decoded document (SchedulerConfig plus what validation
// needs that SchedulerConfig does not keep), the strict decoder, the validation, and the
// field.ErrorList wording they share.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apimachinery/status.h"
#include "scheduler/config/config.h"

namespace pk::scheduler::config_internal {

inline constexpr std::string_view kApiVersion = "kubescheduler.config.k8s.io/v1";
inline constexpr std::string_view kKind = "KubeSchedulerConfiguration";

// A document after decoding and defaulting (SetDefaults_KubeSchedulerConfiguration).
struct Decoded {
  SchedulerConfig config;
  // Values as written, for validation and its messages.
  int64_t pod_initial_backoff_seconds = 1;
  int64_t pod_max_backoff_seconds = 10;
  std::string resource_lock = "leases";
  int64_t client_connection_burst = 100;
  size_t extenders = 0;
  // Each profile's pluginConfig in order, duplicates included (config.plugin_config keeps
  // the first of each name).
  std::vector<std::vector<std::pair<std::string, YAML::Node>>> plugin_configs;
};

// Decodes a parsed document strictly: an unknown or duplicate field anywhere but inside
// pluginConfig args is "strict decoding error: unknown field \"profiles[0].foo\"", a value of
// the wrong type is "parallelism: Invalid value: \"x\": must be an integer". Defaults are
// applied as Kubernetes does; apiVersion and kind are the caller's.
Result<Decoded> Decode(const YAML::Node& root);

// ValidateKubeSchedulerConfiguration: every error, in Kubernetes' order.
std::vector<std::string> Validate(const Decoded& decoded);

// utilerrors.Aggregate's Error(): one message alone, several as "[a, b]", duplicates once.
std::string Aggregate(const std::vector<std::string>& errors);

// field.Path rendering and field.Error wording.
std::string Child(std::string_view path, std::string_view name);  // "a.b"; "b" when a is ""
std::string Index(std::string_view path, size_t i);               // "a[3]"
std::string GoQuote(std::string_view s);                          // Go's %q
std::string Invalid(std::string_view path, std::string_view value, std::string_view detail);
std::string Required(std::string_view path);
std::string Duplicate(std::string_view path, std::string_view value);
std::string NotSupported(std::string_view path, std::string_view value, std::string_view supported);
std::string Forbidden(std::string_view path, std::string_view detail);
// A YAML value on one line (flow style), for messages.
std::string FlowYaml(const YAML::Node& node);

}  // namespace pk::scheduler::config_internal
