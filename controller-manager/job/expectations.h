// Expectations (pkg/controller's ControllerExpectations): the pod creations and deletions a
// controller asked for and its informer has not shown yet, per controller key. A key whose
// expectations are not met is not managed again (no pods made twice because the cache
// lags); expectations older than five minutes count as met, so a lost event cannot wedge a
// controller. Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "client/clock.h"

namespace pk::controllers {

class Expectations {
 public:
  explicit Expectations(const client::Clock& clock) : clock_(clock) {}

  // Replaces the key's expectations with `adds` creations and `deletes` deletions.
  void Expect(const std::string& key, int adds, int deletes);
  // The informer showed one of the key's pods created / deleted.
  void CreationObserved(const std::string& key) { Lower(key, 1, 0); }
  void DeletionObserved(const std::string& key) { Lower(key, 0, 1); }
  // Some asked-for changes will never show (the call failed).
  void Lower(const std::string& key, int adds, int deletes);
  // True when nothing is pending, nothing was ever expected, or the expectations expired.
  bool Satisfied(const std::string& key) const;
  void Delete(const std::string& key);

 private:
  struct Pending {
    int adds = 0;
    int deletes = 0;
    client::Clock::TimePoint since;
  };
  static constexpr std::chrono::minutes kTtl{5};

  const client::Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Pending> pending_;  // guarded by mu_
};

}  // namespace pk::controllers
