#include <doctest/doctest.h>

#include "apiserver/registry/strategies/test_util.h"
#include "proto/apps/v1/apps.pb.h"
#include "proto/batch/v1/batch.pb.h"

namespace pk::registry {
namespace {

using k8s::apps::v1::DaemonSet;
using k8s::apps::v1::Deployment;
using k8s::apps::v1::StatefulSet;
using k8s::batch::v1::Job;
using testing::FromJson;

const Strategy& Deployments() { return testing::StrategyOf("apps", "deployments"); }

constexpr std::string_view kDeployment = R"({"metadata":{"name":"web","namespace":"default"},
  "spec":{"selector":{"matchLabels":{"app":"web"}},
    "template":{"metadata":{"labels":{"app":"web"}},
      "spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}})";

TEST_CASE("deployment defaults, template included") {
  Deployment d = FromJson<Deployment>(kDeployment);
  CHECK(testing::Create(Deployments(), &d).empty());
  CHECK(d.spec().replicas() == 1);
  CHECK(d.spec().strategy().type() == "RollingUpdate");
  CHECK(d.spec().strategy().rolling_update().max_surge().str_val() == "25%");
  CHECK(d.spec().strategy().rolling_update().max_unavailable().str_val() == "25%");
  CHECK(d.spec().revision_history_limit() == 10);
  CHECK(d.spec().progress_deadline_seconds() == 600);
  CHECK(d.spec().template_().spec().restart_policy() == "Always");
  CHECK(d.spec().template_().spec().containers(0).image_pull_policy() == "IfNotPresent");
  CHECK_FALSE(d.spec().template_().spec().has_enable_service_links());  // pods only
  CHECK(d.metadata().generation() == 1);
  CHECK(Deployments().TracksGeneration());
}

TEST_CASE("the selector must match the template's labels") {
  Deployment d = FromJson<Deployment>(kDeployment);
  (*d.mutable_spec()->mutable_template_()->mutable_metadata()->mutable_labels())["app"] =
      std::string("api");
  const Causes causes = testing::Create(Deployments(), &d);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueInvalid",
                                 "Invalid value: map[string]string{\"app\":\"api\"}: `selector` "
                                 "does not match template `labels`",
                                 "spec.template.metadata.labels"});
}

TEST_CASE("a deployment needs a selector and non-negative replicas") {
  Deployment d = FromJson<Deployment>(kDeployment);
  d.mutable_spec()->clear_selector();
  d.mutable_spec()->set_replicas(-1);
  const Causes causes = testing::Create(Deployments(), &d);
  REQUIRE(causes.size() == 2);
  CHECK(causes[0] == StatusCause{"FieldValueInvalid",
                                 "Invalid value: -1: must be greater than or equal to 0",
                                 "spec.replicas"});
  CHECK(causes[1] == StatusCause{"FieldValueRequired", "Required value", "spec.selector"});
}

TEST_CASE("the selector is immutable in apps/v1") {
  Deployment old = FromJson<Deployment>(kDeployment);
  Deployment now = old;
  (*now.mutable_spec()->mutable_selector()->mutable_match_labels())["app"] = std::string("web2");
  const Causes causes = Deployments().ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(testing::InvalidMessage("Deployment", "web", causes) ==
        "Deployment \"web\" is invalid: spec.selector: Invalid value: "
        "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, "
        "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
}

TEST_CASE("generation bumps on spec changes and status is kept") {
  Deployment old = FromJson<Deployment>(kDeployment);
  Deployments().Default(&old);
  Deployments().PrepareForCreate(&old);
  old.mutable_status()->set_replicas(3);

  Deployment same = old;
  same.clear_status();
  (*same.mutable_metadata()->mutable_labels())["team"] = std::string("a");
  Deployments().PrepareForUpdate(&same, old);
  CHECK(same.metadata().generation() == 1);
  CHECK(same.status().replicas() == 3);

  Deployment scaled = old;
  scaled.mutable_spec()->set_replicas(5);
  scaled.mutable_metadata()->set_generation(42);  // clients may not set it
  Deployments().PrepareForUpdate(&scaled, old);
  CHECK(scaled.metadata().generation() == 2);

  Deployment annotated = old;
  (*annotated.mutable_metadata()->mutable_annotations())["note"] = std::string("x");
  Deployments().PrepareForUpdate(&annotated, old);
  CHECK(annotated.metadata().generation() == 2);
}

TEST_CASE("statefulset and daemonset defaults") {
  StatefulSet s = FromJson<StatefulSet>(kDeployment);
  testing::StrategyOf("apps", "statefulsets").Default(&s);
  CHECK(s.spec().pod_management_policy() == "OrderedReady");
  CHECK(s.spec().update_strategy().type() == "RollingUpdate");
  CHECK(s.spec().update_strategy().rolling_update().partition() == 0);
  CHECK(s.spec().persistent_volume_claim_retention_policy().when_deleted() == "Retain");
  CHECK(s.spec().persistent_volume_claim_retention_policy().when_scaled() == "Retain");
  CHECK(s.spec().replicas() == 1);
  CHECK(s.spec().revision_history_limit() == 10);

  DaemonSet ds = FromJson<DaemonSet>(R"({"spec":{"template":{"spec":{"containers":[]}}}})");
  testing::StrategyOf("apps", "daemonsets").Default(&ds);
  CHECK(ds.spec().update_strategy().type() == "RollingUpdate");
  CHECK(ds.spec().update_strategy().rolling_update().max_unavailable().int_val() == 1);
  CHECK(ds.spec().update_strategy().rolling_update().has_max_surge());
  CHECK(ds.spec().revision_history_limit() == 10);
}

TEST_CASE("daemonset template generation annotation: 1 at creation, +1 per template change") {
  const Strategy& strategy = testing::StrategyOf("apps", "daemonsets");
  constexpr char kKey[] = "deprecated.daemonset.template.generation";
  DaemonSet ds = FromJson<DaemonSet>(R"({"spec":{"template":{"spec":{"containers":[]}}}})");
  strategy.PrepareForCreate(&ds);
  CHECK(ds.metadata().annotations().at(kKey) == "1");
  DaemonSet same = ds;
  same.mutable_spec()->set_min_ready_seconds(5);
  (*same.mutable_metadata()->mutable_annotations())[kKey] = "7";  // clients may not set it
  strategy.PrepareForUpdate(&same, ds);
  CHECK(same.metadata().annotations().at(kKey) == "1");
  DaemonSet changed = same;
  changed.mutable_spec()->mutable_template_()->mutable_spec()->set_host_network(true);
  changed.mutable_metadata()->mutable_annotations()->clear();
  strategy.PrepareForUpdate(&changed, same);
  CHECK(changed.metadata().annotations().at(kKey) == "2");
}

TEST_CASE("statefulset updates may change only some spec fields") {
  StatefulSet old = FromJson<StatefulSet>(kDeployment);
  StatefulSet now = old;
  now.mutable_spec()->set_replicas(3);
  const Strategy& sts = testing::StrategyOf("apps", "statefulsets");
  CHECK(sts.ValidateUpdate(now, old).empty());
  now.mutable_spec()->set_service_name("other");
  const Causes causes = sts.ValidateUpdate(now, old);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].reason == "FieldValueForbidden");
  CHECK(causes[0].message.rfind("Forbidden: updates to statefulset spec for fields other than "
                                "'replicas', 'ordinals', 'template', 'updateStrategy'",
                                0) == 0);
}

TEST_CASE("jobs: defaults, generated selector, restart policy") {
  const Strategy& jobs = testing::StrategyOf("batch", "jobs");
  Job job = FromJson<Job>(R"({"metadata":{"name":"pi","namespace":"default","uid":"u-1"},
    "spec":{"template":{"spec":{"restartPolicy":"Never",
      "containers":[{"name":"pi","image":"perl:5.34"}]}}}})");
  CHECK(testing::Create(jobs, &job).empty());
  CHECK(job.spec().completions() == 1);
  CHECK(job.spec().parallelism() == 1);
  CHECK(job.spec().backoff_limit() == 6);
  CHECK(job.spec().completion_mode() == "NonIndexed");
  CHECK_FALSE(job.spec().suspend());
  CHECK(job.spec().pod_replacement_policy() == "TerminatingOrFailed");
  CHECK(job.spec().selector().match_labels().at("batch.kubernetes.io/controller-uid") == "u-1");
  const auto& labels = job.spec().template_().metadata().labels();
  CHECK(labels.at("controller-uid") == "u-1");
  CHECK(labels.at("job-name") == "pi");
  CHECK(labels.at("batch.kubernetes.io/job-name") == "pi");
  CHECK(job.metadata().generation() == 1);

  Job always = FromJson<Job>(R"({"metadata":{"name":"pi","namespace":"default","uid":"u-2"},
    "spec":{"template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}}})");
  const Causes causes = testing::Create(jobs, &always);
  REQUIRE(causes.size() == 1);
  CHECK(causes[0] == StatusCause{"FieldValueNotSupported",
                                 "Unsupported value: \"Always\": supported values: \"OnFailure\", "
                                 "\"Never\"",
                                 "spec.template.spec.restartPolicy"});
}

}  // namespace
}  // namespace pk::registry
