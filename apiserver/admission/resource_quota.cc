#include "apiserver/admission/resource_quota.h"

#include <fmt/format.h>

#include <chrono>
#include <string>
#include <vector>

#include "apimachinery/object.h"
#include "proto/core/v1/policy.pb.h"
#include "quota/quota.h"

namespace pk::admission {
namespace {

using google::protobuf::Message;
using k8s::core::v1::ResourceQuota;
using quota::ResourceList;
using quota::ResourceNames;

constexpr const char* kQuotas = "resourcequotas";

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ResourceNames HardNames(const ResourceQuota& q) {
  return quota::Names(quota::FromProto(q.status().hard()));
}

// hasUsageStats: a used figure for every limited resource in `restricted`.
bool HasUsageStats(const ResourceQuota& q, const ResourceNames& restricted) {
  for (const auto& entry : q.status().hard()) {
    if (restricted.count(entry.first) && !q.status().used().count(entry.first)) return false;
  }
  return true;
}

class QuotaPlugin : public Plugin {
 public:
  explicit QuotaPlugin(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "ResourceQuota"; }

  Status Validate(const Attributes& a) override {
    if (!a.subresource.empty() || a.ns.empty() || a.object == nullptr) return Status();
    const quota::Evaluator& evaluator = quota::EvaluatorFor(a.type->group_resource());
    bool create = a.operation == Operation::kCreate;
    if (!create && !(a.operation == Operation::kUpdate && evaluator.HandlesUpdate())) {
      return Status();
    }
    storage::ListOptions options;
    options.prefix = storage::PrefixKey(kQuotas, a.ns);
    auto list = store_->List(options);
    if (!list.ok()) {
      return Status::InternalError(
          fmt::format("error listing resource quotas: {}", list.status().message()));
    }
    int64_t now = NowSeconds();
    std::vector<const ResourceQuota*> covering;
    for (const auto& item : list->items) {
      const auto& q = static_cast<const ResourceQuota&>(*item);
      auto covers = Covers(a, evaluator, q, now);
      if (!covers.ok()) return covers.take_status();
      if (*covers) covering.push_back(&q);
    }
    if (covering.empty()) return Status();
    auto delta = Delta(a, evaluator, now);
    if (!delta.ok() || delta->empty()) return delta.status();
    for (const ResourceQuota* q : covering) {
      auto used = Charge(a, *q, *delta);
      if (!used.ok()) return used.take_status();
    }
    if (a.dry_run) return Status();
    for (const ResourceQuota* q : covering) PK_RETURN_IF_ERROR(Persist(a, *q, *delta));
    return Status();
  }

 private:
  // Whether the quota covers the object; or the per-quota refusals that come before any
  // arithmetic: undeclared resources, and a quota the controller has not counted yet.
  static Result<bool> Covers(const Attributes& a, const quota::Evaluator& evaluator,
                             const ResourceQuota& q, int64_t now) {
    ResourceNames hard = HardNames(q);
    if (!quota::Matches(evaluator, hard, quota::ScopeSelectorsOf(q), *a.object, now)) {
      return false;
    }
    ResourceNames restricted = evaluator.MatchingResources(hard);
    std::string missing = evaluator.Constraints(restricted, *a.object);
    const std::string& name = q.metadata().name();
    if (!missing.empty()) return Forbidden(a, fmt::format("failed quota: {}: {}", name, missing));
    if (!HasUsageStats(q, restricted)) {
      return Forbidden(a, fmt::format("status unknown for quota: {}, resources: {}", name,
                                      quota::PrettyPrintNames(restricted)));
    }
    return true;
  }

  // What the object adds: its usage, less its old self's on an update of a stored object;
  // zeros left out.
  static Result<ResourceList> Delta(const Attributes& a, const quota::Evaluator& evaluator,
                                    int64_t now) {
    ResourceList delta = evaluator.Usage(*a.object, now);
    ResourceNames negative = quota::IsNegative(delta);
    if (!negative.empty()) {
      return Forbidden(a, fmt::format("quota usage is negative for resource(s): {}",
                                      quota::PrettyPrintNames(negative)));
    }
    if (a.operation == Operation::kUpdate) {
      if (a.old_object == nullptr) {
        return Forbidden(a,
                         "unable to get previous usage since prior version of object was "
                         "not found");
      }
      const auto* meta = GetObjectMeta(*a.old_object);
      if (meta != nullptr && !meta->resource_version().empty()) {
        delta = quota::SubtractWithNonNegativeResult(delta, evaluator.Usage(*a.old_object, now));
      }
    }
    return quota::RemoveZeros(delta);
  }

  // The quota's used after charging `delta`, or the refusal when it would exceed hard.
  static Result<ResourceList> Charge(const Attributes& a, const ResourceQuota& q,
                                     const ResourceList& delta) {
    ResourceList hard = quota::FromProto(q.status().hard());
    ResourceList used = quota::FromProto(q.status().used());
    ResourceList requested = quota::Mask(delta, quota::Names(hard));
    ResourceList next = quota::Add(used, requested);
    ResourceNames exceeded;
    if (!quota::LessThanOrEqual(quota::Mask(next, quota::Names(requested)), hard, &exceeded)) {
      return Forbidden(
          a, fmt::format("exceeded quota: {}, requested: {}, used: {}, limited: {}",
                         q.metadata().name(), quota::PrettyPrint(quota::Mask(requested, exceeded)),
                         quota::PrettyPrint(quota::Mask(used, exceeded)),
                         quota::PrettyPrint(quota::Mask(hard, exceeded))));
    }
    return next;
  }

  // Writes the charge into the stored quota: a compare-and-swap that checks again against
  // whatever the quota holds when it wins. A quota deleted meanwhile is not charged.
  Status Persist(const Attributes& a, const ResourceQuota& q, const ResourceList& delta) const {
    storage::Preconditions same;
    same.uid = q.metadata().uid();
    auto stored =
        store_->GuaranteedUpdate(storage::ObjectKey(kQuotas, a.ns, q.metadata().name()), same,
                                 [&](const Message* current) -> Result<std::unique_ptr<Message>> {
                                   const auto& cur = static_cast<const ResourceQuota&>(*current);
                                   auto used = Charge(a, cur, delta);
                                   if (!used.ok()) return used.take_status();
                                   auto next = std::make_unique<ResourceQuota>(cur);
                                   quota::ToProto(*used, next->mutable_status()->mutable_used());
                                   return std::unique_ptr<Message>(std::move(next));
                                 });
    if (stored.ok()) return Status();
    Reason reason = stored.status().reason();
    if (reason == Reason::kNotFound || reason == Reason::kConflict) return Status();
    if (reason == Reason::kForbidden) return stored.take_status();
    return Status::InternalError(
        fmt::format("resource quota evaluation failed: {}", stored.status().message()));
  }

  storage::Store* const store_;
};

}  // namespace

std::unique_ptr<Plugin> NewResourceQuota(storage::Store* store) {
  return std::make_unique<QuotaPlugin>(store);
}

}  // namespace pk::admission
