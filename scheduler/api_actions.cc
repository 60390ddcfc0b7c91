// What the scheduler writes to the apiserver: bindings, events with Kubernetes' wording,
// the PodScheduled condition and nominatedNodeName of pods that do not fit, and preemption's
// evictions.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "apimachinery/log.h"
#include "apimachinery/time.h"
#include "client/errors.h"
#include "scheduler/scheduler_impl.h"

namespace pk::scheduler {
namespace {

constexpr char kStrategicMerge[] = "application/strategic-merge-patch+json";

std::string NowRfc3339() { return FormatRfc3339(NowTimestamp().seconds); }

}  // namespace

client::EventRecorder& Scheduler::Impl::RecorderFor(const Pod& pod) {
  auto it = recorders.find(pod.spec().scheduler_name());
  return it != recorders.end() ? *it->second : *recorders.begin()->second;
}

Status Scheduler::Impl::BindPod(const Pod& pod, const std::string& node,
                                const std::map<std::string, std::string>& annotations) {
  k8s::core::v1::Binding binding;
  binding.mutable_metadata()->set_name(pod.metadata().name());
  binding.mutable_metadata()->set_namespace_(pod.metadata().namespace_());
  binding.mutable_metadata()->set_uid(pod.metadata().uid());
  auto* out = binding.mutable_metadata()->mutable_annotations();
  for (const auto& [k, v] : annotations) (*out)[k] = v;
  {
    std::lock_guard lock(summaries_mu);
    auto it = summaries.find(pod.metadata().uid());
    if (it != summaries.end()) (*out)[kExplanationAnnotation] = it->second;
  }
  binding.mutable_target()->set_kind("Node");
  binding.mutable_target()->set_name(node);
  return clientset.Pods(pod.metadata().namespace_())
      .CreateSubresource(pod.metadata().name(), "binding", binding);
}

void Scheduler::Impl::RecordScheduled(const Pod& pod, const std::string& node) {
  RecorderFor(pod).Eventf(pod, "Normal", "Scheduled", "Successfully assigned {}/{} to {}",
                          pod.metadata().namespace_(), pod.metadata().name(), node);
}

void Scheduler::Impl::RecordFailure(const Pod& pod, const std::string& reason,
                                    const std::string& message,
                                    const std::optional<std::string>& nominated) {
  RecorderFor(pod).Event(pod, "Warning", reason, message);
  // updatePod: the PodScheduled condition (and the nomination), unless already so.
  bool same = !nominated || *nominated == pod.status().nominated_node_name();
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "PodScheduled") {
      same =
          same && c.status() == "False" && c.reason() == "Unschedulable" && c.message() == message;
    }
  }
  if (same && pod.status().conditions_size() > 0) return;
  nlohmann::json condition = {{"type", "PodScheduled"},    {"status", "False"},
                              {"reason", "Unschedulable"}, {"message", message},
                              {"lastProbeTime", nullptr},  {"lastTransitionTime", NowRfc3339()}};
  nlohmann::json status = {{"conditions", nlohmann::json::array({condition})}};
  if (nominated) {
    status["nominatedNodeName"] =
        nominated->empty() ? nlohmann::json(nullptr) : nlohmann::json(*nominated);
  }
  nlohmann::json patch = {{"status", status}};
  auto r = clientset.Pods(pod.metadata().namespace_())
               .PatchStatus(pod.metadata().name(), kStrategicMerge, patch.dump());
  if (!r.ok() && !client::IsNotFound(r.status())) {
    pk::Logf("scheduler: updating the status of %s/%s: %s\n", pod.metadata().namespace_().c_str(),
             pod.metadata().name().c_str(), r.status().message().c_str());
  }
}

// Kubernetes marks the victim (DisruptionTarget, PreemptionByScheduler), tells it why
// (Preempted) and deletes it with its grace period.
Status Scheduler::Impl::Evict(const Pod& victim, const Pod& preemptor, const std::string& node) {
  auto client = clientset.Pods(victim.metadata().namespace_());
  nlohmann::json condition = {{"type", "DisruptionTarget"},
                              {"status", "True"},
                              {"reason", "PreemptionByScheduler"},
                              {"message", preemptor.spec().scheduler_name() +
                                              ": preempting to accommodate a higher priority pod"},
                              {"lastTransitionTime", NowRfc3339()}};
  nlohmann::json patch = {{"status", {{"conditions", nlohmann::json::array({condition})}}}};
  auto patched = client.PatchStatus(victim.metadata().name(), kStrategicMerge, patch.dump());
  if (!patched.ok() && client::IsNotFound(patched.status())) return {};
  RecorderFor(preemptor).Eventf(victim, "Normal", "Preempted", "Preempted by pod {} on node {}",
                                preemptor.metadata().uid(), node);
  client::DeleteOptions options;
  auto deleted = client.Delete(victim.metadata().name(), options);
  if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
  return {};
}

}  // namespace pk::scheduler
