// PluginStatus: what a scheduling plugin says about a pod (framework.Status of
// k8s.io/kubernetes/pkg/scheduler/framework). Not pk::Status: these are verdicts, not errors,
// and their reasons are the exact phrases Kubernetes users read in FailedScheduling events
// ("Insufficient cpu", "node(s) had untolerated taint {k: v}").
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pk::scheduler {

enum class Code {
  kSuccess,
  kError,                         // something broke (not the pod's fault); retried with back-off
  kUnschedulable,                 // does not fit now; preemption may help
  kUnschedulableAndUnresolvable,  // does not fit and preemption cannot help (taints, affinity)
  kWait,                          // Permit: hold the pod
  kSkip,                          // PreFilter/PreScore: this plugin has nothing to do for the pod
  kPending,                       // waits for something outside the scheduler
};

class PluginStatus {
 public:
  PluginStatus() = default;  // success
  PluginStatus(Code code, std::vector<std::string> reasons)
      : code_(code), reasons_(std::move(reasons)) {}
  PluginStatus(Code code, std::string reason) : code_(code), reasons_{std::move(reason)} {}

  static PluginStatus Success() { return {}; }
  static PluginStatus Error(std::string reason) { return {Code::kError, std::move(reason)}; }
  static PluginStatus Unschedulable(std::string reason) {
    return {Code::kUnschedulable, std::move(reason)};
  }
  static PluginStatus Unresolvable(std::string reason) {
    return {Code::kUnschedulableAndUnresolvable, std::move(reason)};
  }
  static PluginStatus Skip() { return {Code::kSkip, std::vector<std::string>{}}; }

  Code code() const { return code_; }
  bool ok() const { return code_ == Code::kSuccess; }
  bool IsSkip() const { return code_ == Code::kSkip; }
  // Unschedulable, UnschedulableAndUnresolvable or Pending: the pod does not fit.
  bool IsRejected() const {
    return code_ == Code::kUnschedulable || code_ == Code::kUnschedulableAndUnresolvable ||
           code_ == Code::kPending;
  }
  const std::vector<std::string>& reasons() const { return reasons_; }
  // The reasons joined with ", " (Kubernetes' Status.Message()).
  std::string Message() const;

  // The plugin that gave this verdict (set by the framework).
  const std::string& plugin() const { return plugin_; }
  PluginStatus& WithPlugin(std::string plugin) {
    plugin_ = std::move(plugin);
    return *this;
  }

 private:
  Code code_ = Code::kSuccess;
  std::vector<std::string> reasons_;
  std::string plugin_;
};

// Why each node was rejected, by node name (framework.NodeToStatusMap).
using NodeToStatus = std::map<std::string, PluginStatus>;

}  // namespace pk::scheduler
