#include "controller-manager/nodelifecycle/node_health.h"

#include <utility>

#include "apimachinery/time.h"

namespace pk::controllers {
namespace {

// The conditions the kubelet posts, set Unknown when it goes silent; NetworkUnavailable is
// the network plugin's and is left alone.
constexpr const char* kKubeletConditions[] = {"Ready", "MemoryPressure", "DiskPressure",
                                              "PIDPressure"};

template <class T>
bool SameTime(const T& a, const T& b) {
  return a.seconds() == b.seconds() && a.nanos() == b.nanos();
}

bool Before(const k8s::meta::v1::MicroTime& a, const k8s::meta::v1::MicroTime& b) {
  return std::make_pair(a.seconds(), a.nanos()) < std::make_pair(b.seconds(), b.nanos());
}

// Sets every kubelet condition Unknown (adding those never posted).
void MarkUnknown(Node& node) {
  k8s::meta::v1::Time now = NowTime();
  auto* status = node.mutable_status();
  for (const char* type : kKubeletConditions) {
    NodeCondition* c = FindCondition(*status, type);
    if (c == nullptr) {
      c = status->add_conditions();
      c->set_type(type);
      c->set_status("Unknown");
      c->set_reason("NodeStatusNeverUpdated");
      c->set_message("Kubelet never posted node status.");
      *c->mutable_last_heartbeat_time() = node.metadata().creation_timestamp();
      *c->mutable_last_transition_time() = now;
    } else if (c->status() != "Unknown") {
      c->set_status("Unknown");
      c->set_reason("NodeStatusUnknown");
      c->set_message("Kubelet stopped posting node status.");
      *c->mutable_last_transition_time() = now;
    }
  }
}

}  // namespace

NodeCondition* FindCondition(k8s::core::v1::NodeStatus& status, const std::string& type) {
  for (auto& c : *status.mutable_conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

const NodeCondition* FindCondition(const k8s::core::v1::NodeStatus& status,
                                   const std::string& type) {
  for (const auto& c : status.conditions()) {
    if (c.type() == type) return &c;
  }
  return nullptr;
}

bool SameCondition(const NodeCondition& a, const NodeCondition& b) {
  return a.type() == b.type() && a.status() == b.status() && a.reason() == b.reason() &&
         a.message() == b.message() && SameTime(a.last_heartbeat_time(), b.last_heartbeat_time()) &&
         SameTime(a.last_transition_time(), b.last_transition_time());
}

std::optional<NodeHealth> NodeHealthMap::Get(const std::string& node) const {
  std::lock_guard lock(mu_);
  auto it = health_.find(node);
  if (it == health_.end()) return std::nullopt;
  return it->second;
}

void NodeHealthMap::Set(const std::string& node, NodeHealth health) {
  std::lock_guard lock(mu_);
  health_[node] = std::move(health);
}

void NodeHealthMap::Erase(const std::string& node) {
  std::lock_guard lock(mu_);
  health_.erase(node);
}

HealthCheck CheckNodeHealth(Node& node, const k8s::coordination::v1::Lease* lease,
                            std::optional<NodeHealth>& health, client::Clock::TimePoint now,
                            client::Clock::TimePoint creation, client::Clock::Duration grace,
                            client::Clock::Duration startup_grace) {
  HealthCheck out;
  const NodeCondition* current = FindCondition(node.status(), "Ready");
  if (current == nullptr) {
    // The kubelet never posted: a fake Unknown as of the node's creation, and a longer grace.
    out.observed.set_type("Ready");
    out.observed.set_status("Unknown");
    *out.observed.mutable_last_heartbeat_time() = node.metadata().creation_timestamp();
    *out.observed.mutable_last_transition_time() = node.metadata().creation_timestamp();
    grace = startup_grace;
    if (health) {
      health->status = node.status();
    } else {
      health = NodeHealth{creation, creation, node.status(), std::nullopt};
    }
  } else {
    out.observed = *current;
  }
  const NodeCondition* saved = health ? FindCondition(health->status, "Ready") : nullptr;
  std::optional<k8s::meta::v1::MicroTime> saved_lease = health ? health->lease_renew : std::nullopt;
  if (!health || (saved == nullptr) != (current == nullptr)) {
    // First sight, a restart with the node already posting, or Ready removed: start now.
    health = NodeHealth{now, now, node.status(), saved_lease};
  } else if (saved != nullptr &&
             !SameTime(saved->last_heartbeat_time(), current->last_heartbeat_time())) {
    // A new heartbeat; a new transition time means Ready changed since the last look.
    auto transition = SameTime(saved->last_transition_time(), current->last_transition_time())
                          ? health->ready_transition
                          : now;
    health = NodeHealth{now, transition, node.status(), saved_lease};
  }
  // A renewed Lease is a sign of life too (a kubelet that never posted status but renews
  // its Lease is taken as healthy, as in Kubernetes).
  if (lease != nullptr && lease->spec().has_renew_time() &&
      (!saved_lease || Before(*saved_lease, lease->spec().renew_time()))) {
    health->lease_renew = lease->spec().renew_time();
    health->probe = now;
  }
  if (now > health->probe + grace) {
    MarkUnknown(node);
    const NodeCondition* after = FindCondition(node.status(), "Ready");
    out.status_changed = !SameCondition(*after, out.observed);
  }
  current = FindCondition(node.status(), "Ready");
  if (current != nullptr) out.current = *current;
  return out;
}

}  // namespace pk::controllers
