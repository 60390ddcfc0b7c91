// StatefulSet and DaemonSet strategies (pkg/apis/apps/v1/defaults.go,
// pkg/apis/apps/validation, pkg/registry/apps/{statefulset,daemonset}/strategy.go), v1.32.
#include <algorithm>
#include <charconv>
#include <string>

#include "apiserver/registry/strategies/internal.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::registry {
namespace {

namespace apps = k8s::apps::v1;

const k8s::meta::v1::LabelSelector* SelectorOf(bool has, const k8s::meta::v1::LabelSelector& s) {
  return has ? &s : nullptr;
}

// A required field with a fixed set of values.
void ValidateEnum(const std::string& value, const std::vector<std::string>& valid,
                  const std::string& path, Causes* causes) {
  if (value.empty()) {
    causes->push_back(Required(path));
  } else if (std::find(valid.begin(), valid.end(), value) == valid.end()) {
    causes->push_back(NotSupported(path, BadValue::String(value), valid));
  }
}

class StatefulSetStrategyImpl : public SpecStatusStrategy {
 public:
  void Default(Message* object) const override {
    apps::StatefulSetSpec* spec = As<apps::StatefulSet>(object).mutable_spec();
    if (spec->pod_management_policy().empty()) spec->set_pod_management_policy("OrderedReady");
    auto* update = spec->mutable_update_strategy();
    if (update->type().empty()) {
      update->set_type("RollingUpdate");
      update->mutable_rolling_update();  // takes the defaults below
    }
    if (update->type() == "RollingUpdate" && update->has_rolling_update() &&
        !update->rolling_update().has_partition()) {
      update->mutable_rolling_update()->set_partition(0);
    }
    auto* retention = spec->mutable_persistent_volume_claim_retention_policy();
    if (retention->when_deleted().empty()) retention->set_when_deleted("Retain");
    if (retention->when_scaled().empty()) retention->set_when_scaled("Retain");
    if (!spec->has_replicas()) spec->set_replicas(1);
    if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
    DefaultPodSpec(spec->mutable_template_()->mutable_spec());
  }

