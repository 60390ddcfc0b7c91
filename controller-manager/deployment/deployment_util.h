// The Deployment controller's pure helpers (pkg/controller/deployment/util/deployment_util.go
// and the ReplicaSet parts of pkg/controller/controller_utils.go, v1.32): annotations,
// revisions, the pod-template hash, rolling-update fenceposts, conditions and replica counts.
// No I/O: everything here works on the objects given.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::controllers::deployment {

using k8s::apps::v1::Deployment;
using k8s::apps::v1::DeploymentCondition;
using k8s::apps::v1::DeploymentStatus;
using k8s::apps::v1::ReplicaSet;
using RSPtr = std::shared_ptr<const ReplicaSet>;
using RSList = std::vector<RSPtr>;

inline constexpr char kRevisionAnnotation[] = "deployment.kubernetes.io/revision";
inline constexpr char kRevisionHistoryAnnotation[] = "deployment.kubernetes.io/revision-history";
inline constexpr char kDesiredReplicasAnnotation[] = "deployment.kubernetes.io/desired-replicas";
inline constexpr char kMaxReplicasAnnotation[] = "deployment.kubernetes.io/max-replicas";
inline constexpr char kPodTemplateHashLabel[] = "pod-template-hash";
// Revision history kept on a reused ReplicaSet, in characters (maxRevHistoryLengthInChars).
inline constexpr size_t kMaxRevisionHistoryChars = 2000;

// Condition types and reasons, as Kubernetes spells them.
inline constexpr char kProgressing[] = "Progressing";
inline constexpr char kAvailable[] = "Available";
inline constexpr char kReplicaFailure[] = "ReplicaFailure";
inline constexpr char kReplicaSetUpdatedReason[] = "ReplicaSetUpdated";
inline constexpr char kFailedRSCreateReason[] = "ReplicaSetCreateError";
inline constexpr char kNewReplicaSetReason[] = "NewReplicaSetCreated";
inline constexpr char kFoundNewRSReason[] = "FoundNewReplicaSet";
inline constexpr char kNewRSAvailableReason[] = "NewReplicaSetAvailable";
inline constexpr char kTimedOutReason[] = "ProgressDeadlineExceeded";
inline constexpr char kPausedDeployReason[] = "DeploymentPaused";
inline constexpr char kResumedDeployReason[] = "DeploymentResumed";
inline constexpr char kMinimumReplicasAvailable[] = "MinimumReplicasAvailable";
inline constexpr char kMinimumReplicasUnavailable[] = "MinimumReplicasUnavailable";

// --- the pod-template hash ---

// rand.SafeEncodeString: every byte mapped onto "bcdfghjklmnpqrstvwxz2456789".
std::string SafeEncodeString(const std::string& s);
// controller.ComputeHash: FNV-32a of the template's deterministic serialization (empty
// sub-messages dropped, as for EqualIgnoreHash), then the
// collision count (when set) as 8 little-endian bytes, printed in decimal and safe-encoded.
// Stable across runs; not byte-equal to Kubernetes' (the serializations differ).
std::string ComputeHash(const k8s::core::v1::PodTemplateSpec& tmpl,
                        std::optional<int32_t> collision_count);
// EqualIgnoreHash: the templates are equal once their pod-template-hash labels are dropped
// (and empty sub-messages, which Kubernetes' value structs cannot tell from absent ones).
bool EqualIgnoreHash(const k8s::core::v1::PodTemplateSpec& a,
                     const k8s::core::v1::PodTemplateSpec& b);

// --- rolling-update fenceposts ---

// intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of `total` rounded up or down.
Result<int32_t> ScaledValue(const k8s::util::IntOrString& value, int32_t total, bool round_up);
struct Fenceposts {
  int32_t surge = 0;
  int32_t unavailable = 0;
};
// ResolveFenceposts: surge rounds up, unavailable down; both zero makes unavailable 1.
Fenceposts ResolveFenceposts(const Deployment& d);
bool IsRollingUpdate(const Deployment& d);
int32_t MaxSurge(const Deployment& d);        // 0 unless RollingUpdate
int32_t MaxUnavailable(const Deployment& d);  // 0 unless RollingUpdate; at most replicas
int32_t Replicas(const Deployment& d);        // spec.replicas (defaulted to 1 by the server)
int32_t Replicas(const ReplicaSet& rs);
bool HasProgressDeadline(const Deployment& d);
bool HasRevisionHistoryLimit(const Deployment& d);

