#include "client/leader_elector.h"

#include <algorithm>
#include <chrono>

namespace pk::client {
namespace {

const GroupResource kLeases{"coordination.k8s.io", "leases"};

k8s::meta::v1::MicroTime ToMicroTime(std::chrono::system_clock::time_point t) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  k8s::meta::v1::MicroTime out;
  out.set_seconds(micros.count() / 1000000);
  out.set_nanos(static_cast<int32_t>(micros.count() % 1000000) * 1000);
  return out;
}

int32_t WholeSeconds(Clock::Duration d) {
  auto secs = std::chrono::ceil<std::chrono::seconds>(d).count();
  return static_cast<int32_t>(std::max<int64_t>(secs, 1));
}

Status Unavailable() {
  return Status(Reason::kServiceUnavailable, "the lease store is unavailable");
}

}  // namespace

Result<Lease> MemoryLeaseStore::Get(Clock::Duration) {
  std::lock_guard<std::mutex> guard(mu_);
  if (unavailable_) return Unavailable();
  if (!lease_) return Status::NotFound(kLeases, "");
  return *lease_;
}

Status MemoryLeaseStore::Create(const Lease& lease, Clock::Duration) {
  std::lock_guard<std::mutex> guard(mu_);
  if (unavailable_) return Unavailable();
  if (lease_) return Status::AlreadyExists(kLeases, lease.metadata().name());
  lease_ = lease;
  lease_->mutable_metadata()->set_resource_version(std::to_string(++revision_));
  return Status::OK();
}

Status MemoryLeaseStore::Update(const Lease& lease, Clock::Duration) {
  std::lock_guard<std::mutex> guard(mu_);
  if (unavailable_) return Unavailable();
  if (!lease_) return Status::NotFound(kLeases, lease.metadata().name());
  if (lease_->metadata().resource_version() != lease.metadata().resource_version()) {
    return Status::ObjectModified(kLeases, lease.metadata().name());
  }
  lease_ = lease;
  lease_->mutable_metadata()->set_resource_version(std::to_string(++revision_));
  return Status::OK();
}

void MemoryLeaseStore::SetUnavailable(bool unavailable) {
  std::lock_guard<std::mutex> guard(mu_);
  unavailable_ = unavailable;
}

Result<std::unique_ptr<LeaderElector>> LeaderElector::New(LeaderElectionConfig config,
                                                          LeaseStore* store, const Clock& clock) {
  if (config.identity.empty() || store == nullptr) {
    return Status(Reason::kInvalid, "leader election needs an identity and a lease store");
  }
  if (!(config.lease_duration > config.renew_deadline &&
        config.renew_deadline > config.retry_period &&
        config.retry_period > Clock::Duration::zero())) {
    return Status(Reason::kInvalid,
                  "leader election needs leaseDuration > renewDeadline > retryPeriod > 0");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(std::move(config), store, clock));
}

LeaderElector::LeaderElector(LeaderElectionConfig config, LeaseStore* store, const Clock& clock)
    : config_(std::move(config)), store_(store), clock_(clock) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (stopping_) return;
  }
  thread_.Start([this] { Run(); });
}

// OnStartedLeading's thread must not wait for the elector thread, which waits for it.
void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopping_ = true;
    stop_cond_.notify_all();
  }
  if (component_.IsCurrent()) return;
  thread_.Join();
}

bool LeaderElector::IsLeader() const {
  std::lock_guard<std::mutex> guard(mu_);
  return leading_ && leader_ == config_.identity &&
         clock_.Now() < last_renew_ + config_.renew_deadline;
}

std::string LeaderElector::Leader() const {
  std::lock_guard<std::mutex> guard(mu_);
  return leader_;
}

void LeaderElector::Run() {
  if (!Acquire()) return;
  SetLeading(true);
  // The component runs in OnStartedLeading if it likes (client-go starts it as a goroutine):
  // renewals go on meanwhile on this thread.
  if (config_.on_started_leading) component_.Start(config_.on_started_leading);
  RenewUntilLost();
  SetLeading(false);
  bool stopped;
  {
    std::lock_guard<std::mutex> guard(mu_);
    stopped = stopping_;
  }
  if (stopped && config_.release_on_cancel) Release();
  if (config_.on_stopped_leading) config_.on_stopped_leading();
  component_.Join();  // OnStoppedLeading has told it to return
}

bool LeaderElector::Acquire() {
  while (!TryAcquireOrRenew(clock_.Now() + config_.renew_deadline)) {
    if (!SleepUntil(clock_.Now() + config_.retry_period)) return false;
  }
  return true;
}

