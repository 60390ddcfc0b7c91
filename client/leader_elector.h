// Leader election over a coordination/v1 Lease, as client-go's tools/leaderelection:
// candidates race to hold one Lease; the holder renews it every retry period; others take it
// over once they have seen it unchanged for a lease duration (measured on their own clock
// from when they observed it, never by comparing clocks across machines).
//
//   LeaseStore        how the elector reads and writes its one Lease (an apiserver, or the
//                     in-memory MemoryLeaseStore for tests); the store names the Lease, as
//                     client-go's LeaseLock does.
//   LeaderElector     one candidate: Start() runs it on its own thread until Stop() or lost
//                     leadership.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "apimachinery/status.h"
#include "client/background_thread.h"
#include "client/clock.h"
#include "proto/coordination/v1/coordination.pb.h"

namespace pk::client {

using Lease = k8s::coordination::v1::Lease;

// Access to one Lease, which the store names (namespace and name): the elector writes only its
// spec. Every call gives up with Timeout once `timeout` has passed (the elector passes what is
// left of its renew deadline, as client-go bounds them by a context). Thread-safe.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  // The Lease, NotFound when absent.
  virtual Result<Lease> Get(Clock::Duration timeout) = 0;
  // Creates the Lease with `lease`'s spec; AlreadyExists when a Lease is there.
  virtual Status Create(const Lease& lease, Clock::Duration timeout) = 0;
  // Compare-and-swap on metadata.resourceVersion: Conflict when the stored Lease has another.
  // `lease` is one Get returned, with its spec changed.
  virtual Status Update(const Lease& lease, Clock::Duration timeout) = 0;
};

// A LeaseStore in memory, with resourceVersions counted from 1; never slow, so it ignores the
// timeouts. Thread-safe.
class MemoryLeaseStore : public LeaseStore {
 public:
  Result<Lease> Get(Clock::Duration timeout) override;
  Status Create(const Lease& lease, Clock::Duration timeout) override;
  Status Update(const Lease& lease, Clock::Duration timeout) override;
  // While set, every call fails with ServiceUnavailable (an unreachable apiserver).
  void SetUnavailable(bool unavailable);

 private:
  std::mutex mu_;
  std::optional<Lease> lease_;  // guarded by mu_
  int64_t revision_ = 0;        // guarded by mu_
  bool unavailable_ = false;    // guarded by mu_
};

struct LeaderElectionConfig {
  std::string identity;  // unique per candidate, e.g. "<host>_<uuid>"
  // Written into the Lease (whole seconds): how long others wait, after seeing it unchanged,
  // before taking it over. Candidates wait what the Lease says, this when it says nothing.
  Clock::Duration lease_duration = std::chrono::seconds(15);
  // How long the leader keeps retrying a failed renewal before it gives up leadership; it
  // also bounds every LeaseStore call (so a hung apiserver cannot stall a renewal).
  Clock::Duration renew_deadline = std::chrono::seconds(10);
  // Pause between attempts to acquire or renew.
  Clock::Duration retry_period = std::chrono::seconds(2);
  // On Stop, a leader clears the holder so another candidate need not wait out the lease.
  bool release_on_cancel = false;
  // Never called under the elector's lock. OnStartedLeading runs on a thread of its own and
  // may run the component for as long as it leads: renewals continue meanwhile. Once
  // leadership is lost or the elector stopped, OnStoppedLeading is called (on the elector's
  // thread; it must make OnStartedLeading return) and the elector then joins that thread.
  // OnNewLeader is called on the elector's thread and must return promptly. Any of them may
  // call Stop().
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;  // holder changed
};

class LeaderElector {
 public:
  // Invalid unless lease_duration > renew_deadline > retry_period > 0, identity is set and
  // `store` is not null. `store` and `clock` must outlive the elector.
  static Result<std::unique_ptr<LeaderElector>> New(LeaderElectionConfig config, LeaseStore* store,
                                                    const Clock& clock = RealClock());
  ~LeaderElector();  // Stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Starts campaigning on a background thread; only the first call, and none after Stop. Once
  // leadership is lost the thread ends and the elector does not campaign again (components
  // exit, as in Kubernetes).
  void Start();
  // Stops campaigning (releasing the Lease if release_on_cancel) and waits for the elector's
  // threads -- at most about renew_deadline, the bound of a LeaseStore call in flight. From
  // inside a callback it only signals: the threads end once the callback returns. Idempotent,
  // thread-safe, also before Start.
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
  // One attempt whose store calls all end by `deadline`.
  bool TryAcquireOrRenew(Clock::TimePoint deadline);
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
  BackgroundThread component_;   // runs OnStartedLeading; joined by the elector thread
  BackgroundThread thread_;      // the elector thread: started by Start, joined by Stop
};

}  // namespace pk::client
