#include "apiserver/admission/limit_ranger.h"

#include <fmt/format.h>

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "apimachinery/object.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/core/v1/policy.pb.h"
#include "proto/core/v1/volume.pb.h"
#include "quota/quota.h"

namespace pk::admission {
namespace {

using google::protobuf::DynamicCastToGenerated;
using k8s::core::v1::Container;
using k8s::core::v1::LimitRange;
using k8s::core::v1::LimitRangeItem;
using k8s::core::v1::PersistentVolumeClaim;
using k8s::core::v1::Pod;
using quota::ProtoList;
using quota::ResourceList;

constexpr const char* kAnnotation = "kubernetes.io/limit-ranger";
constexpr int64_t kMaxMilliValue = std::numeric_limits<int64_t>::max() / 1000;

struct Observed {
  int64_t request = 0, limit = 0, enforced = 0;
};

// requestLimitEnforcedValues: milli-units when none of the three overflows them.
Observed Values(const Quantity& request, const Quantity& limit, const Quantity& enforced) {
  Observed o{request.Value(), limit.Value(), enforced.Value()};
  if (o.request <= kMaxMilliValue && o.limit <= kMaxMilliValue && o.enforced <= kMaxMilliValue) {
    o = {request.MilliValue(), limit.MilliValue(), enforced.MilliValue()};
  }
  return o;
}

const Quantity* Find(const ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? nullptr : &it->second;
}

// The constraint checks of admission.go; each returns the error text, empty when met.
std::string MinConstraint(const std::string& type, const std::string& name,
                          const Quantity& enforced, const ResourceList& requests,
                          const ResourceList& limits) {
  const Quantity* req = Find(requests, name);
  const Quantity* lim = Find(limits, name);
  Observed o = Values(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  std::string head = fmt::format("minimum {} usage per {} is {}", name, type, enforced.ToString());
  if (req == nullptr) return head + ".  No request is specified";
  if (o.request < o.enforced) return head + ", but request is " + req->ToString();
  if (lim != nullptr && o.limit < o.enforced) return head + ", but limit is " + lim->ToString();
  return "";
}

std::string MaxConstraint(const std::string& type, const std::string& name,
                          const Quantity& enforced, const ResourceList& requests,
                          const ResourceList& limits) {
  const Quantity* req = Find(requests, name);
  const Quantity* lim = Find(limits, name);
  Observed o = Values(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  std::string head = fmt::format("maximum {} usage per {} is {}", name, type, enforced.ToString());
  if (lim == nullptr) return head + ".  No limit is specified";
  if (o.limit > o.enforced) return head + ", but limit is " + lim->ToString();
  if (req != nullptr && o.request > o.enforced) return head + ", but request is " + req->ToString();
  return "";
}

// maxRequestConstraint: for claims, whose limits are not the user's to set.
std::string MaxRequestConstraint(const std::string& type, const std::string& name,
                                 const Quantity& enforced, const ResourceList& requests) {
  const Quantity* req = Find(requests, name);
  Observed o = Values(req ? *req : Quantity(), Quantity(), enforced);
  std::string head = fmt::format("maximum {} usage per {} is {}", name, type, enforced.ToString());
  if (req == nullptr) return head + ".  No request is specified";
  if (o.request > o.enforced) return head + ", but request is " + req->ToString();
  return "";
}

std::string RatioConstraint(const std::string& type, const std::string& name,
                            const Quantity& enforced, const ResourceList& requests,
                            const ResourceList& limits) {
  const Quantity* req = Find(requests, name);
  const Quantity* lim = Find(limits, name);
  Observed o = Values(req ? *req : Quantity(), lim ? *lim : Quantity(), enforced);
  std::string head =
      fmt::format("{} max limit to request ratio per {} is {}", name, type, enforced.ToString());
  if (req == nullptr || o.request == 0) {
    return head + ", but no request is specified or request is 0";
  }
  if (lim == nullptr || o.limit == 0) return head + ", but no limit is specified or limit is 0";
  double observed = static_cast<double>(o.limit) / static_cast<double>(o.request);
  double display = observed;
  double max = static_cast<double>(enforced.Value());
  if (enforced.Value() <= kMaxMilliValue) {
    observed *= 1000;
    max = static_cast<double>(enforced.MilliValue());
  }
  if (observed > max) return fmt::format("{}, but provided ratio is {:f}", head, display);
  return "";
}

// Go's aggregate error: one message as is, several (duplicates dropped) in brackets.
class Errors {
 public:
  void Add(std::string message) {
    if (message.empty() || seen_.count(message)) return;
    seen_.insert(message);
    list_.push_back(std::move(message));
  }
  bool empty() const { return list_.empty(); }
  std::string String() const {
    if (list_.size() == 1) return list_[0];
    std::string out;
    for (const auto& m : list_) out += (out.empty() ? "" : ", ") + m;
    return "[" + out + "]";
  }

 private:
  std::set<std::string> seen_;
  std::vector<std::string> list_;
};

// min, max and maxLimitRequestRatio of one item against requests and limits.
void CheckItem(const LimitRangeItem& item, const ResourceList& requests, const ResourceList& limits,
               Errors* errors) {
  const std::string& type = item.type();
  for (const auto& [name, q] : quota::FromProto(item.min())) {
    errors->Add(MinConstraint(type, name, q, requests, limits));
  }
  for (const auto& [name, q] : quota::FromProto(item.max())) {
    errors->Add(MaxConstraint(type, name, q, requests, limits));
  }
  for (const auto& [name, q] : quota::FromProto(item.max_limit_request_ratio())) {
    errors->Add(RatioConstraint(type, name, q, requests, limits));
  }
}

// PodValidateLimitFunc.
void ValidatePod(const LimitRange& range, const Pod& pod, Errors* errors) {
  for (const auto& item : range.spec().limits()) {
    if (item.type() == "Container") {
      auto check = [&](const Container& c) {
        CheckItem(item, quota::FromProto(c.resources().requests()),
                  quota::FromProto(c.resources().limits()), errors);
      };
      for (const auto& c : pod.spec().containers()) check(c);
      for (const auto& c : pod.spec().init_containers()) check(c);
    }
    if (item.type() == "Pod") {
      CheckItem(item, quota::PodRequests(pod.spec(), false), quota::PodLimits(pod.spec(), false),
                errors);
    }
  }
}

// PersistentVolumeClaimValidateLimitFunc.
void ValidateClaim(const LimitRange& range, const PersistentVolumeClaim& pvc, Errors* errors) {
  ResourceList requests = quota::FromProto(pvc.spec().resources().requests());
  for (const auto& item : range.spec().limits()) {
    if (item.type() != "PersistentVolumeClaim") continue;
    for (const auto& [name, q] : quota::FromProto(item.min())) {
      errors->Add(MinConstraint(item.type(), name, q, requests, {}));
    }
    for (const auto& [name, q] : quota::FromProto(item.max())) {
      errors->Add(MaxRequestConstraint(item.type(), name, q, requests));
    }
  }
}

// mergeContainerResources: what `defaults` has and the container does not; the annotation
// parts ("cpu, memory request for container c1").
void MergeContainer(Container* c, const LimitRangeItem& item, const char* kind,
                    std::vector<std::string>* notes) {
  auto merge = [](const ProtoList& defaults, ProtoList* own) {
    std::vector<std::string> set;
    for (const auto& [name, q] : quota::FromProto(defaults)) {
      if (own->count(name)) continue;
      (*own)[name].set_string(q.ToString());
      set.push_back(name);
    }
    std::string joined;
    for (const auto& s : set) joined += (joined.empty() ? "" : ", ") + s;
    return joined;
  };
  auto* resources = c->mutable_resources();
  std::string requests = merge(item.default_request(), resources->mutable_requests());
  std::string limits = merge(item.default_(), resources->mutable_limits());
  if (!requests.empty())
    notes->push_back(fmt::format("{} request for {} {}", requests, kind, c->name()));
  if (!limits.empty()) notes->push_back(fmt::format("{} limit for {} {}", limits, kind, c->name()));
}

// PodMutateLimitFunc: the defaults of the range's Container items (the last item wins).
void DefaultPod(const LimitRange& range, Pod* pod) {
  LimitRangeItem defaults;
  for (const auto& item : range.spec().limits()) {
    if (item.type() != "Container") continue;
    for (const auto& [k, v] : item.default_request()) (*defaults.mutable_default_request())[k] = v;
    for (const auto& [k, v] : item.default_()) (*defaults.mutable_default_())[k] = v;
  }
  std::vector<std::string> notes;
  for (auto& c : *pod->mutable_spec()->mutable_containers()) {
    MergeContainer(&c, defaults, "container", &notes);
  }
  for (auto& c : *pod->mutable_spec()->mutable_init_containers()) {
    MergeContainer(&c, defaults, "init container", &notes);
  }
  if (notes.empty()) return;
  std::string value = "LimitRanger plugin set: ";
  for (size_t i = 0; i < notes.size(); ++i) value += (i ? "; " : "") + notes[i];
  (*pod->mutable_metadata()->mutable_annotations())[kAnnotation] = value;
}

bool IsCore(const Attributes& a, std::string_view resource) {
  return a.type->kind.group.empty() && a.type->resource == resource;
}

class LimitRanger : public Plugin {
 public:
  explicit LimitRanger(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "LimitRanger"; }

  Status Admit(Attributes& a) override {
    if (!Supports(a) || !IsCore(a, "pods")) return Status();
    Pod* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) return Status();
    auto ranges = Ranges(a.ns);
    if (!ranges.ok()) return ranges.take_status();
    for (const auto& range : *ranges) DefaultPod(static_cast<const LimitRange&>(*range), pod);
    return Status();
  }

  Status Validate(const Attributes& a) override {
    if (!Supports(a)) return Status();
    auto ranges = Ranges(a.ns);
    if (!ranges.ok()) return ranges.take_status();
    for (const auto& item : *ranges) {
      const auto& range = static_cast<const LimitRange&>(*item);
      Errors errors;
      if (const auto* pod = DynamicCastToGenerated<Pod>(a.object))
        ValidatePod(range, *pod, &errors);
      if (const auto* pvc = DynamicCastToGenerated<PersistentVolumeClaim>(a.object)) {
        ValidateClaim(range, *pvc, &errors);
      }
      if (!errors.empty()) return Forbidden(a, errors.String());
    }
    return Status();
  }

 private:
  // SupportsAttributes, and runLimitFunc's skip of objects being deleted.
  static bool Supports(const Attributes& a) {
    if (!a.subresource.empty() || a.object == nullptr) return false;
    if (a.operation != Operation::kCreate && a.operation != Operation::kUpdate) return false;
    bool pod = IsCore(a, "pods");
    if (!pod && !IsCore(a, "persistentvolumeclaims")) return false;
    if (pod && a.operation == Operation::kUpdate) return false;
    if (a.old_object != nullptr) {
      const auto* meta = GetObjectMeta(*a.old_object);
      if (meta != nullptr && meta->has_deletion_timestamp()) return false;
    }
    return true;
  }

  Result<std::vector<storage::ObjectPtr>> Ranges(const std::string& ns) const {
    storage::ListOptions options;
    options.prefix = storage::PrefixKey("limitranges", ns);
    auto list = store_->List(options);
    if (!list.ok()) {
      return Status::InternalError(
          fmt::format("error listing limit ranges: {}", list.status().message()));
    }
    return std::move(list->items);
  }

  storage::Store* const store_;
};

}  // namespace

std::unique_ptr<Plugin> NewLimitRanger(storage::Store* store) {
  return std::make_unique<LimitRanger>(store);
}

}  // namespace pk::admission
