// The service, persistent volume claim and object count evaluators, and what every evaluator
// shares: matching a quota and summing usage (pkg/quota/v1/evaluator/core, quota/v1/generic).
#include "quota/evaluators.h"

#include <google/protobuf/message.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "proto/core/v1/service.pb.h"
#include "proto/core/v1/volume.pb.h"

namespace pk::quota {
namespace {

using google::protobuf::DynamicCastToGenerated;
using google::protobuf::Message;

constexpr const char* kStorageClassSuffix = ".storageclass.storage.k8s.io/";

bool HasPrefix(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// ObjectCountQuotaResourceNameFor: "count/configmaps", "count/deployments.apps".
std::string CountName(const GroupResource& gr) { return "count/" + gr.String(); }

ResourceNames Intersect(const ResourceNames& names, const ResourceNames& known) {
  ResourceNames out;
  for (const auto& n : names) {
    if (known.count(n)) out.insert(n);
  }
  return out;
}

// generic.objectCountEvaluator: one object of the resource, also under its legacy name.
class ObjectCountEvaluator : public Evaluator {
 public:
  ObjectCountEvaluator(GroupResource gr, std::string alias)
      : gr_(std::move(gr)), names_{CountName(gr_)} {
    if (!alias.empty()) names_.insert(alias);
  }
  GroupResource group_resource() const override { return gr_; }
  ResourceNames MatchingResources(const ResourceNames& names) const override {
    return Intersect(names, names_);
  }
  ResourceList Usage(const Message&, int64_t) const override {
    ResourceList out;
    for (const auto& n : names_) out[n] = Quantity::FromInt(1);
    return out;
  }

 private:
  GroupResource gr_;
  ResourceNames names_;
};

class ServiceEvaluator : public Evaluator {
 public:
  GroupResource group_resource() const override { return {"", "services"}; }
  bool HandlesUpdate() const override { return true; }
  ResourceNames MatchingResources(const ResourceNames& names) const override {
    return Intersect(
        names, {"count/services", "services", "services.loadbalancers", "services.nodeports"});
  }
  // The service, whether it is a load balancer, and the node ports it allocates.
  ResourceList Usage(const Message& object, int64_t) const override {
    const auto* svc = DynamicCastToGenerated<k8s::core::v1::Service>(&object);
    if (svc == nullptr) return {};
    const auto& spec = svc->spec();
    int64_t ports = spec.ports_size();
    bool lb = spec.type() == "LoadBalancer";
    int64_t node_ports = 0;
    if (spec.type() == "NodePort") node_ports = ports;
    if (lb && (!spec.has_allocate_load_balancer_node_ports() ||
               spec.allocate_load_balancer_node_ports())) {
      node_ports = ports;
    }
    return {{"count/services", Quantity::FromInt(1)},
            {"services", Quantity::FromInt(1)},
            {"services.loadbalancers", Quantity::FromInt(lb ? 1 : 0)},
            {"services.nodeports", Quantity::FromInt(node_ports)}};
  }
};

class ClaimEvaluator : public Evaluator {
 public:
  GroupResource group_resource() const override { return {"", "persistentvolumeclaims"}; }
  bool HandlesUpdate() const override { return true; }
  ResourceNames MatchingResources(const ResourceNames& names) const override {
    ResourceNames out = Intersect(
        names, {"count/persistentvolumeclaims", "persistentvolumeclaims", "requests.storage"});
    for (const auto& n : names) {
      auto at = n.find(kStorageClassSuffix);
      if (at == std::string::npos) continue;
      std::string rest = n.substr(at + std::string(kStorageClassSuffix).size());
      if (rest == "persistentvolumeclaims" || rest == "requests.storage") out.insert(n);
    }
    return out;
  }
  // The claim (also per storage class) and the storage it asks for: the larger of its request
  // and what a resize has allocated.
  ResourceList Usage(const Message& object, int64_t) const override {
    const auto* pvc = DynamicCastToGenerated<k8s::core::v1::PersistentVolumeClaim>(&object);
    if (pvc == nullptr) return {};
    ResourceList out{{"count/persistentvolumeclaims", Quantity::FromInt(1)},
                     {"persistentvolumeclaims", Quantity::FromInt(1)}};
    std::string cls =
        pvc->spec().has_storage_class_name() ? pvc->spec().storage_class_name() : std::string();
    if (cls.empty()) {
      auto it = pvc->metadata().annotations().find("volume.beta.kubernetes.io/storage-class");
      if (it != pvc->metadata().annotations().end()) cls = it->second;
    }
    if (!cls.empty())
      out[cls + kStorageClassSuffix + "persistentvolumeclaims"] = Quantity::FromInt(1);
    ResourceList requests = FromProto(pvc->spec().resources().requests());
    ResourceList allocated = FromProto(pvc->status().allocated_resources());
    auto req = requests.find("storage");
    if (req == requests.end()) return out;
    Quantity storage = req->second;
    auto alloc = allocated.find("storage");
    if (alloc != allocated.end() && alloc->second > storage) storage = alloc->second;
    out["requests.storage"] = storage;
    if (!cls.empty()) out[cls + kStorageClassSuffix + "requests.storage"] = storage;
    return out;
  }
};

const std::map<std::string, std::string>& Aliases() {
  static const auto* aliases =
      new std::map<std::string, std::string>{{"configmaps", "configmaps"},
                                             {"secrets", "secrets"},
                                             {"resourcequotas", "resourcequotas"},
                                             {"replicationcontrollers", "replicationcontrollers"}};
  return *aliases;
}

}  // namespace

const Evaluator& ServiceEvaluatorInstance() {
  static const ServiceEvaluator evaluator;
  return evaluator;
}

const Evaluator& ClaimEvaluatorInstance() {
  static const ClaimEvaluator evaluator;
  return evaluator;
}

const Evaluator& EvaluatorFor(const GroupResource& resource) {
  if (resource.group.empty()) {
    if (resource.resource == "pods") return PodEvaluatorInstance();
    if (resource.resource == "services") return ServiceEvaluatorInstance();
    if (resource.resource == "persistentvolumeclaims") return ClaimEvaluatorInstance();
  }
  // Object count evaluators are made on first use, as the quota admission does, and kept.
  static std::mutex mu;
  static auto* made = new std::map<GroupResource, std::unique_ptr<Evaluator>>();
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = (*made)[resource];
  if (slot == nullptr) {
    std::string alias;
    if (resource.group.empty()) {
      auto it = Aliases().find(resource.resource);
      if (it != Aliases().end()) alias = it->second;
    }
    slot = std::make_unique<ObjectCountEvaluator>(resource, alias);
  }
  return *slot;
}

std::vector<GroupResource> CountedResources(const ResourceNames& hard) {
  std::set<GroupResource> out;
  for (const Evaluator* e :
       {&PodEvaluatorInstance(), &ServiceEvaluatorInstance(), &ClaimEvaluatorInstance()}) {
    if (!e->MatchingResources(hard).empty()) out.insert(e->group_resource());
  }
  for (const auto& name : hard) {
    if (Aliases().count(name)) out.insert({"", name});
    if (!HasPrefix(name, "count/")) continue;
    std::string rest = name.substr(6);
    auto dot = rest.find('.');
    out.insert(dot == std::string::npos ? GroupResource{"", rest}
                                        : GroupResource{rest.substr(dot + 1), rest.substr(0, dot)});
  }
  return {out.begin(), out.end()};
}

std::vector<Selector> ScopeSelectorsOf(const k8s::core::v1::ResourceQuota& quota) {
  std::vector<Selector> out;
  for (const auto& scope : quota.spec().scopes()) {
    Selector s;
    s.set_scope_name(scope);
    s.set_operator_("Exists");
    out.push_back(std::move(s));
  }
  for (const auto& s : quota.spec().scope_selector().match_expressions()) out.push_back(s);
  return out;
}

bool Matches(const Evaluator& evaluator, const ResourceNames& hard,
             const std::vector<Selector>& selectors, const Message& object, int64_t now) {
  if (evaluator.MatchingResources(hard).empty()) return false;
  for (const auto& s : selectors) {
    if (!evaluator.MatchesScope(s, object, now)) return false;
  }
  return true;
}

ResourceList UsageOf(const Evaluator& evaluator, const ResourceNames& hard,
                     const std::vector<Selector>& selectors,
                     const std::vector<const Message*>& objects, int64_t now) {
  ResourceNames names = evaluator.MatchingResources(hard);
  ResourceList sum;
  for (const auto& n : names) sum[n] = Quantity();
  for (const Message* object : objects) {
    bool in_scope = true;
    for (const auto& s : selectors) in_scope = in_scope && evaluator.MatchesScope(s, *object, now);
    if (in_scope) sum = Add(sum, Mask(evaluator.Usage(*object, now), names));
  }
  return sum;
}

}  // namespace pk::quota
