#include "kubelet/pod_sync.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "apimachinery/slow_motion.h"
#include "apimachinery/time.h"
#include "kubelet/pod_actions.h"
#include "trace/trace.h"

namespace pk::kubelet {
namespace {

using k8s::core::v1::Container;
using k8s::core::v1::Pod;
using State = ContainerInstance::State;

struct Target {
  const Container* container;
  std::string field_path;  // spec.containers{NAME} or spec.initContainers{NAME}
};

std::string PodDesc(const Pod& pod) {  // Kubernetes' format.Pod: name_namespace(uid)
  return fmt::format("{}_{}({})", pod.metadata().name(), pod.metadata().namespace_(),
                     pod.metadata().uid());
}

std::string GoDuration(client::Clock::Duration d) {
  return FormatGoDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

client::KeyedBackoff::WallTime WallOf(int64_t ns) {
  return client::KeyedBackoff::WallTime(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(ns)));
}

void Event(const SyncContext& ctx, const Pod& pod, const Target& t, const char* type,
           const char* reason, const std::string& message) {
  if (ctx.events != nullptr) ctx.events->Record(pod, t.field_path, type, reason, message);
}

SandboxSpec SpecOf(const Pod& pod, uint32_t attempt, const SyncContext& ctx) {
  return SandboxSpec{&pod, ctx.node_name, attempt, PodLogDirectory(ctx.log_root, pod),
                     ctx.pod_cidr};
}

bool ShouldPull(const std::string& policy, bool present) {
  if (policy == "Never") return false;
  if (policy == "Always") return true;
  return !present;  // IfNotPresent
}

// Kubernetes' EnsureImageExists: true when the image is there to create the container from.
bool EnsureImage(const Pod& pod, const Target& t, const SandboxSpec& sandbox, PodSyncState* sync,
                 const SyncContext& ctx) {
  const std::string& image = t.container->image();
  const std::string& name = t.container->name();
  auto present = ctx.runtime->ImageStatus(image);
  if (!present.ok()) {
    sync->waiting[name] = {"ErrImagePull", present.status().message()};
    return false;
  }
  std::string policy = t.container->image_pull_policy();
  if (!ShouldPull(policy, present->has_value())) {
    if (present->has_value()) {
      trace::Global().Event(trace::PodRef::Of(pod), "image pull",
                            image + ": already present on machine");
      Event(ctx, pod, t, "Normal", "Pulled",
            fmt::format("Container image \"{}\" already present on machine", image));
      return true;
    }
    std::string message =
        fmt::format("Container image \"{}\" is not present with pull policy of Never", image);
    Event(ctx, pod, t, "Warning", "ErrImageNeverPull", message);
    sync->waiting[name] = {"ErrImageNeverPull", message};
    return false;
  }
  std::string key = pod.metadata().uid() + "_" + image;
  auto now = ctx.clock->WallNow();
  if (ctx.pull_backoff->IsInBackOffSinceUpdate(key, now)) {
    Event(ctx, pod, t, "Normal", "BackOff", fmt::format("Back-off pulling image \"{}\"", image));
    Event(ctx, pod, t, "Warning", "Failed", "Error: ImagePullBackOff");
    auto last = sync->waiting.find(name);
    if (last == sync->waiting.end() || last->second.reason != "ImagePullBackOff") {
      std::string why = last != sync->waiting.end() ? last->second.message : "";
      sync->waiting[name] = {
          "ImagePullBackOff",
          fmt::format("Back-off pulling image \"{}\": ErrImagePull: {}", image, why)};
    }
    return false;
  }
  Event(ctx, pod, t, "Normal", "Pulling", fmt::format("Pulling image \"{}\"", image));
  if (ctx.report_before_slow_step) ctx.report_before_slow_step(*sync);
  slowmotion::Pause("kubelet: PullImage " + image);
  auto started = ctx.clock->Now();
  trace::ScopedSpan span(trace::PodRef::Of(pod), "image pull");
  span.set_detail("PullImage " + image);
  auto pulled = ctx.runtime->PullImage(image, sandbox);
  if (!pulled.ok()) span.set_detail("PullImage " + image + ": " + pulled.status().message());
  if (!pulled.ok()) {
    ctx.pull_backoff->Next(key, now);
    Event(ctx, pod, t, "Warning", "Failed",
          fmt::format("Failed to pull image \"{}\": {}", image, pulled.status().message()));
    Event(ctx, pod, t, "Warning", "Failed", "Error: ErrImagePull");
    sync->waiting[name] = {"ErrImagePull", pulled.status().message()};
    return false;
  }
  ctx.pull_backoff->Reset(key);
  std::string took = GoDuration(ctx.clock->Now() - started);
  Event(ctx, pod, t, "Normal", "Pulled",
        fmt::format("Successfully pulled image \"{}\" in {} ({} including waiting). Image size: "
                    "{} bytes.",
                    image, took, took, pulled->size()));
  return true;
}

// True when a crashed container must wait longer before it starts again (CrashLoopBackOff).
bool InCrashBackoff(const Pod& pod, const Target& t, const ContainerInstance* latest,
                    PodSyncState* sync, const SyncContext& ctx) {
  if (latest == nullptr || latest->state != State::kExited) return false;
  const std::string& name = t.container->name();
  std::string key = pod.metadata().uid() + "_" + name;
  auto finished = WallOf(latest->finished_at);
  if (!ctx.crash_backoff->IsInBackOffSince(key, finished)) {
    ctx.crash_backoff->Next(key, finished);
    return false;
  }
  sync->waiting[name] = {"CrashLoopBackOff",
                         fmt::format("back-off {} restarting failed container={} pod={}",
                                     GoDuration(ctx.crash_backoff->Get(key)), name, PodDesc(pod))};
  Event(ctx, pod, t, "Warning", "BackOff",
        fmt::format("Back-off restarting failed container {} in pod {}", name, PodDesc(pod)));
  return true;
}

Status StartOne(const Pod& pod, const Target& t, const std::string& sandbox_id,
                uint32_t sandbox_attempt, const PodRuntimeState& runtime, PodSyncState* sync,
                const SyncContext& ctx) {
  const std::string& name = t.container->name();
  const ContainerInstance* latest = runtime.Latest(name);
  if (InCrashBackoff(pod, t, latest, sync, ctx)) return Status::OK();
  SandboxSpec sandbox = SpecOf(pod, sandbox_attempt, ctx);
  if (!EnsureImage(pod, t, sandbox, sync, ctx)) return Status::OK();  // waits, with back-off
  uint32_t attempt = latest == nullptr ? 0 : latest->attempt + 1;
  slowmotion::Pause("kubelet: CreateContainer " + name + " of " + PodDesc(pod));
  std::optional<trace::ScopedSpan> span(std::in_place, trace::PodRef::Of(pod), "create");
  span->set_detail("CreateContainer " + name);
  auto id = ctx.runtime->CreateContainer(sandbox_id, sandbox, *t.container, attempt);
  span.reset();
  if (!id.ok()) {
    Event(ctx, pod, t, "Warning", "Failed", "Error: " + id.status().message());
    sync->waiting[name] = {"CreateContainerError", id.status().message()};
    return id.take_status();
  }
  Event(ctx, pod, t, "Normal", "Created", "Created container: " + name);
  slowmotion::Pause("kubelet: StartContainer " + name + " of " + PodDesc(pod));
  span.emplace(trace::PodRef::Of(pod), "start");
  span->set_detail("StartContainer " + name);
  Status started = ctx.runtime->StartContainer(*id);
  span.reset();
  if (!started.ok()) {
    Event(ctx, pod, t, "Warning", "Failed", "Error: " + started.message());
    sync->waiting[name] = {"RunContainerError", started.message()};
    return started;
  }
  Event(ctx, pod, t, "Normal", "Started", "Started container " + name);
  sync->waiting.erase(name);
  return Status::OK();
}

int64_t GraceOf(const Pod& pod) {
  return pod.spec().has_termination_grace_period_seconds()
             ? pod.spec().termination_grace_period_seconds()
             : 30;
}

}  // namespace

std::string PodLogDirectory(const std::string& log_root, const Pod& pod) {
  return fmt::format("{}/{}_{}_{}", log_root, pod.metadata().namespace_(), pod.metadata().name(),
                     pod.metadata().uid());
}

Status SyncPod(const Pod& pod, const PodRuntimeState& runtime, PodSyncState* sync,
               const SyncContext& ctx) {
  PodActions actions = ComputePodActions(pod, runtime, *sync);
  for (const std::string& id : actions.kill) {
    for (const auto& c : runtime.containers) {
      if (c.id != id) continue;
      auto failed = sync->liveness_failed.find(c.name);
      bool liveness = failed != sync->liveness_failed.end() && failed->second;
      Event(ctx, pod, {nullptr, "spec.containers{" + c.name + "}"}, "Normal", "Killing",
            liveness ? "Container " + c.name + " failed liveness probe, will be restarted"
                     : "Stopping container " + c.name);
      (void)ctx.runtime->StopContainer(id, GraceOf(pod));
    }
  }
  if (actions.kill_pod) (void)ctx.runtime->StopSandbox(runtime.sandbox_id);
  std::string sandbox_id = runtime.sandbox_id;
  uint32_t sandbox_attempt = runtime.sandbox_attempt;
  if (actions.create_sandbox) {
    if (slowmotion::Seconds() > 0 && ctx.report_before_slow_step) {
      ctx.report_before_slow_step(*sync);
    }
    slowmotion::Pause("kubelet: RunPodSandbox for " + PodDesc(pod));
    trace::ScopedSpan span(trace::PodRef::Of(pod), "sandbox");
    span.set_detail(fmt::format("RunPodSandbox (attempt {})", actions.sandbox_attempt));
    auto id = ctx.runtime->RunSandbox(SpecOf(pod, actions.sandbox_attempt, ctx));
    if (!id.ok()) {
      Event(ctx, pod, {nullptr, ""}, "Warning", "FailedCreatePodSandBox",
            "Failed to create pod sandbox: " + id.status().message());
      return id.take_status();
    }
    sandbox_id = *id;
    sandbox_attempt = actions.sandbox_attempt;
  }
  // A new sandbox starts from nothing: the old instances only count for restart counts.
  if (actions.next_init >= 0) {
    const Container& c = pod.spec().init_containers(actions.next_init);
    return StartOne(pod, {&c, "spec.initContainers{" + c.name() + "}"}, sandbox_id, sandbox_attempt,
                    runtime, sync, ctx);
  }
  Status result;
  for (int i : actions.start) {
    const Container& c = pod.spec().containers(i);
    Status started = StartOne(pod, {&c, "spec.containers{" + c.name() + "}"}, sandbox_id,
                              sandbox_attempt, runtime, sync, ctx);
    if (result.ok()) result = started;
  }
  return result;
}

Status KillPod(const Pod* pod, const PodRuntimeState& runtime, int64_t grace_seconds,
               const SyncContext& ctx) {
  Status result;
  for (const auto& c : runtime.containers) {
    if (c.state != State::kRunning && c.state != State::kCreated) continue;
    if (pod != nullptr) {
      Event(ctx, *pod, {nullptr, "spec.containers{" + c.name + "}"}, "Normal", "Killing",
            "Stopping container " + c.name);
    }
    Status stopped = ctx.runtime->StopContainer(c.id, grace_seconds);
    if (!stopped.ok() && stopped.reason() != Reason::kNotFound) result = stopped;
  }
  if (!runtime.sandbox_id.empty() && runtime.sandbox_ready) {
    Status stopped = ctx.runtime->StopSandbox(runtime.sandbox_id);
    if (!stopped.ok() && stopped.reason() != Reason::kNotFound) result = stopped;
  }
  return result;
}

void RemoveDeadInstances(const PodRuntimeState& runtime, bool everything, const SyncContext& ctx) {
  for (const auto& c : runtime.containers) {
    if (c.state == State::kRunning) continue;
    bool keep = !everything && (&c == runtime.Latest(c.name) || &c == runtime.Previous(c.name));
    if (!keep) (void)ctx.runtime->RemoveContainer(c.id);
  }
  if (everything && !runtime.sandbox_id.empty())
    (void)ctx.runtime->RemoveSandbox(runtime.sandbox_id);
}

}  // namespace pk::kubelet
