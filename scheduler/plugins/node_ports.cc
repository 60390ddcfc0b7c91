#include "scheduler/plugins/node_ports.h"

#include "scheduler/plugins/plugins.h"

namespace pk::scheduler::plugins {
namespace {

struct PreFilterState : StateData {
  std::vector<HostPort> ports;
  std::unique_ptr<StateData> Clone() const override {
    return std::make_unique<PreFilterState>(*this);
  }
};

bool FitsPorts(const std::vector<HostPort>& want, const NodeInfo& node) {
  for (const HostPort& w : want) {
    for (const HostPort& used : node.used_ports()) {
      if (PortsConflict(w, used)) return false;
    }
  }
  return true;
}

}  // namespace

PluginStatus NodePorts::PreFilter(CycleState& state, const Pod& pod, PreFilterResult*) {
  auto s = std::make_unique<PreFilterState>();
  s->ports = PodHostPorts(pod);
  if (s->ports.empty()) return PluginStatus::Skip();
  state.Write(std::string(kPreFilterStateKey), std::move(s));
  return {};
}

PluginStatus NodePorts::Filter(const CycleState& state, const Pod&, const NodeInfo& node) const {
  const auto* s = state.Read<PreFilterState>(std::string(kPreFilterStateKey));
  if (!s) {
    return PluginStatus::Error("reading \"" + std::string(kPreFilterStateKey) +
                               "\" from cycleState: not found");
  }
  if (FitsPorts(s->ports, node)) return {};
  return PluginStatus::Unschedulable(std::string(kErrReason));
}

// NodePorts takes no args.
Result<std::unique_ptr<Plugin>> NewNodePorts(const YAML::Node&, Handle&) {
  return std::unique_ptr<Plugin>(std::make_unique<NodePorts>());
}

}  // namespace pk::scheduler::plugins
