#include "controller-manager/controller_utils.h"

#include "apimachinery/maps.h"
#include "controller-manager/replicaset/pod_control.h"

namespace pk::controllers {

bool SameStringMap(const StringMap& a, const StringMap& b) { return SameMap(a, b); }

bool SameLabels(const k8s::core::v1::Pod& a, const k8s::core::v1::Pod& b) {
  return SameStringMap(a.metadata().labels(), b.metadata().labels());
}

bool SameControllerRef(const k8s::core::v1::Pod& a, const k8s::core::v1::Pod& b) {
  const auto* ra = replicaset::GetControllerOf(a.metadata());
  const auto* rb = replicaset::GetControllerOf(b.metadata());
  if (ra == nullptr || rb == nullptr) return ra == rb;
  return ra->SerializeAsString() == rb->SerializeAsString();
}

Timestamp WallTimestamp(const client::Clock& clock) {
  auto since = clock.WallNow().time_since_epoch();
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since);
  return {seconds.count(),
          static_cast<int32_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(since - seconds).count())};
}

}  // namespace pk::controllers
