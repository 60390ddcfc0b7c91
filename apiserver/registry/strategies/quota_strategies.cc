// ResourceQuota and LimitRange strategies (pkg/registry/core/resourcequota, limitrange;
// SetDefaults_LimitRangeItem; ValidateResourceQuota, ValidateLimitRange), v1.32.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "apimachinery/quantity.h"
#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/core/v1/policy.pb.h"

namespace pk::registry {
namespace {

using k8s::core::v1::LimitRange;
using k8s::core::v1::LimitRangeItem;
using k8s::core::v1::ResourceQuota;
using QuantityMap = google::protobuf::Map<std::string, k8s::resource::Quantity>;

std::map<std::string, Quantity> Parsed(const QuantityMap& map) {
  std::map<std::string, Quantity> out;
  for (const auto& [k, v] : map) {
    auto q = Quantity::Parse(v.string().empty() ? "0" : v.string());
    if (q.ok()) out[k] = *q;
  }
  return out;
}

BadValue QuantityValue(const Quantity& q) { return BadValue::String(q.ToString()); }

// Resources counted in whole objects (helper.IsIntegerResourceName).
bool IsIntegerResource(const std::string& name) {
  static const std::set<std::string> integer = {"pods",
                                                "services",
                                                "replicationcontrollers",
                                                "resourcequotas",
                                                "secrets",
                                                "persistentvolumeclaims",
                                                "configmaps",
                                                "services.nodeports",
                                                "services.loadbalancers"};
  return integer.count(name) > 0 || name.rfind("count/", 0) == 0;
}

// ValidateResourceQuantityValue: not negative, whole for object counts.
void ValidateQuantities(const QuantityMap& map, const std::string& path, Causes* causes) {
  for (const auto& [name, q] : Parsed(map)) {
    std::string at = Key(path, name);
    if (q.Sign() < 0)
      causes->push_back(Invalid(at, QuantityValue(q), "must be greater than or equal to 0"));
    if (IsIntegerResource(name) && q.MilliValue() % 1000 != 0) {
      causes->push_back(Invalid(at, QuantityValue(q), "must be an integer"));
    }
  }
}

const std::set<std::string>& StandardScopes() {
  static const std::set<std::string> scopes = {"Terminating",   "NotTerminating",
                                               "BestEffort",    "NotBestEffort",
                                               "PriorityClass", "CrossNamespacePodAffinity"};
  return scopes;
}

// IsResourceQuotaScopeValidForResource, for the standard quota resources.
bool ScopeValidFor(const std::string& scope, const std::string& resource) {
  static const std::set<std::string> compute = {"cpu",           "memory",       "limits.cpu",
                                                "limits.memory", "requests.cpu", "requests.memory"};
  static const std::set<std::string> standard = {"cpu",
                                                 "memory",
                                                 "ephemeral-storage",
                                                 "requests.cpu",
                                                 "requests.memory",
                                                 "requests.storage",
                                                 "requests.ephemeral-storage",
                                                 "limits.cpu",
                                                 "limits.memory",
                                                 "limits.ephemeral-storage",
                                                 "pods",
                                                 "resourcequotas",
                                                 "services",
                                                 "replicationcontrollers",
                                                 "secrets",
                                                 "persistentvolumeclaims",
                                                 "configmaps",
                                                 "services.nodeports",
                                                 "services.loadbalancers"};
  if (!standard.count(resource)) return true;
  if (scope == "BestEffort") return resource == "pods";
  if (!StandardScopes().count(scope)) return true;
  return resource == "pods" || compute.count(resource) > 0;
}

// validateResourceQuotaScopes; the value prints as Go's %#v of the scope list.
void ValidateScopes(const ResourceQuota& q, Causes* causes) {
  const auto& scopes = q.spec().scopes();
  if (scopes.empty()) return;
  std::string list;
  for (const auto& s : scopes) list += (list.empty() ? "" : ", ") + validation::GoQuote(s);
  BadValue value = BadValue::Raw("[]core.ResourceQuotaScope{" + list + "}");
  std::set<std::string> hard, seen;
  for (const auto& entry : q.spec().hard()) hard.insert(entry.first);
  for (const auto& scope : scopes) {
    if (!StandardScopes().count(scope))
      causes->push_back(Invalid("spec.scopes", value, "unsupported scope"));
    for (const auto& resource : hard) {
      if (!ScopeValidFor(scope, resource)) {
        causes->push_back(Invalid("spec.scopes", value, "unsupported scope applied to resource"));
      }
    }
    seen.insert(scope);
  }
  if ((seen.count("BestEffort") && seen.count("NotBestEffort")) ||
      (seen.count("Terminating") && seen.count("NotTerminating"))) {
    causes->push_back(Invalid("spec.scopes", value, "conflicting scopes"));
  }
}

class ResourceQuotaStrategyImpl : public Strategy {
 public:
  void PrepareForCreate(Message* object) const override {
    As<ResourceQuota>(object).clear_status();
  }
  void PrepareForUpdate(Message* object, const Message& old) const override {
    *As<ResourceQuota>(object).mutable_status() = As<ResourceQuota>(old).status();
  }
  Causes Validate(const Message& object) const override {
    const auto& q = As<ResourceQuota>(object);
    Causes causes;
    ValidateQuantities(q.spec().hard(), "spec.hard", &causes);
    ValidateScopes(q, &causes);
    ValidateQuantities(q.status().hard(), "status.hard", &causes);
    ValidateQuantities(q.status().used(), "status.used", &causes);
    return causes;
  }
};

// SetDefaults_LimitRangeItem: for Container items, default limits from max, default requests
// from default limits, then from min.
void DefaultItem(LimitRangeItem* item) {
  if (item->type() != "Container") return;
  auto fill = [](const QuantityMap& from, QuantityMap* to) {
    for (const auto& [k, v] : from) to->try_emplace(k, v);
  };
  fill(item->max(), item->mutable_default_());
  fill(item->default_(), item->mutable_default_request());
  fill(item->min(), item->mutable_default_request());
}

// The checks between one resource's min, max, default, defaultRequest and ratio.
void ValidateResource(const std::string& path, const std::string& k, const LimitRangeItem& item,
                      Causes* causes) {
  auto get = [&](const QuantityMap& map) -> std::optional<Quantity> {
    auto it = map.find(k);
    if (it == map.end()) return std::nullopt;
    auto q = Quantity::Parse(it->second.string().empty() ? "0" : it->second.string());
    return q.ok() ? std::optional<Quantity>(*q) : std::nullopt;
  };
  auto min = get(item.min()), max = get(item.max()), def = get(item.default_()),
       req = get(item.default_request()), ratio = get(item.max_limit_request_ratio());
  auto s = [](const std::optional<Quantity>& q) { return q->ToString(); };
  if (min && max && *min > *max) {
    causes->push_back(
        Invalid(Key(path + ".min", k), QuantityValue(*min),
                fmt::format("min value {} is greater than max value {}", s(min), s(max))));
  }
  if (req && min && *min > *req) {
    causes->push_back(Invalid(
        Key(path + ".defaultRequest", k), QuantityValue(*req),
        fmt::format("min value {} is greater than default request value {}", s(min), s(req))));
  }
  if (req && max && *req > *max) {
    causes->push_back(Invalid(
        Key(path + ".defaultRequest", k), QuantityValue(*req),
        fmt::format("default request value {} is greater than max value {}", s(req), s(max))));
  }
  if (req && def && *req > *def) {
    causes->push_back(
        Invalid(Key(path + ".defaultRequest", k), QuantityValue(*req),
                fmt::format("default request value {} is greater than default limit value {}",
                            s(req), s(def))));
  }
  if (def && min && *min > *def) {
    causes->push_back(
        Invalid(Key(path + ".default", k), QuantityValue(*min),
                fmt::format("min value {} is greater than default value {}", s(min), s(def))));
  }
  if (def && max && *def > *max) {
    causes->push_back(
        Invalid(Key(path + ".default", k), QuantityValue(*max),
                fmt::format("default value {} is greater than max value {}", s(def), s(max))));
  }
  if (ratio && *ratio < Quantity::FromInt(1)) {
    causes->push_back(Invalid(Key(path + ".maxLimitRequestRatio", k), QuantityValue(*ratio),
                              fmt::format("ratio {} is less than 1", s(ratio))));
  }
}

void ValidateItem(const LimitRangeItem& item, const std::string& path, std::set<std::string>* types,
                  Causes* causes) {
  static const std::vector<std::string> kTypes = {"Container", "Pod", "PersistentVolumeClaim"};
  if (item.type().empty()) causes->push_back(Required(path + ".type"));
  if (!types->insert(item.type()).second) {
    causes->push_back(Duplicate(path + ".type", BadValue::String(item.type())));
  }
  if (item.type() == "Pod") {
    if (!item.default_().empty()) {
      causes->push_back(Forbidden(path + ".default", "may not be specified when `type` is 'Pod'"));
    }
    if (!item.default_request().empty()) {
      causes->push_back(
          Forbidden(path + ".defaultRequest", "may not be specified when `type` is 'Pod'"));
    }
  }
  if (item.type() == "PersistentVolumeClaim" && !item.min().count("storage") &&
      !item.max().count("storage")) {
    causes->push_back(
        Required(path + ".limits",
                 "either minimum or maximum storage value is required, but neither was provided"));
  }
  std::set<std::string> keys;
  for (const QuantityMap* m : {&item.max(), &item.min(), &item.default_(), &item.default_request(),
                               &item.max_limit_request_ratio()}) {
    for (const auto& entry : *m) keys.insert(entry.first);
  }
  for (const auto& k : keys) ValidateResource(path, k, item, causes);
}

class LimitRangeStrategyImpl : public Strategy {
 public:
  bool AllowCreateOnUpdate() const override { return true; }
  void Default(Message* object) const override {
    for (auto& item : *As<LimitRange>(object).mutable_spec()->mutable_limits()) DefaultItem(&item);
  }
  Causes Validate(const Message& object) const override {
    const auto& range = As<LimitRange>(object);
    Causes causes;
    std::set<std::string> types;
    for (int i = 0; i < range.spec().limits_size(); ++i) {
      ValidateItem(range.spec().limits(i), Index("spec.limits", i), &types, &causes);
    }
    return causes;
  }
};

}  // namespace

const Strategy& ResourceQuotaStrategy() {
  static const ResourceQuotaStrategyImpl strategy;
  return strategy;
}

const Strategy& LimitRangeStrategy() {
  static const LimitRangeStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
