#include "apiserver/admission/pod_security.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "apiserver/admission/pod_security_levels.h"
#include "proto/core/v1/namespace.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::admission {
namespace {

using google::protobuf::DynamicCastToGenerated;
using google::protobuf::Message;
using k8s::core::v1::Namespace;
using k8s::core::v1::Pod;
using k8s::core::v1::PodTemplateSpec;
using podsecurity::Level;
using podsecurity::Policy;

constexpr size_t kMaxPodsToCheck = 3000;  // namespaceMaxPodsToCheck

// Pod subresources that cannot change what the checks look at.
bool IgnoredSubresource(const std::string& s) {
  static const std::set<std::string> kIgnored = {"exec", "attach",      "binding", "eviction",
                                                 "log",  "portforward", "proxy",   "status"};
  return kIgnored.count(s) > 0;
}

bool IsWorkload(const ResourceType& type) {
  static const std::set<std::pair<std::string, std::string>> kWorkloads = {
      {"", "replicationcontrollers"},
      {"", "podtemplates"},
      {"apps", "replicasets"},
      {"apps", "deployments"},
      {"apps", "statefulsets"},
      {"apps", "daemonsets"},
      {"batch", "jobs"},
      {"batch", "cronjobs"}};
  return kWorkloads.count({type.kind.group, type.resource}) > 0;
}

// The message field `name` of `m`, or nullptr when it has none (or it is unset).
const Message* Field(const Message* m, const char* name) {
  if (m == nullptr) return nullptr;
  const auto* field = m->GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
      field->is_repeated() || !m->GetReflection()->HasField(*m, field)) {
    return nullptr;
  }
  return &m->GetReflection()->GetMessage(*m, field);
}

// PodSpecExtractor: the pod template of a workload (template, spec.template, or a cronjob's
// spec.jobTemplate.spec.template); nullptr when it has none.
const PodTemplateSpec* TemplateOf(const Message& object) {
  const Message* t = Field(&object, "template");
  if (t == nullptr) t = Field(Field(&object, "spec"), "template");
  if (t == nullptr)
    t = Field(Field(Field(Field(&object, "spec"), "job_template"), "spec"), "template");
  return t == nullptr ? nullptr : DynamicCastToGenerated<PodTemplateSpec>(t);
}

// isSignificantPodUpdate: the only mutable pod fields the checks read are images and the
// seccomp annotations; ephemeral containers may be added.
bool SignificantUpdate(const Pod& pod, const Pod& old) {
  auto annotation = [](const Pod& p, const std::string& key) {
    auto it = p.metadata().annotations().find(key);
    return it == p.metadata().annotations().end() ? std::string() : it->second;
  };
  const std::string kPodKey = "seccomp.security.alpha.kubernetes.io/pod";
  const std::string kContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/";
  if (annotation(pod, kPodKey) != annotation(old, kPodKey)) return true;
  auto changed = [&](const auto& c, const auto& o) {
    return c.image() != o.image() || annotation(pod, kContainerPrefix + c.name()) !=
                                         annotation(old, kContainerPrefix + c.name());
  };
  auto list_changed = [&](const auto& now, const auto& before) {
    if (now.size() != before.size()) return true;
    for (int i = 0; i < now.size(); ++i) {
      if (changed(now[i], before[i])) return true;
    }
    return false;
  };
  if (list_changed(pod.spec().containers(), old.spec().containers())) return true;
  if (list_changed(pod.spec().init_containers(), old.spec().init_containers())) return true;
  for (const auto& c : pod.spec().ephemeral_containers()) {
    const auto& before = old.spec().ephemeral_containers();
    auto it = std::find_if(before.begin(), before.end(),
                           [&](const auto& o) { return o.name() == c.name(); });
    if (it == before.end() || changed(c, *it)) return true;
  }
  return false;
}

class PodSecurity : public Plugin {
 public:
  explicit PodSecurity(storage::Store* store) : store_(store) {}
  std::string_view Name() const override { return "PodSecurity"; }

  Status Validate(const Attributes& a) override {
    if (a.operation != Operation::kCreate && a.operation != Operation::kUpdate) return Status();
    if (a.type->kind.group.empty() && a.type->resource == "namespaces") {
      return a.subresource.empty() ? ValidateNamespace(a) : Status();
    }
    if (a.type->kind.group.empty() && a.type->resource == "pods") {
      return IgnoredSubresource(a.subresource) ? Status() : ValidatePod(a);
    }
    if (IsWorkload(*a.type) && a.subresource.empty()) return ValidateWorkload(a);
    return Status();
  }

 private:
  Result<Policy> NamespacePolicy(const Attributes& a, bool* errors) const {
    auto ns = store_->Get(storage::ObjectKey("namespaces", "", a.ns));
    if (!ns.ok()) return Status::InternalError(fmt::format("failed to lookup namespace {}", a.ns));
    std::vector<StatusCause> causes;
    Policy policy = podsecurity::PolicyToEvaluate(
        static_cast<const Namespace&>(**ns).metadata().labels(), &causes);
    *errors = !causes.empty();
    return policy;
  }

  Status ValidatePod(const Attributes& a) const {
    bool errors = false;
    auto policy = NamespacePolicy(a, &errors);
    if (!policy.ok()) return policy.take_status();
    if (!errors && policy->enforce.level == Level::kPrivileged &&
        policy->warn.level == Level::kPrivileged && policy->audit.level == Level::kPrivileged) {
      return Status();
    }
    const auto* pod = DynamicCastToGenerated<Pod>(a.object);
    if (pod == nullptr) return Status::BadRequest("failed to decode pod");
    if (a.operation == Operation::kUpdate) {
      const auto* old = DynamicCastToGenerated<Pod>(a.old_object);
      if (old == nullptr) return Status::BadRequest("failed to decode old pod");
      if (!SignificantUpdate(*pod, *old)) return Status();
    }
    return Evaluate(a, *policy, pod->metadata(), pod->spec(), true);
  }

