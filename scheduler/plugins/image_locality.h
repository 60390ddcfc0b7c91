// ImageLocality (imagelocality/image_locality.go): favours nodes that already have the pod's
// images. Each image present on the node counts its size scaled by how widespread it is
// (nodes having it / all nodes, so an image everywhere does not pull pods together); the sum
// is clamped to [23MB, 1000MB * containers] and mapped linearly to [0, 100].
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "scheduler/framework/interface.h"

namespace pk::scheduler::plugins {

// Kubernetes' normalizedImageName: a reference without a tag (or digest) gets ":latest"
// ("nginx" -> "nginx:latest", "gcr.io:5000/root" -> "gcr.io:5000/root:latest").
std::string NormalizedImageName(std::string_view name);
// The fully-qualified Docker Hub form of a normalized name, as container runtimes report
// images ("nginx:latest" -> "docker.io/library/nginx:latest", "me/app:1" ->
// "docker.io/me/app:1"); the name itself when it already names a registry.
std::string DockerHubImageName(std::string_view normalized);

class ImageLocality : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "ImageLocality";
  static constexpr int64_t kMB = 1024 * 1024;
  static constexpr int64_t kMinThreshold = 23 * kMB;
  static constexpr int64_t kMaxContainerThreshold = 1000 * kMB;

  explicit ImageLocality(Handle& handle) : handle_(handle) {}

  std::string_view Name() const override { return kName; }
  PluginStatus Score(const CycleState& state, const Pod& pod, const NodeInfo& node,
                     int64_t* score) const override;

 private:
  Handle& handle_;
};

}  // namespace pk::scheduler::plugins
