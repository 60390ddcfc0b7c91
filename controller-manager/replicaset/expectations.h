// ControllerExpectations (pkg/controller/controller_utils.go, UIDTrackingControllerExpectations):
// per controller key, the pod creations and deletions a controller made and has not yet seen
// in its informer. While some are outstanding the controller does not act again on the key,
// so that a slow watch never makes it create or delete twice. Expectations lapse after `ttl`
// (5 minutes in Kubernetes) in case an observation is lost. Deletions are tracked by pod key
// ("namespace/name") so that each is observed once, whether as a deletionTimestamp or as a
// delete.
//
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/clock.h"

namespace pk::controllers::replicaset {

class ControllerExpectations {
 public:
  explicit ControllerExpectations(const client::Clock& clock,
                                  client::Clock::Duration ttl = std::chrono::minutes(5))
      : clock_(clock), ttl_(ttl) {}

  // Replaces `key`'s expectations by `adds` creations (SetExpectations(key, adds, 0)).
  void ExpectCreations(const std::string& key, int adds);
  // Replaces `key`'s expectations by the deletion of `pod_keys`.
  void ExpectDeletions(const std::string& key, const std::vector<std::string>& pod_keys);
  // One creation seen (or given up on); nothing when `key` expects nothing.
  void CreationObserved(const std::string& key);
  // The deletion of `pod_key` seen (or given up on); counts only a deletion that was expected.
  void DeletionObserved(const std::string& key, const std::string& pod_key);
  // True when nothing is outstanding, the expectations expired, or there are none for `key`.
  bool SatisfiedExpectations(const std::string& key) const;
  // Forgets `key` (its controller is gone).
  void DeleteExpectations(const std::string& key);

 private:
  struct Expectation {
    int adds = 0;
    int dels = 0;
    client::Clock::TimePoint timestamp;
  };

  const client::Clock& clock_;
  const client::Clock::Duration ttl_;
  mutable std::mutex mu_;
  std::map<std::string, Expectation> expectations_;         // guarded by mu_
  std::map<std::string, std::set<std::string>> deletions_;  // guarded by mu_
};

}  // namespace pk::controllers::replicaset
