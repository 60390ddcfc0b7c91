// Leader election over a coordination/v1 Lease, as client-go's tools/leaderelection:
// candidates race to hold one Lease; the holder renews it every retry period; others take it
// over once they have seen it unchanged for a lease duration (measured on their own clock
// from when they observed it, never by comparing clocks across machines).
//
//   LeaseStore        how the elector reads and writes its one Lease (an apiserver, or the
//                     in-memory MemoryLeaseStore for tests).
//   LeaderElector     one candidate: Start() runs it on its own thread until Stop() or lost
//                     leadership.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "apimachinery/status.h"
#include "client/clock.h"
#include "proto/coordination/v1/coordination.pb.h"

namespace pk::client {

using Lease = k8s::coordination::v1::Lease;

// Access to one Lease. Implementations are thread-safe.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // The Lease, NotFound when absent.
  virtual Result<Lease> Get() = 0;
  // AlreadyExists when a Lease is there.
  virtual Status Create(const Lease& lease) = 0;
  // Compare-and-swap on metadata.resourceVersion: Conflict when the stored Lease has another.
  virtual Status Update(const Lease& lease) = 0;
};

// A LeaseStore in memory, with resourceVersions counted from 1. Thread-safe.
class MemoryLeaseStore : public LeaseStore {
 public:
  Result<Lease> Get() override;
  Status Create(const Lease& lease) override;
  Status Update(const Lease& lease) override;
  // While set, every call fails with ServiceUnavailable (an unreachable apiserver).
  void SetUnavailable(bool unavailable);

 private:
  std::mutex mu_;
  std::optional<Lease> lease_;  // guarded by mu_
  int64_t revision_ = 0;        // guarded by mu_
  bool unavailable_ = false;    // guarded by mu_
};

struct LeaderElectionConfig {
  std::string lease_namespace = "kube-system";
  std::string lease_name;
  std::string identity;  // unique per candidate, e.g. "<host>_<uuid>"
  // How long others wait, after seeing the Lease unchanged, before taking it over.
  Clock::Duration lease_duration = std::chrono::seconds(15);
  // How long the leader keeps retrying a failed renewal before it gives up leadership.
  Clock::Duration renew_deadline = std::chrono::seconds(10);
  // Pause between attempts to acquire or renew.
  Clock::Duration retry_period = std::chrono::seconds(2);
  // On Stop, a leader clears the holder so another candidate need not wait out the lease.
  bool release_on_cancel = false;
  // Never called under the elector's lock. OnStartedLeading runs on a thread of its own and
  // may run the component for as long as it leads: renewals continue meanwhile. Once
  // leadership is lost or the elector stopped, OnStoppedLeading is called (on the elector's
  // thread; it must make OnStartedLeading return) and the elector then joins that thread.
  // OnNewLeader is called on the elector's thread and must return promptly.
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // holder changed
};

class LeaderElector {
 public:
  // Invalid unless lease_duration > renew_deadline > retry_period > 0 and lease_name and
  // identity are set. `store` and `clock` must outlive the elector.
  static Result<std::unique_ptr<LeaderElector>> New(LeaderElectionConfig config, LeaseStore* store,
                                                    const Clock& clock = RealClock());
  ~LeaderElector();  // Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts campaigning on a background thread; at most once. Once leadership is lost the
  // thread ends and the elector does not campaign again (components exit, as in Kubernetes).
  void Start();
  // Stops campaigning and waits for the thread; releases the Lease if release_on_cancel.
  void Stop();
  // True while leading and the last successful renewal is within renew_deadline, so a
  // stalled leader stops claiming leadership before anyone else may acquire it.
  bool IsLeader() const;
  // The holder last observed ("" when none observed yet).
  std::string Leader() const;

 private:
  LeaderElector(LeaderElectionConfig config, LeaseStore* store, const Clock& clock);
  void Run();
  bool Acquire();
  void RenewUntilLost();
  bool TryAcquireOrRenew();
  bool ObserveAndCheckHeld(const Lease& old);
  void Release();
  // Waits until `deadline` on the clock; false when Stop was called.
  bool SleepUntil(Clock::TimePoint deadline);
  void SetLeading(bool leading);

  // Constant after construction.
  const LeaderElectionConfig config_;
  LeaseStore* const store_;
  const Clock& clock_;

  // Owned by the elector thread.
  Lease observed_;                  // the Lease as last seen changing, or as written
  Clock::TimePoint observed_time_;  // when observed_ was seen, on clock_

  mutable std::mutex mu_;
  std::condition_variable stop_cond_;
  bool stopping_ = false;        // guarded by mu_
  bool leading_ = false;         // guarded by mu_
  Clock::TimePoint last_renew_;  // guarded by mu_
  std::string leader_;           // guarded by mu_
  std::thread thread_;           // started by Start, joined by Stop
};

}  // namespace pk::client
