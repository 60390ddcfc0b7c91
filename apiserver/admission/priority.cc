#include "apiserver/admission/priority.h"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "proto/core/v1/pod.pb.h"
#include "proto/scheduling/v1/scheduling.pb.h"

namespace pk::admission {
namespace {

using google::protobuf::DynamicCastToGenerated;
using k8s::core::v1::Pod;
using k8s::scheduling::v1::PriorityClass;

constexpr const char* kPriorityClasses = "priorityclasses";

// What a pod's priority resolves to: the class that applies (empty name when none does), its
// value, and its preemption policy (nullopt when the class has none).
struct Resolved {
  std::string class_name;
  int32_t value = 0;
  std::optional<std::string> preemption_policy;
};

Resolved Of(const PriorityClass& pc) {
  Resolved r{pc.metadata().name(), pc.value(), std::nullopt};
  if (pc.has_preemption_policy()) r.preemption_policy = pc.preemption_policy();
  return r;
}

bool Is(const Attributes& a, std::string_view group, std::string_view resource) {
  return a.type->kind.group == group && a.type->resource == resource;
}

class Priority : public Plugin {
 public:
  explicit Priority(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "Priority"; }

  Status Admit(Attributes& a) override {
    if (!a.subresource.empty() || !Is(a, "", "pods")) return Status();
    if (a.operation != Operation::kCreate && a.operation != Operation::kUpdate) return Status();
    Pod* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) {
      return Status::BadRequest("resource was marked with kind Pod but was unable to be converted");
    }
    if (a.operation == Operation::kCreate) return AdmitCreate(a, pod);
    const Pod* old = a.old_object ? DynamicCastToGenerated<Pod>(a.old_object) : nullptr;
    if (old == nullptr) {
      return Status::BadRequest("resource was marked with kind Pod but was unable to be converted");
    }
    KeepOnUpdate(*old, pod);
    return Status();
  }

  Status Validate(const Attributes& a) override {
    if (!a.subresource.empty() || !Is(a, "scheduling.k8s.io", kPriorityClasses)) return Status();
    if (a.operation != Operation::kCreate && a.operation != Operation::kUpdate) return Status();
    const auto* pc = DynamicCastToGenerated<PriorityClass>(a.object);
    if (pc == nullptr) {
      return Status::BadRequest(
          "resource was marked with kind PriorityClass but was unable to be converted");
    }
    return ValidateClass(a, *pc);
  }

 private:
  // admitPod on create: resolve, refuse a conflicting priority or policy, then set both.
  Status AdmitCreate(const Attributes& a, Pod* pod) const {
    auto* spec = pod->mutable_spec();
    auto resolved = spec->priority_class_name().empty() ? DefaultPriority()
                                                        : Named(a, spec->priority_class_name());
    if (!resolved.ok()) return resolved.take_status();
    if (spec->priority_class_name().empty()) spec->set_priority_class_name(resolved->class_name);
    if (spec->has_priority() && spec->priority() != resolved->value) {
      return Forbidden(a, fmt::format("the integer value of priority ({}) must not be provided in "
                                      "pod spec; priority admission controller computed {} from "
                                      "the given PriorityClass name",
                                      spec->priority(), resolved->value));
    }
    spec->set_priority(resolved->value);
    if (!resolved->preemption_policy) return Status();
    const std::string& policy = *resolved->preemption_policy;
    if (spec->has_preemption_policy() && spec->preemption_policy() != policy) {
      return Forbidden(a, fmt::format("the string value of PreemptionPolicy ({}) must not be "
                                      "provided in pod spec; priority admission controller "
                                      "computed {} from the given PriorityClass name",
                                      spec->preemption_policy(), policy));
    }
    spec->set_preemption_policy(policy);
    return Status();
  }

  // admitPod on update: what create set stays when a client's new object leaves it out (a
  // PUT of an older copy); a change is validation's to refuse (the pod spec is immutable).
  static void KeepOnUpdate(const Pod& old, Pod* pod) {
    auto* spec = pod->mutable_spec();
    if (!spec->has_priority() && old.spec().has_priority()) {
      spec->set_priority(old.spec().priority());
    }
    if (!spec->has_preemption_policy() && old.spec().has_preemption_policy()) {
      spec->set_preemption_policy(old.spec().preemption_policy());
    }
  }

  // The named class; Forbidden when it does not exist.
  Result<Resolved> Named(const Attributes& a, const std::string& name) const {
    auto pc = store_->Get(storage::ObjectKey(kPriorityClasses, "", name));
    if (pc.ok()) return Of(static_cast<const PriorityClass&>(**pc));
    if (pc.status().reason() == Reason::kNotFound) {
      return Forbidden(a, fmt::format("no PriorityClass with name {} was found", name));
    }
    return Status::InternalError(
        fmt::format("failed to get PriorityClass with name {}: {}", name, pc.status().message()));
  }

  // getDefaultPriority: the globalDefault class, else 0 and PreemptLowerPriority, no name.
  Result<Resolved> DefaultPriority() const {
    auto pc = DefaultClass();
    if (!pc.ok()) {
      return Status::InternalError(
          fmt::format("failed to get default priority class: {}", pc.status().message()));
    }
    if (*pc != nullptr) return Of(static_cast<const PriorityClass&>(**pc));
    return Resolved{"", 0, "PreemptLowerPriority"};
  }

  // getDefaultPriorityClass: should a race have left several globalDefault classes, the one
  // with the lowest value. nullptr when there is none.
  Result<storage::ObjectPtr> DefaultClass() const {
    storage::ListOptions options;
    options.prefix = storage::PrefixKey(kPriorityClasses);
    auto list = store_->List(options);
    if (!list.ok()) return list.take_status();
    storage::ObjectPtr found;
    for (const auto& item : list->items) {
      const auto& pc = static_cast<const PriorityClass&>(*item);
      if (!pc.global_default()) continue;
      if (found == nullptr || static_cast<const PriorityClass&>(*found).value() > pc.value()) {
        found = item;
      }
    }
    return found;
  }

  // validatePriorityClass: a second default is refused, on create, and on an update that
  // marks another class default.
  Status ValidateClass(const Attributes& a, const PriorityClass& pc) const {
    if (!pc.global_default()) return Status();
    auto found = DefaultClass();
    if (!found.ok()) {
      return Status::InternalError(
          fmt::format("failed to get default priority class: {}", found.status().message()));
    }
    if (*found == nullptr) return Status();
    const std::string& name = static_cast<const PriorityClass&>(**found).metadata().name();
    if (a.operation == Operation::kCreate || name != pc.metadata().name()) {
      return Forbidden(
          a,
          fmt::format("PriorityClass {} is already marked as default. Only one default can exist",
                      name));
    }
    return Status();
  }

  storage::Store* const store_;
};

}  // namespace

std::unique_ptr<Plugin> NewPriority(storage::Store* store) {
  return std::make_unique<Priority>(store);
}

}  // namespace pk::admission