// --- annotations and revisions ---

// The revision annotation as a number; 0 when absent or unparsable.
int64_t Revision(const ReplicaSet& rs);
int64_t MaxRevision(const RSList& rss);
// Sets the Deployment's revision annotation; whether it changed.
bool SetDeploymentRevision(Deployment* d, const std::string& revision);
// SetNewReplicaSetAnnotations: copies the Deployment's annotations (but the skipped ones),
// raises the revision to `new_revision` (recording the old one in revision-history when a
// revision existed: a rollback), and for a ReplicaSet about to be created the replica
// annotations. Whether anything changed.
bool SetNewReplicaSetAnnotations(const Deployment& d, ReplicaSet* rs,
                                 const std::string& new_revision, bool exists);
// desired-replicas and max-replicas; whether they changed / need to.
bool SetReplicasAnnotations(ReplicaSet* rs, int32_t desired, int32_t max);
bool ReplicasAnnotationsNeedUpdate(const ReplicaSet& rs, int32_t desired, int32_t max);
std::optional<int32_t> IntAnnotation(const ReplicaSet& rs, const char* key);

// --- ReplicaSet sets ---

// The ReplicaSet whose template equals the Deployment's (the oldest, if several); null if none.
RSPtr FindNewReplicaSet(const Deployment& d, RSList rss);
// Every other ReplicaSet.
RSList FindOldReplicaSets(const Deployment& d, const RSList& rss);
RSList FilterActive(const RSList& rss);  // spec.replicas > 0 (nulls dropped)
void SortByCreation(RSList* rss);        // oldest first, then by name
void SortByRevision(RSList* rss);        // lowest revision first, then oldest
void SortBySizeOlder(RSList* rss);       // largest first, older first on ties
void SortBySizeNewer(RSList* rss);       // largest first, newer first on ties
RSPtr FindActiveOrLatest(const RSPtr& new_rs, RSList old_rss);
bool IsSaturated(const Deployment& d, const RSPtr& rs);
// The share of a proportional scale (`to_add` replicas in all, `added` so far) for `rs`.
int32_t GetProportion(const ReplicaSet& rs, const Deployment& d, int32_t to_add, int32_t added);
// The new ReplicaSet's size in the next step of the rollout.
Result<int32_t> NewRSNewReplicas(const Deployment& d, const RSList& all, const ReplicaSet& new_rs);

int32_t SpecReplicaCount(const RSList& rss);       // sum of spec.replicas
int32_t ActualReplicaCount(const RSList& rss);     // sum of status.replicas
int32_t ReadyReplicaCount(const RSList& rss);      // sum of status.readyReplicas
// The sum of status.availableReplicas, each at most its spec.replicas. Kubernetes sums the
// status alone, but a ReplicaSet's status right after a scale-down still counts the pods it
// has just deleted (calculateStatus runs on the pods listed before the deletions); a rolling
// update trusting that count scales the old ReplicaSets down twice for the same pods and
// dips below replicas - maxUnavailable.
int32_t AvailableReplicaCount(const RSList& rss);

// --- conditions and status ---

DeploymentCondition NewCondition(const std::string& type, const std::string& status,
                                 const std::string& reason, const std::string& message);
const DeploymentCondition* GetCondition(const DeploymentStatus& status, const std::string& type);
// SetDeploymentCondition: nothing when status and reason are unchanged; keeps the
// lastTransitionTime when the status is; the condition goes last.
void SetCondition(DeploymentStatus* status, DeploymentCondition condition);
void RemoveCondition(DeploymentStatus* status, const std::string& type);
bool DeploymentComplete(const Deployment& d, const DeploymentStatus& status);
bool DeploymentProgressing(const Deployment& d, const DeploymentStatus& status);
bool DeploymentTimedOut(const Deployment& d, const DeploymentStatus& status, int64_t now_seconds);
// calculateStatus: counts from the ReplicaSets, the Available condition.
DeploymentStatus CalculateStatus(const RSList& all, const RSPtr& new_rs, const Deployment& d);

}  // namespace pk::controllers::deployment
