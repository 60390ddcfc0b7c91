// apps/v1 strategies: defaults (k8s.io/kubernetes/pkg/apis/apps/v1/defaults.go), validation
// (pkg/apis/apps/validation) and generation tracking (pkg/registry/apps/*/strategy.go), v1.32.
#include "apimachinery/object.h"
#include "apiserver/registry/strategies/internal.h"
#include "proto/apps/v1/apps.pb.h"

namespace pk::registry {
namespace {

namespace apps = k8s::apps::v1;
using google::protobuf::Reflection;

void SetPercent(k8s::util::IntOrString* v, const char* percent) {
  v->set_type(1);
  v->set_str_val(percent);
}

const k8s::meta::v1::LabelSelector* SelectorOf(bool has, const k8s::meta::v1::LabelSelector& s) {
  return has ? &s : nullptr;
}

// ---------------------------------------------------------------------------------------------

class DeploymentStrategyImpl : public SpecStatusStrategy {
 public:
  DeploymentStrategyImpl() : SpecStatusStrategy(/*annotations_bump=*/true) {}
  bool StatusWritesAnnotations() const override { return true; }

  void Default(Message* object) const override {
    apps::DeploymentSpec* spec = As<apps::Deployment>(object).mutable_spec();
    if (!spec->has_replicas()) spec->set_replicas(1);
    apps::DeploymentStrategy* strategy = spec->mutable_strategy();
    if (strategy->type().empty()) strategy->set_type("RollingUpdate");
    if (strategy->type() == "RollingUpdate") {
      auto* rolling = strategy->mutable_rolling_update();
      if (!rolling->has_max_unavailable()) SetPercent(rolling->mutable_max_unavailable(), "25%");
      if (!rolling->has_max_surge()) SetPercent(rolling->mutable_max_surge(), "25%");
    }
    if (!spec->has_revision_history_limit()) spec->set_revision_history_limit(10);
    if (!spec->has_progress_deadline_seconds()) spec->set_progress_deadline_seconds(600);
    DefaultPodSpec(spec->mutable_template_()->mutable_spec());
  }

  Causes Validate(const Message& object) const override {
    const apps::DeploymentSpec& spec = As<apps::Deployment>(object).spec();
    Causes causes;
    ValidateNonnegative(&causes, "spec.replicas", spec.replicas());
    Append(&causes, ValidateSelectorAndTemplate(SelectorOf(spec.has_selector(), spec.selector()),
                                                spec.template_(), {"deployment", "ReplicaSet"}));
    ValidateStrategy(spec.strategy(), &causes);
    ValidateNonnegative(&causes, "spec.minReadySeconds", spec.min_ready_seconds());
    if (spec.has_revision_history_limit()) {
      ValidateNonnegative(&causes, "spec.revisionHistoryLimit", spec.revision_history_limit());
    }
    if (spec.has_progress_deadline_seconds()) {
      ValidateNonnegative(&causes, "spec.progressDeadlineSeconds",
                          spec.progress_deadline_seconds());
      if (spec.progress_deadline_seconds() <= spec.min_ready_seconds()) {
        causes.push_back(Invalid("spec.progressDeadlineSeconds",
                                 BadValue::Int(spec.progress_deadline_seconds()),
                                 "must be greater than minReadySeconds"));
      }
    }
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const auto& now = As<apps::Deployment>(object).spec();
    const auto& before = As<apps::Deployment>(old).spec();
    Causes causes;
    ValidateSelectorUnchanged(SelectorOf(now.has_selector(), now.selector()),
                              SelectorOf(before.has_selector(), before.selector()), &causes);
    return causes;
  }

