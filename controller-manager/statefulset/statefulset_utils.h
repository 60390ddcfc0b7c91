// The StatefulSet controller's pure helpers (pkg/controller/statefulset/stateful_set_utils.go,
// v1.32): ordinals and stable names, a pod's identity, the pod predicates the ordered policy
// waits on, revisions as patches of the pod template, and the status rules. No I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "apimachinery/status.h"
#include "apimachinery/time.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers::statefulset {

using k8s::apps::v1::ControllerRevision;
using k8s::apps::v1::StatefulSet;
using k8s::apps::v1::StatefulSetStatus;
using k8s::core::v1::Pod;
using PodPtr = std::shared_ptr<const Pod>;

inline constexpr char kPodNameLabel[] = "statefulset.kubernetes.io/pod-name";
inline constexpr char kPodIndexLabel[] = "apps.kubernetes.io/pod-index";
// apps.ControllerRevisionHashLabelKey: the revision a pod was made from.
inline constexpr char kRevisionLabel[] = "controller-revision-hash";

// --- ordinals and identity ---

// getParentNameAndOrdinal: NAME-ORDINAL splits at the last '-' followed only by digits; a
// pod not named so has parent "" and ordinal -1 (ordinal -1 also when it overflows int32).
struct ParentAndOrdinal {
  std::string parent;
  int ordinal = -1;
};
ParentAndOrdinal GetParentNameAndOrdinal(const Pod& pod);
int GetOrdinal(const Pod& pod);
std::string GetPodName(const StatefulSet& set, int ordinal);
// spec.ordinals.start (StatefulSetStartOrdinal is GA in v1.31), else 0.
int GetStartOrdinal(const StatefulSet& set);
// The last ordinal of the set's range: start + replicas - 1.
int GetEndOrdinal(const StatefulSet& set);
bool PodInOrdinalRange(const Pod& pod, const StatefulSet& set);
// isMemberOf: the pod's name says it belongs to the set.
bool IsMemberOf(const StatefulSet& set, const Pod& pod);
// identityMatches: name, namespace and the pod-name label are the set's for its ordinal.
bool IdentityMatches(const StatefulSet& set, const Pod& pod);
// updateIdentity: name, namespace, and the pod-name and pod-index labels (PodIndexLabel is
// GA in v1.32).
void UpdateIdentity(const StatefulSet& set, Pod* pod);

// --- predicates ---

bool IsRunningAndReady(const Pod& pod);
// Running, and Ready for minReadySeconds at `now`.
bool IsRunningAndAvailable(const Pod& pod, int32_t min_ready_seconds, Timestamp now);
// Created: the apiserver gave it a phase (placeholders for missing ordinals have none).
bool IsCreated(const Pod& pod);
bool IsTerminating(const Pod& pod);
bool IsFailed(const Pod& pod);
bool IsSucceeded(const Pod& pod);
// Not available, or terminating.
bool IsUnavailable(const Pod& pod, int32_t min_ready_seconds, Timestamp now);
// podManagementPolicy Parallel.
bool AllowsBurst(const StatefulSet& set);

// --- pods of a revision ---

std::string GetPodRevision(const Pod& pod);
void SetPodRevision(Pod* pod, const std::string& revision);
// newStatefulSetPod: the template with a controllerRef, the stable name and labels, and
// spec.hostname = name, spec.subdomain = serviceName (set only when the pod is made).
Pod NewStatefulSetPod(const StatefulSet& set, int ordinal);
// newVersionedStatefulSetPod: a missing pod below the partition (or, with no rollingUpdate,
// below start + status.currentReplicas) is made at the current revision, others at the update
// revision.
Pod NewVersionedStatefulSetPod(const StatefulSet& current_set, const StatefulSet& update_set,
                               const std::string& current_revision,
                               const std::string& update_revision, int ordinal);

// --- revisions ---

// getPatch: {"spec":{"template":{...,"$patch":"replace"}}} with keys sorted, as Go's
// json.Marshal of a map writes them; the Data of the set's ControllerRevisions.
std::string GetPatch(const StatefulSet& set);
// ApplyRevision: `set` with the revision's pod template.
Result<StatefulSet> ApplyRevision(const StatefulSet& set, const ControllerRevision& revision);

// --- status ---

// inconsistentStatus: whether `status` differs from the set's in anything written.
bool InconsistentStatus(const StatefulSet& set, const StatefulSetStatus& status);
// completeRollingUpdate: with RollingUpdate, once every replica is updated and ready the
// update revision becomes the current one.
void CompleteRollingUpdate(const StatefulSet& set, StatefulSetStatus* status);

}  // namespace pk::controllers::statefulset
