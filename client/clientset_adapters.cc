#include "client/clientset_adapters.h"

namespace pk::client {
namespace {

class ClientsetLeaseStore : public LeaseStore {
 public:
  ClientsetLeaseStore(TypedClient<Lease> leases, std::string name)
      : leases_(std::move(leases)), name_(std::move(name)) {}
  Result<Lease> Get() override {
    auto lease = leases_.Get(name_);
    if (!lease.ok()) return lease.take_status();
    return **lease;
  }
  Status Create(const Lease& lease) override { return leases_.Create(lease).take_status(); }
  Status Update(const Lease& lease) override { return leases_.Update(lease).take_status(); }

 private:
  const TypedClient<Lease> leases_;
  const std::string name_;
};

class ClientsetEventSink : public EventSink {
 public:
  explicit ClientsetEventSink(const Clientset& clientset) : clientset_(clientset) {}
  Status Create(const k8s::core::v1::Event& event) override {
    return clientset_.Events(event.metadata().namespace_()).Create(event).take_status();
  }
  Status Update(const k8s::core::v1::Event& event) override {
    return clientset_.Events(event.metadata().namespace_()).Update(event).take_status();
  }

 private:
  const Clientset clientset_;  // a copy shares the connection
};

}  // namespace

std::unique_ptr<LeaseStore> NewLeaseStore(const Clientset& clientset, const std::string& ns,
                                          const std::string& name) {
  return std::make_unique<ClientsetLeaseStore>(clientset.Leases(ns), name);
}

std::unique_ptr<EventSink> NewEventSink(const Clientset& clientset) {
  return std::make_unique<ClientsetEventSink>(clientset);
}

}  // namespace pk::client
