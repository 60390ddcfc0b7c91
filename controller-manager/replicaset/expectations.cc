#include "controller-manager/replicaset/expectations.h"

namespace pk::controllers::replicaset {

void ControllerExpectations::ExpectCreations(const std::string& key, int adds) {
  std::lock_guard lock(mu_);
  expectations_[key] = {adds, 0, clock_.Now()};
}

void ControllerExpectations::ExpectDeletions(const std::string& key,
                                             const std::vector<std::string>& pod_keys) {
  std::lock_guard lock(mu_);
  auto& pending = deletions_[key];
  pending = std::set<std::string>(pod_keys.begin(), pod_keys.end());
  expectations_[key] = {0, static_cast<int>(pending.size()), clock_.Now()};
}

void ControllerExpectations::CreationObserved(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = expectations_.find(key);
  if (it != expectations_.end()) --it->second.adds;
}

void ControllerExpectations::DeletionObserved(const std::string& key, const std::string& pod_key) {
  std::lock_guard lock(mu_);
  auto pending = deletions_.find(key);
  if (pending == deletions_.end() || pending->second.erase(pod_key) == 0) return;
  auto it = expectations_.find(key);
  if (it != expectations_.end()) --it->second.dels;
}

bool ControllerExpectations::SatisfiedExpectations(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = expectations_.find(key);
  if (it == expectations_.end()) return true;
  const Expectation& e = it->second;
  if (e.adds <= 0 && e.dels <= 0) return true;
  return clock_.Now() - e.timestamp > ttl_;
}

void ControllerExpectations::DeleteExpectations(const std::string& key) {
  std::lock_guard lock(mu_);
  expectations_.erase(key);
  deletions_.erase(key);
}

}  // namespace pk::controllers::replicaset
