// The Kubernetes version picokube speaks (what kubectl's version-skew check reads).
#pragma once

#include <string>

namespace pk::apiserver {

inline constexpr const char* kKubernetesVersion = "v1.32.0";

// The /version document.
std::string VersionJson();

}  // namespace pk::apiserver
