// The Job and TTL-after-finished controllers against an in-process apiserver; the test plays
// the kubelet by patching pod phases.
#include "controller-manager/job/job_controller.h"

#include <doctest/doctest.h>

#include <set>

#include "client/test_apiserver.h"
#include "controller-manager/controller_manager.h"
#include "controller-manager/job/indexed.h"
#include "controller-manager/job/job_util.h"
#include "proto/core/v1/event.pb.h"
#include "tests/testing.h"

namespace pk::controllers {
namespace {

using k8s::batch::v1::Job;
using k8s::core::v1::Pod;
using pk::testing::Eventually;

constexpr char kNs[] = "default";

struct Cluster {
  client::testing::TestApiServer server;
  client::Clientset cs = server.NewClientset();
  std::unique_ptr<ControllerManager> manager;

  explicit Cluster(double time_scale = 0.01) {
    ControllerManagerOptions options;
    options.apiserver = server.target();
    options.leader_elect = false;
    options.controllers = {"job", "ttl-after-finished"};
    options.time_scale = time_scale;
    auto started = ControllerManager::Start(options);
    REQUIRE_MESSAGE(started.ok(), started.status().message());
    manager = std::move(started).value();
  }

  client::TypedClient<Job> jobs() const { return cs.Resource<Job>(kNs); }

  client::Ptr<Job> GetJob(const std::string& name) const {
    auto j = jobs().Get(name);
    REQUIRE(j.ok());
    return *j;
  }

