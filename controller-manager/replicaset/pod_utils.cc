#include "controller-manager/replicaset/pod_utils.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

namespace pk::controllers::replicaset {
namespace {

constexpr char kDeletionCostAnnotation[] = "controller.kubernetes.io/pod-deletion-cost";

const k8s::core::v1::PodCondition* ReadyCondition(const Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready") return &c;
  }
  return nullptr;
}

bool IsZero(const k8s::meta::v1::Time& t) { return t.seconds() == 0 && t.nanos() == 0; }

// Nanoseconds since the epoch (only differences are used, so the range suffices).
double Nanos(const k8s::meta::v1::Time& t) { return t.seconds() * 1e9 + t.nanos(); }

bool Equal(const k8s::meta::v1::Time& a, const k8s::meta::v1::Time& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

// afterOrZero: a zero time first, then the later time first.
bool AfterOrZero(const k8s::meta::v1::Time& a, const k8s::meta::v1::Time& b) {
  if (IsZero(a) || IsZero(b)) return IsZero(a);
  return Nanos(a) > Nanos(b);
}

// The Ready condition's lastTransitionTime when ready; zero otherwise.
k8s::meta::v1::Time ReadyTime(const Pod& pod) {
  const auto* c = ReadyCondition(pod);
  if (c != nullptr && c->status() == "True") return c->last_transition_time();
  return {};
}

// logarithmicRankDiff: floor(log2(age in ns)) of a minus that of b (-1 for no age).
int64_t LogRankDiff(const k8s::meta::v1::Time& a, const k8s::meta::v1::Time& b, double now) {
  auto rank = [now](const k8s::meta::v1::Time& t) -> int64_t {
    double age = now - Nanos(t);
    return age > 0 ? static_cast<int64_t>(std::log2(age)) : -1;
  };
  return rank(a) - rank(b);
}

// Time order of rules 6 and 8: the later (or zero) time first, logarithmically bucketed.
bool LaterFirst(const k8s::meta::v1::Time& a, const k8s::meta::v1::Time& b, const Pod& pa,
                const Pod& pb, double now) {
  if (now == 0 || IsZero(a) || IsZero(b)) return AfterOrZero(a, b);
  int64_t diff = LogRankDiff(a, b, now);
  if (diff == 0) return pa.metadata().uid() < pb.metadata().uid();
  return diff < 0;
}

int PhaseOrdinal(const std::string& phase) {
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;  // Pending, and any other, as Go's map default
}

// helper.GetDeletionCostFromPodAnnotations: an int32; absent or invalid is 0.
int64_t DeletionCost(const Pod& pod) {
  const auto& annotations = pod.metadata().annotations();
  auto it = annotations.find(kDeletionCostAnnotation);
  if (it == annotations.end()) return 0;
  int32_t cost = 0;
  const std::string& v = it->second;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), cost);
  return ec == std::errc() && end == v.data() + v.size() ? cost : 0;
}

struct Ranked {
  PodPtr pod;
  int rank;  // active related pods on the same node
};

// ActivePodsWithRanks.Less: whether a should be deleted before b.
bool DeleteBefore(const Ranked& ra, const Ranked& rb, double now) {
  const Pod& a = *ra.pod;
  const Pod& b = *rb.pod;
  const std::string& na = a.spec().node_name();
  const std::string& nb = b.spec().node_name();
  if (na != nb && (na.empty() || nb.empty())) return na.empty();
  int pa = PhaseOrdinal(a.status().phase()), pb = PhaseOrdinal(b.status().phase());
  if (pa != pb) return pa < pb;
  bool ready_a = IsPodReady(a), ready_b = IsPodReady(b);
  if (ready_a != ready_b) return !ready_a;
  int64_t ca = DeletionCost(a), cb = DeletionCost(b);
  if (ca != cb) return ca < cb;
  if (ra.rank != rb.rank) return ra.rank > rb.rank;
  if (ready_a && ready_b) {
    auto ta = ReadyTime(a), tb = ReadyTime(b);
    if (!Equal(ta, tb)) return LaterFirst(ta, tb, a, b, now);
  }
  int32_t restarts_a = MaxContainerRestarts(a), restarts_b = MaxContainerRestarts(b);
  if (restarts_a != restarts_b) return restarts_a > restarts_b;
  const auto& created_a = a.metadata().creation_timestamp();
  const auto& created_b = b.metadata().creation_timestamp();
  if (!Equal(created_a, created_b)) return LaterFirst(created_a, created_b, a, b, now);
  return false;
}

}  // namespace

bool IsPodActive(const Pod& pod) {
  const std::string& phase = pod.status().phase();
  return phase != "Succeeded" && phase != "Failed" && !pod.metadata().has_deletion_timestamp();
}

bool IsPodReady(const Pod& pod) {
  const auto* c = ReadyCondition(pod);
  return c != nullptr && c->status() == "True";
}

bool IsPodAvailable(const Pod& pod, int32_t min_ready_seconds, Timestamp now) {
  if (!IsPodReady(pod)) return false;
  if (min_ready_seconds == 0) return true;
  const auto& t = ReadyCondition(pod)->last_transition_time();
  if (IsZero(t)) return false;
  // lastTransitionTime + minReadySeconds strictly before now.
  int64_t ready_until = t.seconds() + min_ready_seconds;
  return ready_until < now.seconds || (ready_until == now.seconds && t.nanos() < now.nanos);
}

std::string PodKey(const Pod& pod) {
  return pod.metadata().namespace_() + "/" + pod.metadata().name();
}

int32_t MaxContainerRestarts(const Pod& pod) {
  int32_t most = 0;
  for (const auto& c : pod.status().container_statuses()) most = std::max(most, c.restart_count());
  return most;
}

void SortPodsForDeletion(std::vector<PodPtr>* pods, const std::vector<PodPtr>& related,
                         Timestamp now) {
  std::map<std::string, int> on_node;
  for (const PodPtr& p : related) {
    if (IsPodActive(*p)) ++on_node[p->spec().node_name()];
  }
  std::vector<Ranked> ranked;
  ranked.reserve(pods->size());
  for (const PodPtr& p : *pods) ranked.push_back({p, on_node[p->spec().node_name()]});
  double now_nanos = now.seconds * 1e9 + now.nanos;
  std::stable_sort(ranked.begin(), ranked.end(), [now_nanos](const Ranked& a, const Ranked& b) {
    return DeleteBefore(a, b, now_nanos);
  });
  for (size_t i = 0; i < ranked.size(); ++i) (*pods)[i] = ranked[i].pod;
}

}  // namespace pk::controllers::replicaset
