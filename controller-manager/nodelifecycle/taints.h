// Taints and tolerations as the node controllers read and write them (pkg/util/taints,
// k8s.io/api/core/v1 toleration.go, pkg/controller's AddOrUpdateTaintOnNode and
// RemoveTaintOffNode). Shared by the node lifecycle and taint eviction controllers.
#pragma once

#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "client/clientset.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers {

using k8s::core::v1::Taint;
using k8s::core::v1::Toleration;

// The taint keys Kubernetes' node controllers own (v1.TaintNode*).
inline constexpr char kTaintNodeNotReady[] = "node.kubernetes.io/not-ready";
inline constexpr char kTaintNodeUnreachable[] = "node.kubernetes.io/unreachable";
inline constexpr char kTaintNodeUnschedulable[] = "node.kubernetes.io/unschedulable";
inline constexpr char kTaintNodeMemoryPressure[] = "node.kubernetes.io/memory-pressure";
inline constexpr char kTaintNodeDiskPressure[] = "node.kubernetes.io/disk-pressure";
inline constexpr char kTaintNodeNetworkUnavailable[] = "node.kubernetes.io/network-unavailable";
inline constexpr char kTaintNodePIDPressure[] = "node.kubernetes.io/pid-pressure";

// A taint of `key` and `effect`, no value, no timeAdded (a template).
Taint MakeTaint(const std::string& key, const std::string& effect);

// Taint.MatchTaint: the same key and effect (the value and timeAdded do not count).
bool MatchTaint(const Taint& a, const Taint& b);
// Whether `taints` has one matching `taint` (taintutils.TaintExists).
bool TaintExists(const google::protobuf::RepeatedPtrField<Taint>& taints, const Taint& taint);

// Toleration.ToleratesTaint: an empty effect matches every effect, an empty key with Exists
// every key; "Equal" (or no operator) compares the values.
bool ToleratesTaint(const Toleration& toleration, const Taint& taint);

// v1helper.GetMatchingTolerations: whether every taint is tolerated, and the tolerations
// that tolerate them (one per taint, the first that matches).
struct MatchingTolerations {
  bool all_tolerated = true;
  std::vector<Toleration> used;
};
MatchingTolerations GetMatchingTolerations(const std::vector<Taint>& taints,
                                           const std::vector<Toleration>& tolerations);

// SwapNodeControllerTaint: adds `add` (each stamped timeAdded now, replacing a taint of the
// same key and effect) and removes the taints matching `remove`, in one Update of the node
// read fresh from the apiserver, retried on conflict. Nothing is written when nothing
// changes. NotFound when the node is gone.
Status SwapNodeTaints(const client::Clientset& clientset, const std::string& node_name,
                      std::vector<Taint> add, const std::vector<Taint>& remove);

// RemoveTaintOffNode: removes the taints matching `remove`; no call at all when `cached`
// (the node as a cache saw it) has none of them.
Status RemoveTaintsOffNode(const client::Clientset& clientset, const k8s::core::v1::Node& cached,
                           const std::vector<Taint>& remove);

}  // namespace pk::controllers
