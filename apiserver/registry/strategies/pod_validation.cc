// ValidatePodSpec and ValidatePodTemplateSpec (k8s.io/kubernetes/pkg/apis/core/validation),
// v1.32 wording. Containers are in container_validation.cc.
#include <climits>
#include <set>

#include "apimachinery/validation.h"
#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

using k8s::core::v1::PodSpec;

bool OneOf(const std::string& value, const std::vector<std::string>& valid) {
  return std::find(valid.begin(), valid.end(), value) != valid.end();
}

// validateRestartPolicy, validateDNSPolicy: required, then one of the supported values.
void ValidateEnum(const std::string& value, const std::vector<std::string>& valid,
                  const std::string& path, Causes* causes) {
  if (value.empty()) {
    causes->push_back(Required(path));
  } else if (!OneOf(value, valid)) {
    causes->push_back(NotSupported(path, BadValue::String(value), valid));
  }
}

void ValidateVolumes(const PodSpec& spec, const std::string& path, Causes* causes) {
  std::set<std::string> names;
  for (int i = 0; i < spec.volumes_size(); ++i) {
    const std::string& name = spec.volumes(i).name();
    const std::string p = Index(path, i) + ".name";
    if (name.empty()) {
      causes->push_back(Required(p));
      continue;
    }
    AddInvalid(causes, p, BadValue::String(name), validation::IsDNS1123Label(name));
    if (!names.insert(name).second) causes->push_back(Duplicate(p, BadValue::String(name)));
  }
}

void ValidateTolerations(const PodSpec& spec, const std::string& path, Causes* causes) {
  static const std::vector<std::string> kEffects = {"NoSchedule", "PreferNoSchedule", "NoExecute"};
  for (int i = 0; i < spec.tolerations_size(); ++i) {
    const auto& t = spec.tolerations(i);
    const std::string p = Index(path, i);
    if (!t.key().empty()) {
      AddInvalid(causes, p + ".key", BadValue::String(t.key()),
                 validation::IsQualifiedName(t.key()));
    }
    if (t.key().empty() && t.operator_() != "Exists") {
      causes->push_back(Invalid(p + ".operator", BadValue::String(t.operator_()),
                                "operator must be Exists when `key` is empty, which means "
                                "\"match all values and all keys\""));
    }
    if (t.has_toleration_seconds() && t.effect() != "NoExecute") {
      causes->push_back(Invalid(p + ".effect", BadValue::String(t.effect()),
                                "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.operator_().empty() || t.operator_() == "Equal") {
      const auto errs = validation::IsValidLabelValue(t.value());
      std::string joined;
      for (const auto& e : errs) joined += (joined.empty() ? "" : ";") + e;
      if (!errs.empty())
        causes->push_back(Invalid(p + ".operator", BadValue::String(t.value()), joined));
    } else if (t.operator_() == "Exists") {
      if (!t.value().empty()) {
        causes->push_back(Invalid(p + ".operator", BadValue::Raw("core.Toleration{...}"),
                                  "value must be empty when `operator` is 'Exists'"));
      }
    } else {
      causes->push_back(
          NotSupported(p + ".operator", BadValue::String(t.operator_()), {"Equal", "Exists"}));
    }
    if (!t.effect().empty() && !OneOf(t.effect(), kEffects)) {
      causes->push_back(NotSupported(p + ".effect", BadValue::String(t.effect()), kEffects));
    }
  }
}

// The name-like fields of the spec.
void ValidateNames(const PodSpec& spec, const std::string& path, Causes* causes) {
  if (!spec.service_account_name().empty()) {
    AddInvalid(causes, path + ".serviceAccountName", BadValue::String(spec.service_account_name()),
               validation::IsDNS1123Subdomain(spec.service_account_name()));
  }
  if (!spec.node_name().empty()) {
    AddInvalid(causes, path + ".nodeName", BadValue::String(spec.node_name()),
               validation::IsDNS1123Subdomain(spec.node_name()));
  }
  if (spec.has_active_deadline_seconds()) {
    const int64_t v = spec.active_deadline_seconds();
    if (v < 1 || v > INT32_MAX) {
      causes->push_back(Invalid(path + ".activeDeadlineSeconds", BadValue::Int(v),
                                validation::InclusiveRangeError(1, INT32_MAX)));
    }
  }
  if (!spec.hostname().empty()) {
    AddInvalid(causes, path + ".hostname", BadValue::String(spec.hostname()),
               validation::IsDNS1123Label(spec.hostname()));
  }
  if (!spec.subdomain().empty()) {
    AddInvalid(causes, path + ".subdomain", BadValue::String(spec.subdomain()),
               validation::IsDNS1123Label(spec.subdomain()));
  }
}

}  // namespace

Causes ValidatePodSpec(const PodSpec& spec, std::string_view path_view) {
  const std::string path(path_view);
  Causes causes;
  ValidateVolumes(spec, path + ".volumes", &causes);
  Append(&causes, ValidateContainers(spec, path));
  ValidateEnum(spec.restart_policy(), {"Always", "OnFailure", "Never"}, path + ".restartPolicy",
               &causes);
  ValidateEnum(spec.dns_policy(), {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"},
               path + ".dnsPolicy", &causes);
  Append(&causes, ValidateLabels(spec.node_selector(), path + ".nodeSelector"));
  ValidateNames(spec, path, &causes);
  ValidateTolerations(spec, path + ".tolerations", &causes);
  if (!spec.priority_class_name().empty()) {
    AddInvalid(&causes, path + ".priorityClassName", BadValue::String(spec.priority_class_name()),
               validation::IsDNS1123Subdomain(spec.priority_class_name()));
  }
  if (spec.has_preemption_policy()) {
    const std::vector<std::string> valid = {"PreemptLowerPriority", "Never"};
    if (!OneOf(spec.preemption_policy(), valid)) {
      causes.push_back(NotSupported(path + ".preemptionPolicy",
                                    BadValue::String(spec.preemption_policy()), valid));
    }
  }
  return causes;
}

Causes ValidatePodTemplateSpec(const k8s::core::v1::PodTemplateSpec& tpl,
                               std::string_view path_view) {
  const std::string path(path_view);
  Causes causes = ValidateLabels(tpl.metadata().labels(), path + ".metadata.labels");
  Append(&causes,
         ValidateAnnotations(tpl.metadata().annotations(), path + ".metadata.annotations"));
  Append(&causes, ValidatePodSpec(tpl.spec(), path + ".spec"));
  return causes;
}

}  // namespace pk::registry
