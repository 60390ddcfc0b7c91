#include "kubelet/runtime_cache.h"

namespace pk::kubelet {

void RuntimeCache::SetAll(std::map<std::string, PodRuntimeState> pods, Time at) {
  std::lock_guard lock(mu_);
  if (relisted_ && *relisted_ > at) return;  // an older relist finishing late
  relisted_ = at;
  for (auto it = pods_.begin(); it != pods_.end();) {
    // Not listed, and not listed by anyone after the relist began: the runtime lost it.
    it = it->second.at <= at && !pods.count(it->first) ? pods_.erase(it) : std::next(it);
  }
  for (auto& [uid, state] : pods) SetLocked(uid, std::move(state), at);
}

void RuntimeCache::Set(const std::string& uid, PodRuntimeState state, Time at) {
  std::lock_guard lock(mu_);
  SetLocked(uid, std::move(state), at);
}

void RuntimeCache::SetLocked(const std::string& uid, PodRuntimeState state, Time at) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) {
    // A newer complete relist did not see the pod: its absence is the newer picture.
    if (relisted_ && *relisted_ > at) return;
    pods_.emplace(uid, Entry{std::move(state), at});
  } else if (it->second.at < at) {
    it->second = Entry{std::move(state), at};
  }
}

std::optional<PodRuntimeState> RuntimeCache::Get(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = pods_.find(uid);
  if (it != pods_.end()) return it->second.state;
  if (relisted_) return PodRuntimeState{};
  return std::nullopt;
}

}  // namespace pk::kubelet
