// The pod strategy (k8s.io/kubernetes/pkg/registry/core/pod/strategy.go, v1.32).
#include <map>

#include "apimachinery/quantity.h"
#include "apimachinery/slow_motion.h"
#include "apiserver/registry/strategies/internal.h"

namespace pk::registry {
namespace {

using k8s::core::v1::Pod;

using Totals = std::map<std::string, Quantity>;

bool IsQoSResource(const std::string& name) { return name == "cpu" || name == "memory"; }

// Sums the positive cpu/memory quantities of `list` into `totals`; returns their names.
template <class ListT>
std::vector<std::string> AddPositive(const ListT& list, Totals* totals) {
  std::vector<std::string> found;
  for (const auto& [name, q] : list) {
    if (!IsQoSResource(name)) continue;
    auto parsed = Quantity::Parse(q.string());
    if (!parsed.ok() || parsed->Sign() <= 0) continue;
    found.push_back(name);
    auto [it, inserted] = totals->emplace(name, *parsed);
    if (!inserted) it->second.Add(*parsed);
  }
  return found;
}

// Scheduling gates hold the pod back; Kubernetes says so in its PodScheduled condition.
void ApplySchedulingGatedCondition(Pod* pod) {
  if (pod->spec().scheduling_gates_size() == 0) return;
  auto* condition = pod->mutable_status()->add_conditions();
  condition->set_type("PodScheduled");
  condition->set_status("False");
  condition->set_reason("SchedulingGated");
  condition->set_message("Scheduling is blocked due to non-empty scheduling gates");
}

class PodStrategyImpl : public Strategy {
 public:
  void Default(Message* object) const override { DefaultPod(&As<Pod>(object)); }

  void PrepareForCreate(Message* object) const override {
    Pod& pod = As<Pod>(object);
    slowmotion::Pause("apiserver: admit and store pod " + pod.metadata().name());
    pod.clear_status();
    pod.mutable_status()->set_phase("Pending");
    pod.mutable_status()->set_qos_class(PodQOSClass(pod.spec()));
    ApplySchedulingGatedCondition(&pod);
  }

  void PrepareForUpdate(Message* object, const Message& old) const override {
    *As<Pod>(object).mutable_status() = As<Pod>(old).status();
  }

  Causes Validate(const Message& object) const override {
    return ValidatePodSpec(As<Pod>(object).spec(), "spec");
  }

  Causes ValidateUpdate(const Message& object, const Message& old) const override {
    return ValidatePodSpecUpdate(As<Pod>(object).spec(), As<Pod>(old).spec());
  }

  // A pod bound to a node is only marked: its kubelet stops it and confirms with a
  // grace-0 delete. An unbound or finished pod has nothing to stop and goes at once.
  bool CheckGracefulDelete(const Message& object,
                           std::optional<int64_t>* grace_seconds) const override {
    const Pod& pod = As<Pod>(object);
    int64_t period = grace_seconds->has_value() ? **grace_seconds
                     : pod.spec().has_termination_grace_period_seconds()
                         ? pod.spec().termination_grace_period_seconds()
                         : 30;
    const std::string& phase = pod.status().phase();
    if (pod.spec().node_name().empty() || phase == "Succeeded" || phase == "Failed") period = 0;
    *grace_seconds = period;
    return period > 0;
  }

  bool ReturnDeletedObject() const override { return true; }

  // PodToSelectableFields.
  std::vector<std::string> FieldSelectors() const override {
    return {
        "spec.nodeName",    "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase",       "status.podIP",       "status.nominatedNodeName"};
  }
};

}  // namespace

std::string PodQOSClass(const k8s::core::v1::PodSpec& spec) {
  Totals requests, limits;
  bool guaranteed = true;
  auto visit = [&](const k8s::core::v1::Container& c) {
    AddPositive(c.resources().requests(), &requests);
    const auto found = AddPositive(c.resources().limits(), &limits);
    const bool cpu = std::find(found.begin(), found.end(), "cpu") != found.end();
    const bool memory = std::find(found.begin(), found.end(), "memory") != found.end();
    if (!cpu || !memory) guaranteed = false;
  };
  for (const auto& c : spec.containers()) visit(c);
  for (const auto& c : spec.init_containers()) visit(c);
  if (requests.empty() && limits.empty()) return "BestEffort";
  for (const auto& [name, request] : requests) {
    auto it = limits.find(name);
    if (it == limits.end() || !(it->second == request)) guaranteed = false;
  }
  return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
}

const Strategy& PodStrategy() {
  static const PodStrategyImpl strategy;
  return strategy;
}

}  // namespace pk::registry