// Renews every retry period; a renewal failing for renew_deadline loses leadership.
void LeaderElector::RenewUntilLost() {
  for (;;) {
    if (!SleepUntil(clock_.Now() + config_.retry_period)) return;
    Clock::TimePoint deadline = clock_.Now() + config_.renew_deadline;
    while (!TryAcquireOrRenew(deadline)) {
      Clock::TimePoint next = std::min(clock_.Now() + config_.retry_period, deadline);
      if (!SleepUntil(next) || clock_.Now() >= deadline) return;
    }
  }
}

// One attempt, as client-go's tryAcquireOrRenew: create the Lease if absent; take it if
// released or expired; renew it if ours. Every write is a CAS on the read resourceVersion.
bool LeaderElector::TryAcquireOrRenew(Clock::TimePoint deadline) {
  auto left = [&] { return deadline - clock_.Now(); };
  Clock::TimePoint start = clock_.Now();
  Lease desired;
  auto* spec = desired.mutable_spec();
  spec->set_holder_identity(config_.identity);
  spec->set_lease_duration_seconds(WholeSeconds(config_.lease_duration));
  *spec->mutable_acquire_time() = ToMicroTime(clock_.WallNow());
  *spec->mutable_renew_time() = spec->acquire_time();

  Result<Lease> old = store_->Get(left());
  if (!old.ok() && old.status().reason() != Reason::kNotFound) return false;
  if (left() <= Clock::Duration::zero()) return false;
  if (!old.ok()) {
    spec->set_lease_transitions(0);
    if (!store_->Create(desired, left()).ok()) return false;
  } else {
    if (ObserveAndCheckHeld(*old)) return false;
    const auto& was = old->spec();
    if (was.holder_identity() == config_.identity) {
      *spec->mutable_acquire_time() = was.acquire_time();
      spec->set_lease_transitions(was.lease_transitions());
    } else {
      spec->set_lease_transitions(was.lease_transitions() + 1);
    }
    *desired.mutable_metadata() = old->metadata();  // the store's name, the read version
    if (!store_->Update(desired, left()).ok()) return false;
  }
  observed_ = desired;
  observed_time_ = clock_.Now();
  {
    std::lock_guard<std::mutex> guard(mu_);
    last_renew_ = start;  // others measure expiry from a later observation than this
  }
  ObserveAndCheckHeld(desired);  // reports the new leader if it changed
  return true;
}

// Records `old` if it changed since last observed (restarting the expiry clock) and reports
// a new holder. True when another candidate holds it and it has not expired.
bool LeaderElector::ObserveAndCheckHeld(const Lease& old) {
  if (old.spec().SerializeAsString() != observed_.spec().SerializeAsString()) {
    observed_ = old;
    observed_time_ = clock_.Now();
  }
  const std::string& holder = old.spec().holder_identity();
  bool changed;
  {
    std::lock_guard<std::mutex> guard(mu_);
    changed = leader_ != holder;
    leader_ = holder;
  }
  if (changed && !holder.empty() && config_.on_new_leader) config_.on_new_leader(holder);
  // The holder's leaseDurationSeconds, as newer client-go; ours when the Lease has none.
  int32_t seconds = observed_.spec().lease_duration_seconds();
  Clock::Duration duration = seconds > 0 ? std::chrono::seconds(seconds) : config_.lease_duration;
  return !holder.empty() && holder != config_.identity && clock_.Now() < observed_time_ + duration;
}

// Clears the holder so the next candidate need not wait out the lease (client-go release).
void LeaderElector::Release() {
  Clock::TimePoint deadline = clock_.Now() + config_.renew_deadline;  // bounds Stop
  Result<Lease> old = store_->Get(deadline - clock_.Now());
  if (!old.ok() || old->spec().holder_identity() != config_.identity) return;
  Lease released = *old;
  auto* spec = released.mutable_spec();
  spec->set_holder_identity("");
  spec->set_lease_duration_seconds(1);
  *spec->mutable_renew_time() = ToMicroTime(clock_.WallNow());
  *spec->mutable_acquire_time() = spec->renew_time();
  // Best effort: failing, the lease simply expires.
  (void)store_->Update(released, deadline - clock_.Now());
}

bool LeaderElector::SleepUntil(Clock::TimePoint deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_ && clock_.Now() < deadline) clock_.WaitUntil(stop_cond_, lock, deadline);
  return !stopping_;
}

void LeaderElector::SetLeading(bool leading) {
  std::lock_guard<std::mutex> guard(mu_);
  leading_ = leading;
}

}  // namespace pk::client
