// The Job strategy (pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation,
// pkg/registry/batch/job/strategy.go), v1.32.
#include "apiserver/registry/strategies/internal.h"
#include "proto/batch/v1/batch.pb.h"

namespace pk::registry {
namespace {

using k8s::batch::v1::Job;

bool ManualSelector(const Job& job) {
  return job.spec().has_manual_selector() && job.spec().manual_selector();
}

// generateSelector: the pods of a job carry its name and uid, under the legacy and the
// batch.kubernetes.io keys; the selector picks the uid. Labels the user set are kept (a
// conflict then fails validation).
void GenerateSelector(Job* job) {
  const std::string& name = job->metadata().name();
  const std::string& uid = job->metadata().uid();
  auto* labels = job->mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels();
  labels->insert({"job-name", name});
  labels->insert({"batch.kubernetes.io/job-name", name});
  labels->insert({"controller-uid", uid});
  labels->insert({"batch.kubernetes.io/controller-uid", uid});
  job->mutable_spec()->mutable_selector()->mutable_match_labels()->insert(
      {"batch.kubernetes.io/controller-uid", uid});
}

void ValidateOptionalNonnegative(bool has, int64_t value, const std::string& path, Causes* causes) {
  if (has) ValidateNonnegative(causes, path, value);
}

class JobStrategyImpl : public SpecStatusStrategy {
 public:
  void Default(Message* object) const override {
    Job& job = As<Job>(object);
    auto* spec = job.mutable_spec();
    if (!spec->has_completions() && !spec->has_parallelism()) {
      spec->set_completions(1);
      spec->set_parallelism(1);
    }
    if (!spec->has_parallelism()) spec->set_parallelism(1);
    if (!spec->has_backoff_limit()) {
      spec->set_backoff_limit(spec->has_backoff_limit_per_index() ? INT32_MAX : 6);
    }
    const auto& template_labels = spec->template_().metadata().labels();
    if (!template_labels.empty() && job.metadata().labels().empty()) {
      *job.mutable_metadata()->mutable_labels() = template_labels;
    }
    if (!spec->has_completion_mode()) spec->set_completion_mode("NonIndexed");
    if (!spec->has_suspend()) spec->set_suspend(false);
    if (spec->has_pod_failure_policy()) {
      for (auto& rule : *spec->mutable_pod_failure_policy()->mutable_rules()) {
        for (auto& pattern : *rule.mutable_on_pod_conditions()) {
          if (pattern.status().empty()) pattern.set_status("True");
        }
      }
    }
    if (!spec->has_pod_replacement_policy()) {
      spec->set_pod_replacement_policy(spec->has_pod_failure_policy() ? "Failed"
                                                                      : "TerminatingOrFailed");
    }
    DefaultPodSpec(spec->mutable_template_()->mutable_spec());
  }

  // Kubernetes generates the selector in Validate, once the uid exists; the registry sets the
  // uid before PrepareForCreate, so it happens here.
  void PrepareForCreate(Message* object) const override {
    SpecStatusStrategy::PrepareForCreate(object);
    Job& job = As<Job>(object);
    if (!ManualSelector(job)) GenerateSelector(&job);
  }

  Causes Validate(const Message& object) const override {
    const Job& job = As<Job>(object);
    const auto& spec = job.spec();
    Causes causes;
    ValidateOptionalNonnegative(spec.has_parallelism(), spec.parallelism(), "spec.parallelism",
                                &causes);
    ValidateOptionalNonnegative(spec.has_completions(), spec.completions(), "spec.completions",
                                &causes);
    ValidateOptionalNonnegative(spec.has_active_deadline_seconds(), spec.active_deadline_seconds(),
                                "spec.activeDeadlineSeconds", &causes);
    ValidateOptionalNonnegative(spec.has_backoff_limit(), spec.backoff_limit(), "spec.backoffLimit",
                                &causes);
    ValidateOptionalNonnegative(spec.has_ttl_seconds_after_finished(),
                                spec.ttl_seconds_after_finished(), "spec.ttlSecondsAfterFinished",
                                &causes);
    if (spec.has_completion_mode() && spec.completion_mode() != "NonIndexed" &&
        spec.completion_mode() != "Indexed") {
      causes.push_back(NotSupported("spec.completionMode", BadValue::String(spec.completion_mode()),
                                    {"NonIndexed", "Indexed"}));
    }
    Append(&causes, ValidateSelectorAndTemplate(spec.has_selector() ? &spec.selector() : nullptr,
                                                spec.template_(), {"job", "", false}));
    const std::string& restart = spec.template_().spec().restart_policy();
    if (restart != "OnFailure" && restart != "Never") {
      causes.push_back(NotSupported("spec.template.spec.restartPolicy", BadValue::String(restart),
                                    {"OnFailure", "Never"}));
    }
    return causes;
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    const auto& now = As<Job>(object).spec();
    const auto& before = As<Job>(old).spec();
    Causes causes;
    ValidateSelectorUnchanged(now.has_selector() ? &now.selector() : nullptr,
                              before.has_selector() ? &before.selector() : nullptr, &causes);
    if (!SameMessage(now.template_(), before.template_())) {
      causes.push_back(Immutable("spec.template", BadValue::Raw("core.PodTemplateSpec{...}")));
    }
    if (now.has_completions() != before.has_completions() ||
        now.completions() != before.completions()) {
      causes.push_back(Immutable("spec.completions", now.has_completions()
                                                         ? BadValue::Int(now.completions())
                                                         : BadValue::Null()));
    }
    if (now.completion_mode() != before.completion_mode()) {
      causes.push_back(Immutable("spec.completionMode", BadValue::String(now.completion_mode())));
    }
    return causes;
  }

  // JobToSelectableFields.
  std::vector<std::string> FieldSelectors() const override { return {"status.successful"}; }
};

}  // namespace

const Strategy& JobStrategy() {
  static const JobStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