 private:
  // ValidateDeploymentStrategy and ValidateRollingUpdateDeployment.
  static void ValidateStrategy(const apps::DeploymentStrategy& s, Causes* causes) {
    if (s.type() == "Recreate") {
      if (s.has_rolling_update()) {
        causes->push_back(Forbidden("spec.strategy.rollingUpdate",
                                    "may not be specified when strategy `type` is 'Recreate'"));
      }
    } else if (s.type() == "RollingUpdate") {
      const auto& r = s.rolling_update();
      const std::string path = "spec.strategy.rollingUpdate";
      ValidateIntOrPercent(r.max_unavailable(), path + ".maxUnavailable", false, causes);
      ValidateIntOrPercent(r.max_surge(), path + ".maxSurge", false, causes);
      if (IntOrPercentValue(r.max_unavailable()) == 0 && IntOrPercentValue(r.max_surge()) == 0) {
        causes->push_back(Invalid(path + ".maxUnavailable",
                                  BadValue::Raw(GoIntOrString(r.max_unavailable())),
                                  "may not be 0 when `maxSurge` is 0"));
      }
      if (r.max_unavailable().type() == 1 && IntOrPercentValue(r.max_unavailable()) > 100) {
        causes->push_back(Invalid(path + ".maxUnavailable",
                                  BadValue::Raw(GoIntOrString(r.max_unavailable())),
                                  "must not be greater than 100%"));
      }
    } else {
      const std::string rolling = s.has_rolling_update() ? "&apps.RollingUpdateDeployment{...}"
                                                         : "(*apps.RollingUpdateDeployment)(nil)";
      causes->push_back(NotSupported(
          "spec.strategy",
          BadValue::Raw("apps.DeploymentStrategy{Type:" + BadValue::String(s.type()).text +
                        ", RollingUpdate:" + rolling + "}"),
          {"Recreate", "RollingUpdate"}));
    }
  }
};

// ---------------------------------------------------------------------------------------------

class ReplicaSetStrategyImpl : public SpecStatusStrategy {
 public:
  void Default(Message* object) const override {
    apps::ReplicaSetSpec* spec = As<apps::ReplicaSet>(object).mutable_spec();
    if (!spec->has_replicas()) spec->set_replicas(1);
    DefaultPodSpec(spec->mutable_template_()->mutable_spec());
  }

  Causes Validate(const Message& object) const override {
    const apps::ReplicaSetSpec& spec = As<apps::ReplicaSet>(object).spec();
    Causes causes;
    ValidateNonnegative(&causes, "spec.replicas", spec.replicas());
    ValidateNonnegative(&causes, "spec.minReadySeconds", spec.min_ready_seconds());
    Append(&causes, ValidateSelectorAndTemplate(SelectorOf(spec.has_selector(), spec.selector()),
                                                spec.template_(), {"deployment", "ReplicaSet"}));
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const auto& now = As<apps::ReplicaSet>(object).spec();
    const auto& before = As<apps::ReplicaSet>(old).spec();
    Causes causes;
    ValidateSelectorUnchanged(SelectorOf(now.has_selector(), now.selector()),
                              SelectorOf(before.has_selector(), before.selector()), &causes);
    return causes;
  }

  // ReplicaSetToSelectableFields.
  std::vector<std::string> FieldSelectors() const override { return {"status.replicas"}; }
};

}  // namespace

// ---------------------------------------------------------------------------------------------

void SpecStatusStrategy::PrepareForCreate(Message* object) const {
  const auto* status = object->GetDescriptor()->FindFieldByName("status");
  if (status != nullptr) object->GetReflection()->ClearField(object, status);
  MutableObjectMeta(object)->set_generation(1);
}

void SpecStatusStrategy::PrepareForUpdate(Message* object, const Message& old) const {
  const auto* descriptor = object->GetDescriptor();
  const Reflection* reflection = object->GetReflection();
  if (const auto* status = descriptor->FindFieldByName("status"); status != nullptr) {
    reflection->MutableMessage(object, status)->CopyFrom(reflection->GetMessage(old, status));
  }
  auto* meta = MutableObjectMeta(object);
  const auto* old_meta = GetObjectMeta(old);
  meta->set_generation(old_meta->generation());  // clients may not set it
  bool changed = false;
  if (const auto* spec = descriptor->FindFieldByName("spec"); spec != nullptr) {
    changed =
        !SameMessage(reflection->GetMessage(*object, spec), reflection->GetMessage(old, spec));
  }
  if (annotations_bump_) {
    k8s::meta::v1::ObjectMeta a, b;
    *a.mutable_annotations() = meta->annotations();
    *b.mutable_annotations() = old_meta->annotations();
    changed = changed || !SameMessage(a, b);
  }
  if (changed) meta->set_generation(old_meta->generation() + 1);
}

const Strategy& DeploymentStrategy() {
  static const DeploymentStrategyImpl strategy;
  return strategy;
}

const Strategy& ReplicaSetStrategy() {
  static const ReplicaSetStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
