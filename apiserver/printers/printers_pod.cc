// Pods: printPod of Kubernetes v1.32 pkg/printers/internalversion/printers.go, step by step.
#include <fmt/format.h>

#include <map>

#include "apiserver/printers/printers_internal.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::printers {

namespace {

using k8s::core::v1::Container;
using k8s::core::v1::ContainerStatus;
using k8s::core::v1::Pod;
using k8s::meta::v1::Time;

// The running totals of printPod.
struct PodSummary {
  std::string reason;
  int64_t restarts = 0;
  int64_t restartable_init_restarts = 0;
  int64_t total_containers = 0;
  int64_t ready_containers = 0;
  Time last_restart;  // zero: never restarted
  Time last_restartable_init_restart;
  bool initializing = false;
};

bool Before(const Time& a, const Time& b) {
  return a.seconds() < b.seconds() || (a.seconds() == b.seconds() && a.nanos() < b.nanos());
}

// Keeps `latest` at the newest lastState.terminated.finishedAt seen.
void NoteRestart(const ContainerStatus& status, Time* latest) {
  if (!status.last_state().has_terminated()) return;
  const Time& finished = status.last_state().terminated().finished_at();
  if (Before(*latest, finished)) *latest = finished;
}

// podutil.IsRestartableInitContainer: a sidecar (restartPolicy Always); nil is not one.
bool IsRestartable(const Container* c) {
  return c != nullptr && c->has_restart_policy() && c->restart_policy() == "Always";
}

// hasPodReadyCondition: any Ready condition that is True.
bool HasReadyCondition(const Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Ready" && c.status() == "True") return true;
  }
  return false;
}

// isPodInitializedConditionTrue: the first Initialized condition decides.
bool IsInitialized(const Pod& pod) {
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "Initialized") return c.status() == "True";
  }
  return false;
}

// The Status of a pod held up by init container `index` of `total`: "Init:Error",
// "Init:Signal:9", "Init:ExitCode:2", "Init:CrashLoopBackOff" or "Init:1/2".
std::string InitReason(const k8s::core::v1::ContainerState& state, int index, int total) {
  if (state.has_terminated()) {
    const auto& t = state.terminated();
    if (!t.reason().empty()) return "Init:" + t.reason();
    if (t.signal() != 0) return fmt::format("Init:Signal:{}", t.signal());
    return fmt::format("Init:ExitCode:{}", t.exit_code());
  }
  if (state.has_waiting() && !state.waiting().reason().empty() &&
      state.waiting().reason() != "PodInitializing") {
    return "Init:" + state.waiting().reason();
  }
  return fmt::format("Init:{}/{}", index, total);
}

// The init-container loop: stops at the first init container that is not done.
void SummarizeInitContainers(const Pod& pod, PodSummary* s) {
  std::map<std::string, const Container*> init_containers;
  for (const Container& c : pod.spec().init_containers()) {
    init_containers[c.name()] = &c;
    if (IsRestartable(&c)) ++s->total_containers;
  }
  const auto& statuses = pod.status().init_container_statuses();
  for (int i = 0; i < statuses.size(); ++i) {
    const ContainerStatus& c = statuses[i];
    auto found = init_containers.find(c.name());
    const bool restartable =
        IsRestartable(found == init_containers.end() ? nullptr : found->second);
    s->restarts += c.restart_count();
    NoteRestart(c, &s->last_restart);
    if (restartable) {
      s->restartable_init_restarts += c.restart_count();
      NoteRestart(c, &s->last_restartable_init_restart);
    }
    if (c.state().has_terminated() && c.state().terminated().exit_code() == 0) continue;
    if (restartable && c.has_started() && c.started()) {  // a running sidecar
      if (c.ready()) ++s->ready_containers;
      continue;
    }
    s->reason = InitReason(c.state(), i, pod.spec().init_containers_size());
    s->initializing = true;
    break;
  }
}

