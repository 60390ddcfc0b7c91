#include "kubelet/pod_status.h"

#include <fmt/format.h>

#include <algorithm>

namespace pk::kubelet {
namespace {

using k8s::core::v1::Container;
using k8s::core::v1::ContainerState;
using k8s::core::v1::ContainerStatus;
using k8s::core::v1::Pod;
using k8s::core::v1::PodCondition;
using k8s::core::v1::PodStatus;
using State = ContainerInstance::State;
using Containers = google::protobuf::RepeatedPtrField<Container>;
using Statuses = google::protobuf::RepeatedPtrField<ContainerStatus>;

k8s::meta::v1::Time TimeOf(int64_t ns) {
  k8s::meta::v1::Time t;
  t.set_seconds(ns / 1'000'000'000);  // the API keeps whole seconds
  return t;
}

void SetTerminated(const ContainerInstance& c, const std::string& runtime, ContainerState* out) {
  auto* t = out->mutable_terminated();
  t->set_exit_code(c.exit_code);
  t->set_reason(!c.reason.empty() ? c.reason : c.exit_code == 0 ? "Completed" : "Error");
  t->set_message(c.message);
  *t->mutable_started_at() = TimeOf(c.started_at);
  *t->mutable_finished_at() = TimeOf(c.finished_at);
  t->set_container_id(runtime + "://" + c.id);
}

// One container's status (convertToAPIContainerStatuses): `default_waiting` is the reason
// of a container that has no instance yet (ContainerCreating, or PodInitializing).
ContainerStatus StatusOf(const Container& spec, const PodRuntimeState& runtime,
                         const PodSyncState& sync, const std::string& restart_policy,
                         const std::string& default_waiting, const StatusContext& ctx) {
  ContainerStatus s;
  s.set_name(spec.name());
  s.set_image(spec.image());
  // Always present, empty or not: the API's lastState is a struct ("lastState": {}), so the
  // pod the informer holds has it; without it every comparison with that pod would differ
  // and each sync would send the same status again.
  s.mutable_last_state();
  const ContainerInstance* latest = runtime.Latest(spec.name());
  const ContainerInstance* previous = runtime.Previous(spec.name());
  auto waiting = sync.waiting.find(spec.name());
  if (latest != nullptr) {
    if (!latest->image.empty()) s.set_image(latest->image);
    s.set_image_id(latest->image_ref);
    s.set_container_id(ctx.runtime + "://" + latest->id);
    s.set_restart_count(int32_t(latest->attempt));
  }
  if (previous != nullptr && previous->state == State::kExited) {
    SetTerminated(*previous, ctx.runtime, s.mutable_last_state());
  }
  bool running = latest != nullptr && latest->state == State::kRunning;
  if (running) {
    *s.mutable_state()->mutable_running()->mutable_started_at() = TimeOf(latest->started_at);
  } else if (latest != nullptr && latest->state == State::kExited &&
             (waiting == sync.waiting.end() || sync.terminating ||
              !ShouldRestart(restart_policy, latest->exit_code))) {
    SetTerminated(*latest, ctx.runtime, s.mutable_state());
  } else {
    auto* w = s.mutable_state()->mutable_waiting();
    if (waiting != sync.waiting.end()) {
      w->set_reason(waiting->second.reason);
      w->set_message(waiting->second.message);
    } else {
      w->set_reason(default_waiting);
    }
    if (latest != nullptr && latest->state == State::kExited) {  // waiting to restart
      SetTerminated(*latest, ctx.runtime, s.mutable_last_state());
    }
  }
  auto started = sync.started.find(spec.name());
  bool has_started =
      running && (!spec.has_startup_probe() || (started != sync.started.end() && started->second));
  s.set_started(has_started);
  auto ready = sync.ready.find(spec.name());
  s.set_ready(has_started &&
              (!spec.has_readiness_probe() || (ready != sync.ready.end() && ready->second)));
  return s;
}

Statuses StatusesOf(const Containers& specs, const PodRuntimeState& runtime,
                    const PodSyncState& sync, const std::string& restart_policy,
                    const std::string& default_waiting, const StatusContext& ctx) {
  Statuses out;
  for (const Container& c : specs) {
    *out.Add() = StatusOf(c, runtime, sync, restart_policy, default_waiting, ctx);
  }
  return out;
}

bool InitDone(const ContainerStatus& s) {
  return s.state().has_terminated() && s.state().terminated().exit_code() == 0;
}

// "containers with unready status: [a b]", or "" when every listed container passes.
std::string Unlisted(const Statuses& statuses, bool (*ok)(const ContainerStatus&),
                     const char* what) {
  std::string names;
  for (const auto& s : statuses) {
    if (!ok(s)) names += (names.empty() ? "" : " ") + s.name();
  }
  return names.empty() ? "" : fmt::format("containers with {} status: [{}]", what, names);
}

PodCondition Condition(const std::string& type, bool ok, const std::string& reason,
                       const std::string& message, const PodStatus& old, const StatusContext& ctx) {
  PodCondition c;
  c.set_type(type);
  c.set_status(ok ? "True" : "False");
  if (!ok) c.set_reason(reason), c.set_message(message);
  *c.mutable_last_transition_time() = ctx.now;
  for (const PodCondition& before : old.conditions()) {
    if (before.type() == type && before.status() == c.status()) {
      *c.mutable_last_transition_time() = before.last_transition_time();
    }
  }
  c.mutable_last_probe_time();  // null, as the kubelet writes it
  return c;
}

void SetConditions(const Pod& pod, const PodRuntimeState& runtime, PodStatus* status,
                   const StatusContext& ctx) {
  const PodStatus& old = pod.status();
  const std::string& phase = status->phase();
  bool terminal = phase == "Succeeded" || phase == "Failed";
  std::string uninitialized = Unlisted(status->init_container_statuses(), InitDone, "incomplete");
  std::string unready = Unlisted(
      status->container_statuses(), [](const ContainerStatus& s) { return s.ready(); }, "unready");
  bool initialized = uninitialized.empty() || phase == "Succeeded";
  std::string not_ready_reason = "ContainersNotReady";
  if (phase == "Succeeded") unready = "", not_ready_reason = "PodCompleted";
  bool containers_ready = unready.empty() && !terminal;
  if (!initialized) unready = uninitialized, not_ready_reason = "ContainersNotInitialized";
  status->clear_conditions();
  *status->add_conditions() =
      Condition("PodReadyToStartContainers", runtime.sandbox_ready && !terminal, "", "", old, ctx);
  *status->add_conditions() =
      Condition("Initialized", initialized, "ContainersNotInitialized", uninitialized, old, ctx);
  *status->add_conditions() =
      Condition("Ready", initialized && containers_ready, not_ready_reason, unready, old, ctx);
  *status->add_conditions() = Condition("ContainersReady", initialized && containers_ready,
                                        not_ready_reason, unready, old, ctx);
  *status->add_conditions() = Condition("PodScheduled", true, "", "", old, ctx);
  for (PodCondition& c : *status->mutable_conditions()) {
    if (!initialized && (c.type() == "Ready" || c.type() == "ContainersReady")) {
      c.set_reason("ContainersNotInitialized");
    }
  }
}

}  // namespace

bool ShouldRestart(const std::string& restart_policy, int32_t exit_code) {
  if (restart_policy == "Never") return false;
  if (restart_policy == "OnFailure") return exit_code != 0;
  return true;  // Always, and the default
}

std::string PodPhase(const k8s::core::v1::PodSpec& spec, const PodStatus& status) {
  int pending_init = 0, failed_init = 0;
  for (const auto& s : status.init_container_statuses()) {
    const auto& st = s.state();
    if (st.has_terminated()) {
      if (st.terminated().exit_code() != 0) ++failed_init;
    } else if (st.has_waiting() && s.last_state().has_terminated()) {
      if (s.last_state().terminated().exit_code() != 0) ++failed_init;
    } else {
      ++pending_init;
    }
  }
  int running = 0, waiting = 0, stopped = 0, succeeded = 0;
  bool any_started = false;
  for (const auto& s : status.container_statuses()) {
    const auto& st = s.state();
    if (st.has_running()) {
      ++running;
    } else if (st.has_terminated()) {
      ++stopped;
      if (st.terminated().exit_code() == 0) ++succeeded;
    } else if (s.last_state().has_terminated()) {
      ++stopped;
    } else {
      ++waiting;
    }
    any_started = any_started || !st.has_waiting() || s.last_state().has_terminated();
  }
  const std::string& policy = spec.restart_policy();
  if (failed_init > 0 && policy == "Never") return "Failed";
  if ((pending_init > 0 && !any_started) || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped == 0) return "Pending";
  if (policy == "Always" || policy.empty()) return "Running";  // restarting
  if (stopped == succeeded) return "Succeeded";
  return policy == "Never" ? "Failed" : "Running";  // OnFailure: restarting the failed ones
}

PodStatus GeneratePodStatus(const Pod& pod, const PodRuntimeState& runtime,
                            const PodSyncState& sync, const StatusContext& ctx) {
  const PodStatus& old = pod.status();
  PodStatus status;
  status.set_qos_class(old.qos_class());
  status.set_nominated_node_name(old.nominated_node_name());
  const std::string& policy = pod.spec().restart_policy();
  bool has_init = pod.spec().init_containers_size() > 0;
  const char* waiting = has_init ? "PodInitializing" : "ContainerCreating";
  *status.mutable_init_container_statuses() =
      StatusesOf(pod.spec().init_containers(), runtime, sync,
                 policy == "Always" ? "OnFailure" : policy, waiting, ctx);
  *status.mutable_container_statuses() =
      StatusesOf(pod.spec().containers(), runtime, sync, policy, waiting, ctx);
  status.set_phase(PodPhase(pod.spec(), status));
  if (old.phase() == "Succeeded" || old.phase() == "Failed") status.set_phase(old.phase());
  if (!ctx.host_ip.empty()) {
    status.set_host_ip(ctx.host_ip);
    status.add_host_ips()->set_ip(ctx.host_ip);
  }
  if (!runtime.ip.empty()) {
    status.set_pod_ip(runtime.ip);
    status.add_pod_ips()->set_ip(runtime.ip);
  }
  *status.mutable_start_time() = old.has_start_time() ? old.start_time() : ctx.now;
  SetConditions(pod, runtime, &status, ctx);
  return status;
}

const ContainerInstance* PodRuntimeState::Latest(const std::string& name) const {
  const ContainerInstance* best = nullptr;
  for (const auto& c : containers) {
    if (c.name == name && (best == nullptr || c.attempt > best->attempt)) best = &c;
  }
  return best;
}

const ContainerInstance* PodRuntimeState::Previous(const std::string& name) const {
  const ContainerInstance* latest = Latest(name);
  const ContainerInstance* best = nullptr;
  for (const auto& c : containers) {
    if (c.name == name && &c != latest && (best == nullptr || c.attempt > best->attempt)) {
      best = &c;
    }
  }
  return best;
}

}  // namespace pk::kubelet
