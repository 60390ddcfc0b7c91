// ClusterRole aggregation (pkg/controller/clusterroleaggregation). Kubernetes runs it in the
// controller-manager; picokube runs it in the apiserver, on the PolicyIndex's watch of
// ClusterRoles: no second cache, and admin/edit/view have their rules from the first
// request on, with or without a controller-manager.
#include <google/protobuf/util/message_differencer.h>

#include "apimachinery/log.h"
#include "apimachinery/selectors.h"
#include "apiserver/authorization/internal.h"

namespace pk::apiserver::authorization {
namespace {

using google::protobuf::util::MessageDifferencer;
using k8s::rbac::v1::ClusterRole;

bool RuleExists(const std::vector<PolicyRule>& rules, const PolicyRule& rule) {
  for (const PolicyRule& r : rules) {
    if (MessageDifferencer::Equals(r, rule)) return true;
  }
  return false;
}

bool SameRules(const std::vector<PolicyRule>& a,
               const google::protobuf::RepeatedPtrField<PolicyRule>& b) {
  if (a.size() != static_cast<size_t>(b.size())) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!MessageDifferencer::Equals(a[i], b[static_cast<int>(i)])) return false;
  }
  return true;
}

}  // namespace

std::vector<PolicyRule> AggregatedRules(const ClusterRole& role,
                                        const std::vector<ClusterRole>& all) {
  std::vector<const ClusterRole*> by_name;
  for (const ClusterRole& r : all) by_name.push_back(&r);
  std::sort(by_name.begin(), by_name.end(), [](const ClusterRole* a, const ClusterRole* b) {
    return a->metadata().name() < b->metadata().name();
  });
  std::vector<PolicyRule> rules;
  for (const auto& proto_selector : role.aggregation_rule().cluster_role_selectors()) {
    auto selector = LabelSelector::FromProto(proto_selector);
    if (!selector.ok()) continue;
    for (const ClusterRole* other : by_name) {
      if (other->metadata().name() == role.metadata().name()) continue;
      if (!selector->MatchesMap(other->metadata().labels())) continue;
      for (const PolicyRule& rule : other->rules()) {
        if (!RuleExists(rules, rule)) rules.push_back(rule);
      }
    }
  }
  return rules;
}

Aggregator::Aggregator(storage::Store* store, std::shared_ptr<const PolicyIndex> index)
    : store_(store), index_(std::move(index)) {
  thread_ = std::thread([this] { Loop(); });
}

Aggregator::~Aggregator() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Aggregator::Changed() {
  {
    std::lock_guard lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

void Aggregator::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return dirty_ || stopping_; });
    if (stopping_) return;
    dirty_ = false;
    lock.unlock();
    SyncAll();
    lock.lock();
  }
}

// Every aggregated ClusterRole whose rules differ from what its selectors pick gets them.
// Its own write comes back as a change, and the next round finds nothing to do.
void Aggregator::SyncAll() {
  std::vector<ClusterRole> all;
  for (const auto& role : index_->ClusterRoles()) all.push_back(*role);
  for (const ClusterRole& role : all) {
    if (!role.has_aggregation_rule()) continue;
    std::vector<PolicyRule> rules = AggregatedRules(role, all);
    if (SameRules(rules, role.rules())) continue;
    auto updated = store_->GuaranteedUpdate(
        storage::ObjectKey("clusterroles", "", role.metadata().name()), {},
        [&](const google::protobuf::Message* current)
            -> Result<std::unique_ptr<google::protobuf::Message>> {
          auto next = std::make_unique<ClusterRole>();
          next->CopyFrom(*current);
          if (!next->has_aggregation_rule())
            return Status::Conflict({"rbac.authorization.k8s.io", "clusterroles"},
                                    role.metadata().name(), "the aggregation rule was removed");
          next->clear_rules();
          for (const PolicyRule& rule : rules) *next->add_rules() = rule;
          return std::unique_ptr<google::protobuf::Message>(std::move(next));
        });
    if (!updated.ok() && updated.status().reason() != Reason::kNotFound &&
        updated.status().reason() != Reason::kConflict) {
      pk::Logf("authorization: aggregating clusterrole %s: %s\n", role.metadata().name().c_str(),
               updated.status().message().c_str());
    }
  }
}

}  // namespace pk::apiserver::authorization