  Causes Validate(const Message& object) const override {
    const apps::StatefulSetSpec& spec = As<apps::StatefulSet>(object).spec();
    Causes causes;
    ValidateEnum(spec.pod_management_policy(), {"OrderedReady", "Parallel"},
                 "spec.podManagementPolicy", &causes);
    ValidateEnum(spec.update_strategy().type(), {"RollingUpdate", "OnDelete"},
                 "spec.updateStrategy.type", &causes);
    if (spec.update_strategy().type() == "OnDelete" &&
        spec.update_strategy().has_rolling_update()) {
      causes.push_back(Invalid("spec.updateStrategy.rollingUpdate",
                               BadValue::Raw("apps.RollingUpdateStatefulSetStrategy{...}"),
                               "only allowed for updateStrategy 'RollingUpdate'"));
    }
    const auto& rolling = spec.update_strategy().rolling_update();
    if (rolling.has_partition()) {
      ValidateNonnegative(&causes, "spec.updateStrategy.rollingUpdate.partition",
                          rolling.partition());
    }
    ValidateNonnegative(&causes, "spec.replicas", spec.replicas());
    ValidateNonnegative(&causes, "spec.minReadySeconds", spec.min_ready_seconds());
    Append(&causes, ValidateSelectorAndTemplate(SelectorOf(spec.has_selector(), spec.selector()),
                                                spec.template_(), {"statefulset", "StatefulSet"}));
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const auto& now = As<apps::StatefulSet>(object).spec();
    const auto& before = As<apps::StatefulSet>(old).spec();
    Causes causes;
    // Only these fields may change; everything else of the spec is fixed at creation.
    apps::StatefulSetSpec clone = now;
    apps::StatefulSetSpec mutable_part = before;
    const auto* d = clone.GetDescriptor();
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    for (const char* name :
         {"replicas", "template", "update_strategy", "min_ready_seconds", "ordinals",
          "revision_history_limit", "persistent_volume_claim_retention_policy"}) {
      fields.push_back(d->FindFieldByName(name));
    }
    // Swapping keeps presence: a field the old spec left unset stays unset.
    clone.GetReflection()->SwapFields(&clone, &mutable_part, fields);
    if (!SameMessage(clone, before)) {
      causes.push_back(
          Forbidden("spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'revisionHistoryLimit', "
                    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
    }
    return causes;
  }
};

// apps/v1 keeps the internal spec.templateGeneration in an annotation: 1 at creation (or
// the creator's value when it is a larger number), carried over on update and raised by one
// when the pod template changes (daemonSetStrategy PrepareForCreate/PrepareForUpdate and the
// v1 conversion). The DaemonSet controller labels its pods with it.
constexpr char kTemplateGeneration[] = "deprecated.daemonset.template.generation";

int64_t TemplateGenerationOf(const apps::DaemonSet& ds) {
  auto it = ds.metadata().annotations().find(kTemplateGeneration);
  if (it == ds.metadata().annotations().end()) return 0;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return ec == std::errc() && end == it->second.data() + it->second.size() ? value : 0;
}

void SetTemplateGeneration(apps::DaemonSet* ds, int64_t generation) {
  (*ds->mutable_metadata()->mutable_annotations())[kTemplateGeneration] =
      std::to_string(generation);
}

class DaemonSetStrategyImpl : public SpecStatusStrategy {
 public:
  void PrepareForCreate(Message* object) const override {
    SpecStatusStrategy::PrepareForCreate(object);
    auto& ds = As<apps::DaemonSet>(object);
    SetTemplateGeneration(&ds, std::max<int64_t>(TemplateGenerationOf(ds), 1));
  }

  void PrepareForUpdate(Message* object, const Message& old) const override {
    SpecStatusStrategy::PrepareForUpdate(object, old);
    auto& ds = As<apps::DaemonSet>(object);
    const auto& before = As<apps::DaemonSet>(old);
    bool changed = !SameMessage(ds.spec().template_(), before.spec().template_());
    SetTemplateGeneration(&ds, TemplateGenerationOf(before) + (changed ? 1 : 0));
  }

  void Default(Message* object) const override {
    apps::DaemonSetSpec* spec = As<apps::DaemonSet>(object).mutable_spec();
    auto* update = spec->mutable_update_strategy();
    if (update->type().empty()) update->set_type("RollingUpdate");
    if (update->type() == "RollingUpdate") {
      auto* rolling = update->mutable_rolling_update();
      if (!rolling->has_max_unavailable()) rolling->mutable_max_unavailable()->set_int_val(1);
      if (!rolling->has_max_surge()) rolling->mutable_max_surge()->set_int_val(0);
    }
    if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
    DefaultPodSpec(spec->mutable_template_()->mutable_spec());
  }

  Causes Validate(const Message& object) const override {
    const apps::DaemonSetSpec& spec = As<apps::DaemonSet>(object).spec();
    Causes causes = ValidateSelectorAndTemplate(SelectorOf(spec.has_selector(), spec.selector()),
                                                spec.template_(), {"daemonset", "DaemonSet"});
    ValidateNonnegative(&causes, "spec.minReadySeconds", spec.min_ready_seconds());
    ValidateEnum(spec.update_strategy().type(), {"OnDelete", "RollingUpdate"},
                 "spec.updateStrategy.type", &causes);
    if (spec.update_strategy().type() == "RollingUpdate") {
      const auto& r = spec.update_strategy().rolling_update();
      const std::string path = "spec.updateStrategy.rollingUpdate";
      ValidateIntOrPercent(r.max_unavailable(), path + ".maxUnavailable", true, &causes);
      ValidateIntOrPercent(r.max_surge(), path + ".maxSurge", true, &causes);
      if (IntOrPercentValue(r.max_unavailable()) == 0 && IntOrPercentValue(r.max_surge()) == 0) {
        causes.push_back(Invalid(path + ".maxUnavailable",
                                 BadValue::Raw(GoIntOrString(r.max_unavailable())),
                                 "may not be 0 when `maxSurge` is 0"));
      }
    }
    if (spec.has_revision_history_limit()) {
      ValidateNonnegative(&causes, "spec.revisionHistoryLimit", spec.revision_history_limit());
    }
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const auto& now = As<apps::DaemonSet>(object).spec();
    const auto& before = As<apps::DaemonSet>(old).spec();
    Causes causes;
    ValidateSelectorUnchanged(SelectorOf(now.has_selector(), now.selector()),
                              SelectorOf(before.has_selector(), before.selector()), &causes);
    return causes;
  }
};

}  // namespace

const Strategy& StatefulSetStrategy() {
  static const StatefulSetStrategyImpl strategy;
  return strategy;
}

const Strategy& DaemonSetStrategy() {
  static const DaemonSetStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
