#include "kubelet/pod_status.h"

#include <doctest/doctest.h>

#include "kubelet/pod_actions.h"

namespace pk::kubelet {
namespace {

using k8s::core::v1::Pod;
using k8s::core::v1::PodStatus;
using State = ContainerInstance::State;

Pod MakePod(const std::string& policy, std::vector<std::string> containers,
            std::vector<std::string> init = {}) {
  Pod pod;
  pod.mutable_metadata()->set_name("web");
  pod.mutable_metadata()->set_namespace_("default");
  pod.mutable_metadata()->set_uid("u1");
  pod.mutable_spec()->set_restart_policy(policy);
  for (const auto& name : init) {
    auto* c = pod.mutable_spec()->add_init_containers();
    c->set_name(name);
    c->set_image("busybox");
  }
  for (const auto& name : containers) {
    auto* c = pod.mutable_spec()->add_containers();
    c->set_name(name);
    c->set_image("nginx");
  }
  return pod;
}

ContainerInstance Instance(const std::string& name, uint32_t attempt, State state,
                           int32_t exit_code = 0) {
  ContainerInstance c;
  c.id = name + "-" + std::to_string(attempt);
  c.name = name;
  c.attempt = attempt;
  c.state = state;
  c.exit_code = exit_code;
  c.started_at = 1'000'000'000'000;
  c.finished_at = state == State::kExited ? 2'000'000'000'000 : 0;
  c.image = "docker.io/library/nginx:latest";
  c.image_ref = "sha256:abc";
  return c;
}

PodRuntimeState Sandbox(std::vector<ContainerInstance> containers) {
  PodRuntimeState r;
  r.sandbox_id = "sb";
  r.sandbox_ready = true;
  r.ip = "10.244.0.5";
  r.containers = std::move(containers);
  return r;
}

StatusContext Ctx() {
  StatusContext ctx;
  ctx.host_ip = "127.0.0.1";
  ctx.now.set_seconds(5000);
  return ctx;
}

const k8s::core::v1::PodCondition& Cond(const PodStatus& s, const std::string& type) {
  for (const auto& c : s.conditions()) {
    if (c.type() == type) return c;
  }
  FAIL("no condition " << type);
  static k8s::core::v1::PodCondition none;
  return none;
}

TEST_CASE("a pod with no containers yet is Pending with ContainerCreating") {
  Pod pod = MakePod("Always", {"nginx"});
  PodStatus s = GeneratePodStatus(pod, PodRuntimeState{}, {}, Ctx());
  CHECK(s.phase() == "Pending");
  CHECK(s.container_statuses(0).state().waiting().reason() == "ContainerCreating");
  CHECK(Cond(s, "Ready").status() == "False");
  CHECK(Cond(s, "Ready").reason() == "ContainersNotReady");
  CHECK(Cond(s, "Ready").message() == "containers with unready status: [nginx]");
  CHECK(Cond(s, "PodReadyToStartContainers").status() == "False");
  CHECK(s.start_time().seconds() == 5000);
  CHECK(s.host_ip() == "127.0.0.1");
}

TEST_CASE("a running container makes the pod Running and Ready, with its ids and IP") {
  Pod pod = MakePod("Always", {"nginx"});
  PodStatus s = GeneratePodStatus(pod, Sandbox({Instance("nginx", 0, State::kRunning)}), {}, Ctx());
  CHECK(s.phase() == "Running");
  const auto& c = s.container_statuses(0);
  CHECK(c.state().running().started_at().seconds() == 1000);
  CHECK(c.ready());
  CHECK(c.started());
  CHECK(c.container_id() == "fakecri://nginx-0");
  CHECK(c.image() == "docker.io/library/nginx:latest");
  CHECK(c.image_id() == "sha256:abc");
  CHECK(Cond(s, "Ready").status() == "True");
  CHECK(Cond(s, "ContainersReady").status() == "True");
  CHECK(Cond(s, "Initialized").status() == "True");
  CHECK(s.pod_ip() == "10.244.0.5");
  CHECK(s.pod_ips(0).ip() == "10.244.0.5");
}

TEST_CASE("readiness and startup probes gate Ready") {
  Pod pod = MakePod("Always", {"nginx"});
  pod.mutable_spec()->mutable_containers(0)->mutable_readiness_probe();
  auto runtime = Sandbox({Instance("nginx", 0, State::kRunning)});
  PodSyncState sync;
  CHECK_FALSE(GeneratePodStatus(pod, runtime, sync, Ctx()).container_statuses(0).ready());
  sync.ready["nginx"] = true;
  CHECK(GeneratePodStatus(pod, runtime, sync, Ctx()).container_statuses(0).ready());
  pod.mutable_spec()->mutable_containers(0)->mutable_startup_probe();
  auto s = GeneratePodStatus(pod, runtime, sync, Ctx());
  CHECK_FALSE(s.container_statuses(0).started());
  CHECK_FALSE(s.container_statuses(0).ready());
}

TEST_CASE("a container that exits 0 under Never completes the pod") {
  Pod pod = MakePod("Never", {"job"});
  PodStatus s = GeneratePodStatus(pod, Sandbox({Instance("job", 0, State::kExited, 0)}), {}, Ctx());
  CHECK(s.phase() == "Succeeded");
  CHECK(s.container_statuses(0).state().terminated().reason() == "Completed");
  CHECK(Cond(s, "Ready").reason() == "PodCompleted");
  CHECK(Cond(s, "Ready").message().empty());
}

TEST_CASE("a failed container under Never fails the pod; under OnFailure it restarts") {
  auto runtime = Sandbox({Instance("job", 0, State::kExited, 3)});
  PodStatus never = GeneratePodStatus(MakePod("Never", {"job"}), runtime, {}, Ctx());
  CHECK(never.phase() == "Failed");
  CHECK(never.container_statuses(0).state().terminated().reason() == "Error");
  CHECK(never.container_statuses(0).state().terminated().exit_code() == 3);
  PodStatus on_failure = GeneratePodStatus(MakePod("OnFailure", {"job"}), runtime, {}, Ctx());
  CHECK(on_failure.phase() == "Running");
}

TEST_CASE("a crashing container in back-off waits with CrashLoopBackOff and its last state") {
  Pod pod = MakePod("Always", {"app"});
  auto runtime =
      Sandbox({Instance("app", 0, State::kExited, 1), Instance("app", 1, State::kExited, 1)});
  PodSyncState sync;
  sync.waiting["app"] = {"CrashLoopBackOff", "back-off 20s restarting failed container=app"};
  PodStatus s = GeneratePodStatus(pod, runtime, sync, Ctx());
  const auto& c = s.container_statuses(0);
  CHECK(c.state().waiting().reason() == "CrashLoopBackOff");
  CHECK(c.last_state().terminated().exit_code() == 1);
  CHECK(c.last_state().terminated().container_id() == "fakecri://app-1");
  CHECK(c.restart_count() == 1);
  CHECK(s.phase() == "Running");
}

TEST_CASE("the previous instance is the last state of a restarted container") {
  Pod pod = MakePod("Always", {"app"});
  auto runtime =
      Sandbox({Instance("app", 0, State::kExited, 137), Instance("app", 1, State::kRunning)});
  runtime.containers[0].reason = "OOMKilled";
  PodStatus s = GeneratePodStatus(pod, runtime, {}, Ctx());
  CHECK(s.container_statuses(0).last_state().terminated().reason() == "OOMKilled");
  CHECK(s.container_statuses(0).restart_count() == 1);
  CHECK(s.container_statuses(0).state().has_running());
}

TEST_CASE("init containers run first: PodInitializing and ContainersNotInitialized") {
  Pod pod = MakePod("Always", {"app"}, {"init"});
  PodStatus s = GeneratePodStatus(pod, Sandbox({Instance("init", 0, State::kRunning)}), {}, Ctx());
  CHECK(s.phase() == "Pending");
  CHECK(s.container_statuses(0).state().waiting().reason() == "PodInitializing");
  CHECK(Cond(s, "Initialized").status() == "False");
  CHECK(Cond(s, "Initialized").message() == "containers with incomplete status: [init]");
  CHECK(Cond(s, "Ready").reason() == "ContainersNotInitialized");

  auto done =
      Sandbox({Instance("init", 0, State::kExited, 0), Instance("app", 0, State::kRunning)});
  PodStatus running = GeneratePodStatus(pod, done, {}, Ctx());
  CHECK(running.phase() == "Running");
  CHECK(Cond(running, "Initialized").status() == "True");
  CHECK(running.init_container_statuses(0).state().terminated().reason() == "Completed");
}

TEST_CASE("a failed init container fails a Never pod") {
  Pod pod = MakePod("Never", {"app"}, {"init"});
  auto runtime = Sandbox({Instance("init", 0, State::kExited, 1)});
  CHECK(GeneratePodStatus(pod, runtime, {}, Ctx()).phase() == "Failed");
  CHECK(ComputePodActions(pod, runtime, {}).init_failed);
}

TEST_CASE("transition times stay while a condition keeps its status; terminal phases stay") {
  Pod pod = MakePod("Always", {"nginx"});
  auto runtime = Sandbox({Instance("nginx", 0, State::kRunning)});
  *pod.mutable_status() = GeneratePodStatus(pod, runtime, {}, Ctx());
  StatusContext later = Ctx();
  later.now.set_seconds(9000);
  PodStatus again = GeneratePodStatus(pod, runtime, {}, later);
  CHECK(Cond(again, "Ready").last_transition_time().seconds() == 5000);
  CHECK(again.start_time().seconds() == 5000);
  pod.mutable_status()->set_phase("Failed");
  CHECK(GeneratePodStatus(pod, runtime, {}, later).phase() == "Failed");
}

TEST_CASE("actions: a new pod gets a sandbox and every container") {
  Pod pod = MakePod("Always", {"a", "b"});
  PodActions a = ComputePodActions(pod, PodRuntimeState{}, {});
  CHECK(a.create_sandbox);
  CHECK_FALSE(a.kill_pod);
  CHECK(a.start == std::vector<int>{0, 1});
  PodActions with_init = ComputePodActions(MakePod("Always", {"a"}, {"i"}), PodRuntimeState{}, {});
  CHECK(with_init.next_init == 0);
  CHECK(with_init.start.empty());
}

TEST_CASE("actions: restart policies decide which exited containers start again") {
  auto runtime =
      Sandbox({Instance("a", 0, State::kExited, 0), Instance("b", 0, State::kExited, 2)});
  CHECK(ComputePodActions(MakePod("Always", {"a", "b"}), runtime, {}).start ==
        std::vector<int>{0, 1});
  CHECK(ComputePodActions(MakePod("OnFailure", {"a", "b"}), runtime, {}).start ==
        std::vector<int>{1});
  CHECK(ComputePodActions(MakePod("Never", {"a", "b"}), runtime, {}).start.empty());
}

TEST_CASE("actions: a dead sandbox restarts the pod, except a Never pod that already ran") {
  auto runtime = Sandbox({Instance("a", 0, State::kRunning)});
  runtime.sandbox_ready = false;
  runtime.sandbox_attempt = 2;
  PodActions a = ComputePodActions(MakePod("Always", {"a"}), runtime, {});
  CHECK(a.kill_pod);
  CHECK(a.create_sandbox);
  CHECK(a.sandbox_attempt == 3);
  CHECK(a.kill == std::vector<std::string>{"a-0"});
  PodActions never = ComputePodActions(MakePod("Never", {"a"}), runtime, {});
  CHECK_FALSE(never.create_sandbox);
  CHECK(never.start.empty());
}

TEST_CASE("actions: liveness failure kills and restarts; terminating only kills") {
  auto runtime = Sandbox({Instance("a", 0, State::kRunning)});
  PodSyncState sync;
  sync.liveness_failed["a"] = true;
  PodActions a = ComputePodActions(MakePod("Always", {"a"}), runtime, sync);
  CHECK(a.kill == std::vector<std::string>{"a-0"});
  CHECK(a.start == std::vector<int>{0});
  sync.terminating = true;
  PodActions t = ComputePodActions(MakePod("Always", {"a"}), runtime, sync);
  CHECK(t.kill == std::vector<std::string>{"a-0"});
  CHECK(t.start.empty());
  CHECK_FALSE(t.create_sandbox);
}

TEST_CASE("actions: init containers go one at a time and a failed one is retried") {
  Pod pod = MakePod("Always", {"app"}, {"i1", "i2"});
  CHECK(ComputePodActions(pod, Sandbox({Instance("i1", 0, State::kRunning)}), {}).next_init == -1);
  CHECK(ComputePodActions(pod, Sandbox({Instance("i1", 0, State::kExited, 0)}), {}).next_init == 1);
  CHECK(ComputePodActions(pod, Sandbox({Instance("i1", 0, State::kExited, 1)}), {}).next_init == 0);
  auto done = Sandbox({Instance("i1", 0, State::kExited, 0), Instance("i2", 0, State::kExited, 0)});
  CHECK(ComputePodActions(pod, done, {}).start == std::vector<int>{0});
}

}  // namespace
}  // namespace pk::kubelet
