#include "scheduler/plugins/image_locality.h"

#include <memory>

#include "scheduler/plugins/plugins.h"
#include "scheduler/plugins/resource_allocation.h"

namespace pk::scheduler::plugins {
namespace {

using k8s::core::v1::Container;

// The image's summary on `node`: by its normalized name, or else by the Docker Hub form the
// runtime reports ("nginx" in the pod, "docker.io/library/nginx:latest" on the node).
const ImageStateSummary* FindImage(const NodeInfo& node, const std::string& image) {
  const auto& states = node.image_states();
  std::string name = NormalizedImageName(image);
  auto it = states.find(name);
  if (it == states.end()) it = states.find(DockerHubImageName(name));
  return it == states.end() ? nullptr : &it->second;
}

// Size scaled by spread (scaledImageScore).
int64_t ScaledImageScore(const ImageStateSummary& state, size_t total_nodes) {
  double spread = static_cast<double>(state.num_nodes) / static_cast<double>(total_nodes);
  return static_cast<int64_t>(static_cast<double>(state.size) * spread);
}

int64_t SumImageScores(const NodeInfo& node, const Pod& pod, size_t total_nodes) {
  int64_t sum = 0;
  auto add = [&](const Container& c) {
    if (const ImageStateSummary* s = FindImage(node, c.image())) {
      sum += ScaledImageScore(*s, total_nodes);
    }
  };
  for (const Container& c : pod.spec().init_containers()) add(c);
  for (const Container& c : pod.spec().containers()) add(c);
  return sum;
}

// Clamps the sum to the thresholds and maps it onto [0, kMaxNodeScore] (calculatePriority).
int64_t CalculatePriority(int64_t sum, int num_containers) {
  int64_t max_threshold = ImageLocality::kMaxContainerThreshold * num_containers;
  if (sum < ImageLocality::kMinThreshold) {
    sum = ImageLocality::kMinThreshold;
  } else if (sum > max_threshold) {
    sum = max_threshold;
  }
  if (max_threshold <= ImageLocality::kMinThreshold) return 0;  // a pod without containers
  return kMaxNodeScore * (sum - ImageLocality::kMinThreshold) /
         (max_threshold - ImageLocality::kMinThreshold);
}

}  // namespace

std::string NormalizedImageName(std::string_view name) {
  size_t colon = name.rfind(':');
  size_t slash = name.rfind('/');
  // No ':' after the last '/': no tag (a ':' before it is a registry port).
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  std::string out(name);
  if (!has_tag) out += ":latest";
  return out;
}

std::string DockerHubImageName(std::string_view normalized) {
  size_t slash = normalized.find('/');
  if (slash != std::string_view::npos) {
    std::string_view first = normalized.substr(0, slash);
    // A first component with '.' or ':' or "localhost" names a registry.
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      return std::string(normalized);
    }
    return "docker.io/" + std::string(normalized);
  }
  return "docker.io/library/" + std::string(normalized);
}

PluginStatus ImageLocality::Score(const CycleState&, const Pod& pod, const NodeInfo& node,
                                  int64_t* score) const {
  *score = 0;
  size_t total_nodes = handle_.snapshot().size();
  if (total_nodes == 0) return {};
  int64_t sum = SumImageScores(node, pod, total_nodes);
  int containers = pod.spec().init_containers_size() + pod.spec().containers_size();
  *score = CalculatePriority(sum, containers);
  return {};
}

// ImageLocality has no args; any field but apiVersion/kind is unknown.
Result<std::unique_ptr<Plugin>> NewImageLocality(const YAML::Node& args, Handle& handle) {
  ArgsErrors errors;
  if (args && !args.IsNull() && !args.IsMap()) errors.Add("args: must be an object");
  if (args && args.IsMap()) CheckKnownFields(args, "", {"apiVersion", "kind"}, errors);
  if (!errors.empty()) return errors.ToStatus(ImageLocality::kName);
  return std::unique_ptr<Plugin>(std::make_unique<ImageLocality>(handle));
}

}  // namespace pk::scheduler::plugins
