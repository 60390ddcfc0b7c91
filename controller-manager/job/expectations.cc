#include "controller-manager/job/expectations.h"

namespace pk::controllers {

void Expectations::Expect(const std::string& key, int adds, int deletes) {
  std::lock_guard lock(mu_);
  pending_[key] = Pending{adds, deletes, clock_.Now()};
}

void Expectations::Lower(const std::string& key, int adds, int deletes) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  it->second.adds -= adds;
  it->second.deletes -= deletes;
}

bool Expectations::Satisfied(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = pending_.find(key);
  if (it == pending_.end()) return true;
  const Pending& p = it->second;
  return (p.adds <= 0 && p.deletes <= 0) || clock_.Now() - p.since > kTtl;
}

void Expectations::Delete(const std::string& key) {
  std::lock_guard lock(mu_);
  pending_.erase(key);
}

}  // namespace pk::controllers
