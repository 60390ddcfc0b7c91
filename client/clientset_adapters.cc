#include "client/clientset_adapters.h"

#include <algorithm>
#include <chrono>

namespace pk::client {
namespace {

// A call's timeout in whole milliseconds, at least one (gRPC deadlines need a future time).
std::chrono::milliseconds Bound(Clock::Duration timeout) {
  return std::max(std::chrono::ceil<std::chrono::milliseconds>(timeout),
                  std::chrono::milliseconds(1));
}

class ClientsetLeaseStore : public LeaseStore {
 public:
  ClientsetLeaseStore(TypedClient<Lease> leases, std::string ns, std::string name)
      : leases_(std::move(leases)), ns_(std::move(ns)), name_(std::move(name)) {}
  Result<Lease> Get(Clock::Duration timeout) override {
    auto lease = leases_.WithTimeout(Bound(timeout)).Get(name_);
    if (!lease.ok()) return lease.take_status();
    return **lease;
  }
  Status Create(const Lease& lease, Clock::Duration timeout) override {
    Lease named = lease;
    named.mutable_metadata()->set_namespace_(ns_);
    named.mutable_metadata()->set_name(name_);
    return leases_.WithTimeout(Bound(timeout)).Create(named).take_status();
  }
  Status Update(const Lease& lease, Clock::Duration timeout) override {
    return leases_.WithTimeout(Bound(timeout)).Update(lease).take_status();
  }

 private:
  const TypedClient<Lease> leases_;
  const std::string ns_;
  const std::string name_;
};

class ClientsetEventSink : public EventSink {
 public:
  explicit ClientsetEventSink(const Clientset& clientset) : clientset_(clientset) {}
  Status Create(const k8s::core::v1::Event& event, Clock::Duration timeout) override {
    return Events(event, timeout).Create(event).take_status();
  }
  Status Update(const k8s::core::v1::Event& event, Clock::Duration timeout) override {
    return Events(event, timeout).Update(event).take_status();
  }

 private:
  TypedClient<k8s::core::v1::Event> Events(const k8s::core::v1::Event& event,
                                           Clock::Duration timeout) const {
    return clientset_.Events(event.metadata().namespace_()).WithTimeout(Bound(timeout));
  }
  const Clientset clientset_;  // a copy shares the connection
};

}  // namespace

std::unique_ptr<LeaseStore> NewLeaseStore(const Clientset& clientset, const std::string& ns,
                                          const std::string& name) {
  return std::make_unique<ClientsetLeaseStore>(clientset.Leases(ns), ns, name);
}

std::unique_ptr<EventSink> NewEventSink(const Clientset& clientset) {
  return std::make_unique<ClientsetEventSink>(clientset);
}

}  // namespace pk::client
