// The scheduler's view of pods and nodes (framework/types.go): PodInfo (a pod with its
// affinity terms parsed once), NodeInfo (a node with the pods on it and what they use), and
// QueuedPodInfo (a pod waiting in the scheduling queue).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "apimachinery/selectors.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"
#include "scheduler/framework/resource.h"

namespace pk::scheduler {

using Pod = k8s::core::v1::Pod;
using Node = k8s::core::v1::Node;
using PodPtr = std::shared_ptr<const Pod>;
using NodePtr = std::shared_ptr<const Node>;

// One pod (anti-)affinity term with its selectors parsed (framework.AffinityTerm).
struct AffinityTerm {
  std::set<std::string> namespaces;  // explicit namespaces, or the pod's own when none given
  LabelSelector selector;            // matchLabelKeys/mismatchLabelKeys already merged in
  std::string topology_key;
  // Namespaces whose labels match also count; Nothing() when the term has none.
  LabelSelector namespace_selector = LabelSelector::Nothing();

  // Whether `pod` (in a namespace with labels `ns_labels`) is selected by this term.
  bool Matches(const Pod& pod, const std::map<std::string, std::string>& ns_labels) const;
};

struct WeightedAffinityTerm {
  AffinityTerm term;
  int32_t weight = 0;
};

class PodInfo {
 public:
  // Parses the pod's affinity terms; terms whose selectors do not parse are kept as
  // LabelSelector::Nothing() (they match nothing) and listed in parse_errors.
  explicit PodInfo(PodPtr pod);

  PodPtr pod;
  std::vector<AffinityTerm> required_affinity;
  std::vector<AffinityTerm> required_anti_affinity;
  std::vector<WeightedAffinityTerm> preferred_affinity;
  std::vector<WeightedAffinityTerm> preferred_anti_affinity;
  std::vector<std::string> parse_errors;
  Resource requests;           // PodRequests(*pod)
  Resource non_zero_requests;  // PodRequests(*pod, true)
};
using PodInfoPtr = std::shared_ptr<const PodInfo>;

struct HostPort {
  std::string ip;  // "0.0.0.0" when the container port gives none
  std::string protocol;
  int32_t port = 0;
  auto operator<=>(const HostPort&) const = default;
};
// The host ports a pod asks for (containers' ports with hostPort != 0).
std::vector<HostPort> PodHostPorts(const Pod& pod);
// Whether two host ports conflict: same protocol and port, and one IP is 0.0.0.0 or equal.
bool PortsConflict(const HostPort& a, const HostPort& b);

// An image present on a node, with the number of nodes that have it (ImageStateSummary).
struct ImageStateSummary {
  int64_t size = 0;
  int num_nodes = 0;
};

class NodeInfo {
 public:
  NodeInfo() = default;
  explicit NodeInfo(NodePtr node) { SetNode(std::move(node)); }

  const Node* node() const { return node_.get(); }
  const NodePtr& node_ptr() const { return node_; }
  const std::string& name() const;
  void SetNode(NodePtr node);  // also sets allocatable

  const std::vector<PodInfoPtr>& pods() const { return pods_; }
  const std::vector<PodInfoPtr>& pods_with_affinity() const { return pods_with_affinity_; }
  const std::vector<PodInfoPtr>& pods_with_required_anti_affinity() const {
    return pods_with_required_anti_affinity_;
  }
  const std::vector<HostPort>& used_ports() const { return used_ports_; }
  const Resource& requested() const { return requested_; }
  const Resource& non_zero_requested() const { return non_zero_requested_; }
  const Resource& allocatable() const { return allocatable_; }
  // Images on the node by every name it is known by (set by the cache's snapshot).
  const std::map<std::string, ImageStateSummary>& image_states() const { return image_states_; }
  std::map<std::string, ImageStateSummary>& mutable_image_states() { return image_states_; }

  void AddPod(PodInfoPtr pod);
  // Removes the pod with `uid`; false if it is not on this node.
  bool RemovePod(const std::string& uid);
  // Changes whenever the node or its pods change (a global counter, as Kubernetes').
  int64_t generation() const { return generation_; }

 private:
  void Bump();

  NodePtr node_;
  std::vector<PodInfoPtr> pods_;
  std::vector<PodInfoPtr> pods_with_affinity_;
  std::vector<PodInfoPtr> pods_with_required_anti_affinity_;
  std::vector<HostPort> used_ports_;
  Resource requested_, non_zero_requested_, allocatable_;
  std::map<std::string, ImageStateSummary> image_states_;
  int64_t generation_ = 0;
};
using NodeInfoPtr = std::shared_ptr<NodeInfo>;

// The "k8s.io/namespace-labels" view plugins need for namespaceSelector terms.
using NamespaceLabels = std::map<std::string, std::map<std::string, std::string>>;

// A pod in the scheduling queue (framework.QueuedPodInfo).
struct QueuedPodInfo {
  PodInfoPtr pod_info;
  std::chrono::steady_clock::time_point timestamp;        // last added to the queue
  std::chrono::steady_clock::time_point initial_attempt;  // first popped (zero until then)
  int attempts = 0;
  // The plugins that rejected it in its last attempt: events that concern them move it back.
  std::set<std::string> unschedulable_plugins;
  const Pod& pod() const { return *pod_info->pod; }
};

// The pod's priority: spec.priority, 0 when unset.
int32_t PodPriority(const Pod& pod);
// "namespace/name".
std::string PodKey(const Pod& pod);

}  // namespace pk::scheduler
