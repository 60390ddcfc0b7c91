// The system PriorityClasses (k8s.io/kubernetes/pkg/apis/scheduling/v1/helpers.go, v1.32): the
// apiserver creates them at start (bootstrap.cc), and validation reserves the "system-" prefix
// for exactly these, with exactly these values and globalDefault false.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pk::registry {

struct SystemPriorityClass {
  std::string_view name;
  int32_t value;
  std::string_view description;
};

inline constexpr std::string_view kSystemPriorityClassPrefix = "system-";
inline constexpr int32_t kHighestUserDefinablePriority = 1000000000;
inline constexpr int32_t kSystemCriticalPriority = 2 * kHighestUserDefinablePriority;

inline constexpr std::array<SystemPriorityClass, 2> kSystemPriorityClasses = {{
    {"system-node-critical", kSystemCriticalPriority + 1000,
     "Used for system critical pods that must not be moved from their current node."},
    {"system-cluster-critical", kSystemCriticalPriority,
     "Used for system critical pods that must run in the cluster, but can be moved to another "
     "node if necessary."},
}};

// IsKnownSystemPriorityClass: "" when name, value and globalDefault match a system class
// exactly, otherwise Kubernetes' reason ("value of system-node-critical PriorityClass must be
// 2000001000", "x is not a known system priority class").
std::string UnknownSystemPriorityClass(std::string_view name, int32_t value, bool global_default);

}  // namespace pk::registry