  Status ValidateWorkload(const Attributes& a) const {
    bool errors = false;
    auto policy = NamespacePolicy(a, &errors);
    if (!policy.ok()) return policy.take_status();
    if (!errors && policy->warn.level == Level::kPrivileged &&
        policy->audit.level == Level::kPrivileged) {
      return Status();
    }
    if (a.object == nullptr) return Status::BadRequest("failed to decode object");
    const PodTemplateSpec* t = TemplateOf(*a.object);
    if (t == nullptr) return Status();  // a workload without a pod template
    return Evaluate(a, *policy, t->metadata(), t->spec(), false);
  }

  // EvaluatePod: enforce (for pods) refuses; warn warns when nothing refused.
  static Status Evaluate(const Attributes& a, const Policy& policy,
                         const k8s::meta::v1::ObjectMeta& meta, const k8s::core::v1::PodSpec& spec,
                         bool enforce) {
    if (enforce) {
      auto result = podsecurity::Evaluate(policy.enforce, meta, spec);
      if (!result.allowed()) {
        return Forbidden(a, fmt::format("violates PodSecurity \"{}\": {}", policy.enforce.String(),
                                        result.ForbiddenDetail()));
      }
    }
    auto warn = podsecurity::Evaluate(policy.warn, meta, spec);
    if (!warn.allowed()) {
      AddWarning(a, fmt::format("would violate PodSecurity \"{}\": {}", policy.warn.String(),
                                warn.ForbiddenDetail()));
    }
    return Status();
  }

  Status ValidateNamespace(const Attributes& a) const {
    const auto* ns = DynamicCastToGenerated<Namespace>(a.object);
    if (ns == nullptr) return Status::BadRequest("failed to decode namespace");
    std::vector<StatusCause> errors;
    Policy now = podsecurity::PolicyToEvaluate(ns->metadata().labels(), &errors);
    if (a.operation == Operation::kCreate) {
      if (!errors.empty()) return Status::Invalid(a.type->kind, a.name, std::move(errors));
      return Status();
    }
    const auto* old = DynamicCastToGenerated<Namespace>(a.old_object);
    if (old == nullptr) return Status::BadRequest("failed to decode old namespace");
    std::vector<StatusCause> old_errors;
    Policy before = podsecurity::PolicyToEvaluate(old->metadata().labels(), &old_errors);
    if (!errors.empty() && errors != old_errors) {
      return Status::Invalid(a.type->kind, a.name, std::move(errors));
    }
    // No pods to dry-run when enforce is unchanged, privileged, or relaxed at the same version.
    if (now.enforce == before.enforce || now.enforce.level == Level::kPrivileged) return Status();
    if (now.enforce.version == before.enforce.version &&
        now.enforce.level <= before.enforce.level) {
      return Status();
    }
    for (auto& warning : PodsInNamespace(a.name, now.enforce)) AddWarning(a, std::move(warning));
    return Status();
  }

  // EvaluatePodsInNamespace: one warning per distinct set of reasons, naming the
  // lexically first pod with it and how many others share it.
  std::vector<std::string> PodsInNamespace(const std::string& ns,
                                           const podsecurity::LevelVersion& enforce) const {
    storage::ListOptions options;
    options.prefix = storage::PrefixKey("pods", ns);
    auto list = store_->List(options);
    if (!list.ok()) return {"failed to list pods while checking new PodSecurity enforce level"};
    struct Count {
      std::string pod;
      int count = 0;
    };
    std::map<std::string, Count> by_reason;
    size_t total = list->items.size();
    size_t checked = std::min(total, kMaxPodsToCheck);
    for (size_t i = 0; i < checked; ++i) {
      const auto& pod = static_cast<const Pod&>(*list->items[i]);
      auto result = podsecurity::Evaluate(enforce, pod.metadata(), pod.spec());
      if (result.allowed()) continue;
      Count& c = by_reason[result.ForbiddenReason()];
      if (c.count == 0 || pod.metadata().name() < c.pod) c.pod = pod.metadata().name();
      ++c.count;
    }
    std::vector<std::string> warnings;
    if (checked < total) {
      warnings.push_back(
          fmt::format("new PodSecurity enforce level only checked against the "
                      "first {} of {} existing pods",
                      checked, total));
    }
    if (by_reason.empty()) return warnings;
    warnings.push_back(
        fmt::format("existing pods in namespace \"{}\" violate the new PodSecurity "
                    "enforce level \"{}\"",
                    ns, enforce.String()));
    std::vector<std::string> pods;
    for (const auto& [reason, c] : by_reason) {
      if (c.count == 1) {
        pods.push_back(fmt::format("{}: {}", c.pod, reason));
      } else {
        pods.push_back(fmt::format("{} (and {} other {}): {}", c.pod, c.count - 1,
                                   c.count == 2 ? "pod" : "pods", reason));
      }
    }
    std::sort(pods.begin(), pods.end());
    warnings.insert(warnings.end(), pods.begin(), pods.end());
    return warnings;
  }

  storage::Store* const store_;
};

}  // namespace

std::unique_ptr<Plugin> NewPodSecurity(storage::Store* store) {
  return std::make_unique<PodSecurity>(store);
}

}  // namespace pk::admission
