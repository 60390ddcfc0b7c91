// The DaemonSet controller's pure helpers (pkg/controller/daemon/util/daemonset_util.go and
// the placement predicates of daemon_controller.go, v1.32): which nodes should run a daemon
// pod, the tolerations and node affinity every daemon pod gets, which node a pod targets,
// and whether a pod is of the current revision. No I/O; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::daemonset {

using k8s::apps::v1::DaemonSet;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using PodPtr = std::shared_ptr<const Pod>;

// apps.ControllerRevisionHashLabelKey / DefaultDaemonSetUniqueLabelKey.
inline constexpr char kRevisionHashLabel[] = "controller-revision-hash";
// extensions.DaemonSetTemplateGenerationKey: the label pods carry.
inline constexpr char kTemplateGenerationLabel[] = "pod-template-generation";
// apps/v1's spelling of spec.templateGeneration (an annotation the apiserver keeps).
inline constexpr char kTemplateGenerationAnnotation[] = "deprecated.daemonset.template.generation";

// AddOrUpdateDaemonPodTolerations: not-ready and unreachable NoExecute (no
// tolerationSeconds), disk-, memory-, pid-pressure and unschedulable NoSchedule, and
// network-unavailable NoSchedule for hostNetwork pods; each replaces a toleration of the same
// key, operator, value and effect (v1helper.AddOrUpdateTolerationInPodSpec).
void AddOrUpdateDaemonPodTolerations(k8s::core::v1::PodSpec* spec);

// GetTemplateGeneration: the template generation annotation, nullopt when absent;
// BadRequest when it is not an integer.
Result<std::optional<int64_t>> GetTemplateGeneration(const DaemonSet& ds);

// CreatePodTemplate: the template with the daemon tolerations, the pod-template-generation
// label (when known) and the controller-revision-hash label (when `hash` is not empty).
k8s::core::v1::PodTemplateSpec CreatePodTemplate(const k8s::core::v1::PodTemplateSpec& tmpl,
                                                 std::optional<int64_t> generation,
                                                 const std::string& hash);

// ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the one term
// matchFields metadata.name In [node] (the node already satisfied the template's terms);
// preferred terms and pod (anti-)affinity stay.
void ReplaceDaemonSetPodNodeNameNodeAffinity(k8s::core::v1::PodSpec* spec,
                                             const std::string& node_name);

// GetTargetNodeName: spec.nodeName, else the value of a required matchFields
// metadata.name In [one value]; nullopt when the pod names no node.
std::optional<std::string> GetTargetNodeName(const Pod& pod);

// IsPodUpdated: the pod carries the current revision hash, or the current template
// generation.
bool IsPodUpdated(const Pod& pod, const std::string& hash, std::optional<int64_t> generation);

// Whether the node's labels and name match the pod's nodeSelector and required node
// affinity (component-helpers' GetRequiredNodeAffinity(pod).Match(node)).
bool MatchesNodeSelectorAndAffinity(const k8s::core::v1::PodSpec& spec, const Node& node);

// NodeShouldRunDaemonPod: whether a new daemon pod should be placed on `node`
// (`should_run`), and whether one already there may stay (`should_continue_running`: it
// tolerates the node's NoExecute taints even if not its NoSchedule ones).
struct NodePlacement {
  bool should_run = false;
  bool should_continue_running = false;
};
NodePlacement NodeShouldRunDaemonPod(const Node& node, const DaemonSet& ds);

// util.AllowsSurge / SurgeCount / UnavailableCount: maxSurge and maxUnavailable of a
// RollingUpdate DaemonSet scaled to `desired` nodes, rounding up (0 for OnDelete).
bool AllowsSurge(const DaemonSet& ds);
int32_t SurgeCount(const DaemonSet& ds, int32_t desired);
int32_t UnavailableCount(const DaemonSet& ds, int32_t desired);

// podByCreationTimestampAndPhase: bound pods first, then older first, then by name.
void SortByCreationTimestampAndPhase(std::vector<PodPtr>* pods);

}  // namespace pk::controllers::daemonset