  std::vector<client::Ptr<Pod>> Pods(const std::string& job) const {
    client::ListOptions options;
    options.label_selector = "batch.kubernetes.io/job-name=" + job;
    auto list = cs.Pods(kNs).List(options);
    REQUIRE(list.ok());
    return list->items;
  }
  // The job's pods neither Succeeded nor Failed.
  std::vector<client::Ptr<Pod>> Running(const std::string& job) const {
    std::vector<client::Ptr<Pod>> out;
    for (auto& p : Pods(job)) {
      if (p->status().phase() != "Succeeded" && p->status().phase() != "Failed") out.push_back(p);
    }
    return out;
  }
  void SetPhase(const Pod& pod, const std::string& phase) const {
    auto patched = cs.Pods(kNs).PatchStatus(pod.metadata().name(), "application/merge-patch+json",
                                            R"({"status":{"phase":")" + phase + R"("}})");
    REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  }
  bool HasEvent(const std::string& reason, const std::string& message) const {
    auto events = cs.Events(kNs).List();
    if (!events.ok()) return false;
    for (auto& e : events->items) {
      if (e->reason() == reason && e->message() == message) return true;
    }
    return false;
  }
};

Job NewJob(const std::string& name, int completions, int parallelism) {
  Job j;
  j.mutable_metadata()->set_name(name);
  j.mutable_spec()->set_completions(completions);
  j.mutable_spec()->set_parallelism(parallelism);
  auto* spec = j.mutable_spec()->mutable_template_()->mutable_spec();
  spec->set_restart_policy("Never");
  auto* c = spec->add_containers();
  c->set_name("work");
  c->set_image("busybox");
  return j;
}

bool HasCondition(const Job& j, const std::string& type, const std::string& reason) {
  const auto* c = job::FindCondition(j, type);
  return c != nullptr && c->status() == "True" && c->reason() == reason;
}

TEST_CASE("a job runs parallelism pods at a time until completions succeeded") {
  Cluster cluster;
  auto created = cluster.jobs().Create(NewJob("pi", 3, 2));
  REQUIRE_MESSAGE(created.ok(), created.status().message());
  const std::string uid = (*created)->metadata().uid();

  REQUIRE(Eventually([&] { return cluster.Pods("pi").size() == 2; }));
  for (const auto& pod : cluster.Pods("pi")) {
    CHECK(pod->metadata().generate_name() == "pi-");
    CHECK(pod->metadata().labels().at("batch.kubernetes.io/controller-uid") == uid);
    CHECK(pod->metadata().labels().at("controller-uid") == uid);
    CHECK(pod->metadata().labels().at("job-name") == "pi");
    REQUIRE(pod->metadata().owner_references_size() == 1);
    const auto& ref = pod->metadata().owner_references(0);
    CHECK(ref.kind() == "Job");
    CHECK(ref.uid() == uid);
    CHECK(ref.controller());
  }
  CHECK(Eventually([&] { return cluster.GetJob("pi")->status().active() == 2; }));
  CHECK(cluster.GetJob("pi")->status().has_start_time());

  for (const auto& pod : cluster.Pods("pi")) cluster.SetPhase(*pod, "Succeeded");
  // One more pod for the last completion, never a fourth.
  REQUIRE(Eventually([&] { return cluster.Pods("pi").size() == 3; }));
  CHECK(Eventually([&] {
    auto s = cluster.GetJob("pi")->status();
    return s.succeeded() == 2 && s.active() == 1;
  }));
  auto last = cluster.Running("pi");
  REQUIRE(last.size() == 1);
  cluster.SetPhase(*last[0], "Succeeded");

  REQUIRE(Eventually([&] { return job::IsFinished(*cluster.GetJob("pi")); }));
  auto done = cluster.GetJob("pi");
  CHECK(HasCondition(*done, "SuccessCriteriaMet", "CompletionsReached"));
  CHECK(HasCondition(*done, "Complete", "CompletionsReached"));
  CHECK(job::FindCondition(*done, "Complete")->message() ==
        "Reached expected number of succeeded pods");
  CHECK(done->status().conditions(0).type() == "SuccessCriteriaMet");
  CHECK(done->status().succeeded() == 3);
  CHECK(done->status().failed() == 0);
  CHECK(done->status().active() == 0);
  CHECK(done->status().has_completion_time());
  CHECK(cluster.Pods("pi").size() == 3);
  CHECK(Eventually([&] { return cluster.HasEvent("Completed", "Job completed"); }));
  for (const auto& pod : cluster.Pods("pi")) {
    std::string message = "Created pod: " + pod->metadata().name();
    CHECK(Eventually([&] { return cluster.HasEvent("SuccessfulCreate", message); }));
  }
}

TEST_CASE("failed pods are replaced until backoffLimit, then the job fails") {
  Cluster cluster;
  Job spec = NewJob("flaky", 4, 2);
  spec.mutable_spec()->set_backoff_limit(2);
  REQUIRE(cluster.jobs().Create(spec).ok());

  // Fail one pod at a time: each is replaced (after a scaled back-off) until the third.
  for (int failures = 1; failures <= 3; ++failures) {
    REQUIRE(Eventually([&] { return cluster.Running("flaky").size() == 2; }));
    cluster.SetPhase(*cluster.Running("flaky")[0], "Failed");
    if (failures < 3) {
      CHECK(Eventually([&] { return cluster.GetJob("flaky")->status().failed() == failures; }));
    }
  }
  REQUIRE(Eventually([&] { return job::IsFinished(*cluster.GetJob("flaky")); }));
  auto failed = cluster.GetJob("flaky");
  const std::string message = "Job has reached the specified backoff limit";
  CHECK(HasCondition(*failed, "FailureTarget", "BackoffLimitExceeded"));
  CHECK(HasCondition(*failed, "Failed", "BackoffLimitExceeded"));
  CHECK(job::FindCondition(*failed, "Failed")->message() == message);
  CHECK(!job::HasTrueCondition(*failed, "Complete"));
  // The pod still running was deleted, and counts as failed.
  CHECK(cluster.Running("flaky").empty());
  CHECK(failed->status().active() == 0);
  CHECK(failed->status().failed() == 4);
  CHECK(Eventually([&] { return cluster.HasEvent("BackoffLimitExceeded", message); }));
}

TEST_CASE("with restartPolicy OnFailure, container restarts count against backoffLimit") {
  Cluster cluster;
  Job spec = NewJob("restarts", 1, 1);
  spec.mutable_spec()->set_backoff_limit(2);
  spec.mutable_spec()->mutable_template_()->mutable_spec()->set_restart_policy("OnFailure");
  REQUIRE(cluster.jobs().Create(spec).ok());
  REQUIRE(Eventually([&] { return cluster.Running("restarts").size() == 1; }));
  auto pod = cluster.Running("restarts")[0];
  auto patched = cluster.cs.Pods(kNs).PatchStatus(
      pod->metadata().name(), "application/merge-patch+json",
      R"({"status":{"phase":"Running","containerStatuses":[{"name":"work","image":"busybox",)"
      R"("imageID":"","ready":false,"restartCount":2}]}})");
  REQUIRE_MESSAGE(patched.ok(), patched.status().message());
  REQUIRE(Eventually([&] { return job::IsFinished(*cluster.GetJob("restarts")); }));
  auto failed = cluster.GetJob("restarts");
  CHECK(HasCondition(*failed, "Failed", "BackoffLimitExceeded"));
  CHECK(cluster.Running("restarts").empty());
}

TEST_CASE("a job active longer than activeDeadlineSeconds fails") {
  Cluster cluster;
  Job spec = NewJob("slow", 1, 1);
  spec.mutable_spec()->set_active_deadline_seconds(1);
  REQUIRE(cluster.jobs().Create(spec).ok());
  REQUIRE(Eventually([&] { return cluster.Running("slow").size() == 1; }));
  REQUIRE(Eventually([&] { return job::IsFinished(*cluster.GetJob("slow")); },
                     std::chrono::seconds(10)));
  auto failed = cluster.GetJob("slow");
  CHECK(HasCondition(*failed, "Failed", "DeadlineExceeded"));
  CHECK(job::FindCondition(*failed, "Failed")->message() ==
        "Job was active longer than specified deadline");
  CHECK(cluster.Running("slow").empty());
  CHECK(failed->status().active() == 0);
}

TEST_CASE("ttlSecondsAfterFinished deletes the finished job") {
  Cluster cluster(/*time_scale=*/0.01);
  Job spec = NewJob("short-lived", 1, 1);
  spec.mutable_spec()->set_ttl_seconds_after_finished(100);  // 1 s scaled
  REQUIRE(cluster.jobs().Create(spec).ok());
  REQUIRE(Eventually([&] { return cluster.Running("short-lived").size() == 1; }));
  cluster.SetPhase(*cluster.Running("short-lived")[0], "Succeeded");
  REQUIRE(Eventually([&] {
    auto j = cluster.jobs().Get("short-lived");
    return !j.ok() || job::IsFinished(**j);
  }));
  CHECK(Eventually([&] {
    auto j = cluster.jobs().Get("short-lived");
    return !j.ok() && client::IsNotFound(j.status());
  }));
}

TEST_CASE("a job without a TTL stays after it finished") {
  Cluster cluster;
  REQUIRE(cluster.jobs().Create(NewJob("kept", 1, 1)).ok());
  REQUIRE(Eventually([&] { return cluster.Running("kept").size() == 1; }));
  cluster.SetPhase(*cluster.Running("kept")[0], "Succeeded");
  REQUIRE(Eventually([&] { return job::IsFinished(*cluster.GetJob("kept")); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(cluster.jobs().Get("kept").ok());
}

TEST_CASE("a suspended job has no pods until resumed") {
  Cluster cluster;
  Job spec = NewJob("later", 2, 2);
  spec.mutable_spec()->set_suspend(true);
  REQUIRE(cluster.jobs().Create(spec).ok());
  REQUIRE(Eventually(
      [&] { return HasCondition(*cluster.GetJob("later"), "Suspended", "JobSuspended"); }));
  CHECK(cluster.Pods("later").empty());
  CHECK(!cluster.GetJob("later")->status().has_start_time());
  CHECK(Eventually([&] { return cluster.HasEvent("Suspended", "Job suspended"); }));

  Job resumed = *cluster.GetJob("later");
  resumed.mutable_spec()->set_suspend(false);
  REQUIRE(cluster.jobs().Update(resumed).ok());
  REQUIRE(Eventually([&] { return cluster.Pods("later").size() == 2; }));
  CHECK(Eventually([&] {
    auto j = cluster.GetJob("later");
    const auto* c = job::FindCondition(*j, "Suspended");
    return c != nullptr && c->status() == "False" && c->reason() == "JobResumed";
  }));
  CHECK(cluster.GetJob("later")->status().has_start_time());
  CHECK(Eventually([&] { return cluster.HasEvent("Resumed", "Job resumed"); }));
}

// The running pod of completion index `index`, or null.
client::Ptr<Pod> PodOfIndex(const Cluster& cluster, const std::string& job, int index) {
  for (auto& p : cluster.Running(job)) {
    if (job::CompletionIndex(*p) == index) return p;
  }
  return nullptr;
}

TEST_CASE("an Indexed job runs one pod per completion index") {
  Cluster cluster;
  Job spec = NewJob("idx", 3, 2);
  spec.mutable_spec()->set_completion_mode("Indexed");
  REQUIRE(cluster.jobs().Create(spec).ok());
  REQUIRE(Eventually([&] { return cluster.Running("idx").size() == 2; }));
  auto zero = PodOfIndex(cluster, "idx", 0), one = PodOfIndex(cluster, "idx", 1);
  REQUIRE(zero != nullptr);
  REQUIRE(one != nullptr);
  CHECK(zero->metadata().generate_name() == "idx-0-");
  CHECK(zero->metadata().labels().at(job::kCompletionIndexKey) == "0");
  CHECK(zero->spec().hostname() == "idx-0");
  const auto& env = zero->spec().containers(0).env(0);
  CHECK(env.name() == "JOB_COMPLETION_INDEX");
  CHECK(env.value_from().field_ref().field_path() ==
        "metadata.annotations['batch.kubernetes.io/job-completion-index']");

  cluster.SetPhase(*one, "Succeeded");
  REQUIRE(Eventually([&] { return PodOfIndex(cluster, "idx", 2) != nullptr; }));
  CHECK(Eventually([&] { return cluster.GetJob("idx")->status().completed_indexes() == "1"; }));
  // A failed index is run again.
  cluster.SetPhase(*zero, "Failed");
  REQUIRE(Eventually([&] { return PodOfIndex(cluster, "idx", 0) != nullptr; }));
  cluster.SetPhase(*PodOfIndex(cluster, "idx", 0), "Succeeded");
  cluster.SetPhase(*PodOfIndex(cluster, "idx", 2), "Succeeded");
  REQUIRE(Eventually([&] { return job::IsFinished(*cluster.GetJob("idx")); }));
  auto done = cluster.GetJob("idx");
  CHECK(HasCondition(*done, "Complete", "CompletionsReached"));
  CHECK(done->status().completed_indexes() == "0-2");
  CHECK(done->status().succeeded() == 3);
  CHECK(done->status().failed() == 1);
}

TEST_CASE("completed indexes are written as Kubernetes writes them") {
  CHECK(job::FormatIndexes({}) == "");
  CHECK(job::FormatIndexes({3}) == "3");
  CHECK(job::FormatIndexes({1, 2}) == "1,2");
  CHECK(job::FormatIndexes({0, 1, 2, 5, 7, 8, 9}) == "0-2,5,7-9");
  CHECK(job::ParseIndexes("0-2,5,7-9", 8) == std::set<int>{0, 1, 2, 5, 7});
  CHECK(job::ParseIndexes("1,2,x,4-3", 10) == std::set<int>{1, 2});
}

TEST_CASE("helpers: wanted pods, back-off, conditions") {
  Job j = NewJob("x", 5, 2);
  CHECK(job::WantActive(j, 0, 0) == 2);
  CHECK(job::WantActive(j, 1, 4) == 0);
  CHECK(job::WantActive(j, 2, 4) == -1);
  j.mutable_spec()->clear_completions();
  CHECK(job::WantActive(j, 0, 0) == 2);
  CHECK(job::WantActive(j, 1, 1) == 0);  // one succeeded: wait for the rest

  using std::chrono::seconds;
  CHECK(job::RemainingBackoff(0, seconds(0), 1.0).count() == 0);
  CHECK(job::RemainingBackoff(1, seconds(4), 1.0) == seconds(6));
  CHECK(job::RemainingBackoff(3, seconds(0), 1.0) == seconds(40));
  CHECK(job::RemainingBackoff(20, seconds(0), 1.0) == seconds(600));
  CHECK(job::RemainingBackoff(2, seconds(0), 0.5) == seconds(10));
  CHECK(job::RemainingBackoff(1, seconds(11), 1.0).count() == 0);

  k8s::meta::v1::Time t1, t2;
  t1.set_seconds(100);
  t2.set_seconds(200);
  CHECK(!job::EnsureCondition(&j, "Suspended", "False", "JobResumed", "Job resumed", t1));
  CHECK(j.status().conditions_size() == 0);
  CHECK(job::EnsureCondition(&j, "Suspended", "True", "JobSuspended", "Job suspended", t1));
  CHECK(!job::EnsureCondition(&j, "Suspended", "True", "JobSuspended", "Job suspended", t2));
  CHECK(job::EnsureCondition(&j, "Suspended", "False", "JobResumed", "Job resumed", t2));
  CHECK(j.status().conditions(0).last_transition_time().seconds() == 200);
}

}  // namespace
}  // namespace pk::controllers