// The regular containers, last to first, as printPod walks them.
void SummarizeContainers(const Pod& pod, PodSummary* s) {
  s->restarts = s->restartable_init_restarts;
  s->last_restart = s->last_restartable_init_restart;
  bool has_running = false;
  const auto& statuses = pod.status().container_statuses();
  for (int i = statuses.size() - 1; i >= 0; --i) {
    const ContainerStatus& c = statuses[i];
    s->restarts += c.restart_count();
    NoteRestart(c, &s->last_restart);
    const auto& state = c.state();
    if (state.has_waiting() && !state.waiting().reason().empty()) {
      s->reason = state.waiting().reason();
    } else if (state.has_terminated() && !state.terminated().reason().empty()) {
      s->reason = state.terminated().reason();
    } else if (state.has_terminated()) {
      s->reason = state.terminated().signal() != 0
                      ? fmt::format("Signal:{}", state.terminated().signal())
                      : fmt::format("ExitCode:{}", state.terminated().exit_code());
    } else if (c.ready() && state.has_running()) {
      has_running = true;
      ++s->ready_containers;
    }
  }
  // A pod whose last container completed while another still runs is shown as running.
  if (s->reason == "Completed" && has_running) {
    s->reason = HasReadyCondition(pod) ? "Running" : "NotReady";
  }
}

PodSummary Summarize(const Pod& pod) {
  PodSummary s;
  s.total_containers = pod.spec().containers_size();
  s.reason = pod.status().reason().empty() ? pod.status().phase() : pod.status().reason();
  for (const auto& c : pod.status().conditions()) {
    if (c.type() == "PodScheduled" && c.reason() == "SchedulingGated") s.reason = "SchedulingGated";
  }
  SummarizeInitContainers(pod, &s);
  if (!s.initializing || IsInitialized(pod)) SummarizeContainers(pod, &s);

  const std::string& phase = pod.status().phase();
  if (pod.metadata().has_deletion_timestamp()) {
    if (pod.status().reason() == "NodeLost") {  // node.NodeUnreachablePodReason
      s.reason = "Unknown";
    } else if (phase != "Failed" && phase != "Succeeded") {
      s.reason = "Terminating";
    }
  }
  return s;
}

// "3/5" readiness gates whose condition is True, "<none>" without gates.
std::string ReadinessGates(const Pod& pod) {
  if (pod.spec().readiness_gates_size() == 0) return "<none>";
  int true_conditions = 0;
  for (const auto& gate : pod.spec().readiness_gates()) {
    for (const auto& c : pod.status().conditions()) {
      if (c.type() != gate.condition_type()) continue;
      if (c.status() == "True") ++true_conditions;
      break;
    }
  }
  return fmt::format("{}/{}", true_conditions, pod.spec().readiness_gates_size());
}

std::string OrNone(const std::string& s) { return s.empty() ? "<none>" : s; }

Row PodRow(const Pod& pod, int64_t now) {
  const PodSummary s = Summarize(pod);
  std::string restarts = std::to_string(s.restarts);
  if (s.restarts != 0 && !IsZero(s.last_restart)) {
    restarts = fmt::format("{} ({} ago)", s.restarts, TimestampSince(s.last_restart, now));
  }
  const std::string pod_ip =
      pod.status().pod_ips_size() > 0 ? pod.status().pod_ips(0).ip() : std::string();
  return {pod.metadata().name(),
          fmt::format("{}/{}", s.ready_containers, s.total_containers),
          s.reason,
          restarts,
          Age(pod.metadata(), now),
          OrNone(pod_ip),
          OrNone(pod.spec().node_name()),
          OrNone(pod.status().nominated_node_name()),
          ReadinessGates(pod)};
}

std::vector<Column> PodColumns() {
  return {
      NameColumn(),
      {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.",
       0},
      {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
      {"Restarts", "string", "",
       "The number of times the containers in this pod have been restarted and when the last "
       "container in this pod has restarted.",
       0},
      AgeColumn(),
      {"IP", "string", "",
       "podIP address allocated to the pod. Routable at least within the cluster. Empty if not "
       "yet allocated.",
       1},
      {"Node", "string", "",
       "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, "
       "the scheduler simply schedules this pod onto that node, assuming that it fits resource "
       "requirements.",
       1},
      {"Nominated Node", "string", "",
       "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
       "cannot be scheduled right away as preemption victims receive their graceful "
       "termination periods. This field does not guarantee that the pod will be scheduled on "
       "this node. Scheduler may decide to place the pod elsewhere if other nodes become "
       "available sooner. Scheduler may also decide to give the resources on this node to a "
       "higher priority pod that is created after preemption. As a result, this field may be "
       "different than PodSpec.nodeName when the pod is scheduled.",
       1},
      {"Readiness Gates", "string", "",
       "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready "
       "when all its containers are ready AND all conditions specified in the readiness gates "
       "have status equal to \"True\" More info: "
       "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates",
       1},
  };
}

}  // namespace

void AddPodPrinters(PrinterMap* map) { AddPrinter<Pod>(map, PodColumns(), PodRow); }

}  // namespace pk::printers
