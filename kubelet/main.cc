// kubelet: runs the pods bound to its node(s) through a CRI runtime (fake-cri).
//   kubelet --apiserver unix:DIR/apiserver.sock --cri-socket DIR/fake-cri.sock
//           --node-name node-1 --root-dir DIR/kubelet [--nodes 100 (hollow)] [--time-scale 0.1]
#include <CLI/CLI.hpp>
#include <csignal>

#include "apimachinery/log.h"
#include "apimachinery/process_tuning.h"
#include "apimachinery/quantity.h"
#include "apimachinery/stop_signals.h"
#include "client/api_flags.h"
#include "kubelet/kubelet.h"
#include "trace/flags.h"
#include "trace/install.h"

namespace {

// KEY=VALUE items of `flag` into `out` (over its defaults); false, said why, when one is not.
bool KeyValues(const std::vector<std::string>& items, const char* flag,
               std::map<std::string, std::string>* out) {
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      pk::Logf("kubelet: invalid %s entry \"%s\": want KEY=VALUE\n", flag, item.c_str());
      return false;
    }
    (*out)[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  pk::TuneProcess();
  pk::kubelet::KubeletOptions options;
  std::vector<std::string> labels, taints, capacity;
  CLI::App app{"picokube kubelet: runs the pods bound to its node through fake-cri"};
  pk::client::AddApiFlags(app, &options.apiserver, &options.token, &options.credentials);
  app.add_option("--cri-socket", options.cri_socket, "The runtime's unix socket")->required();
  app.add_option("--root-dir", options.root_dir, "Directory for pod logs and state")->required();
  app.add_option("--node-name", options.node.name, "This node's name (hollow: the prefix)")
      ->required();
  app.add_option("--node-ip", options.node.address, "The node's InternalIP");
  app.add_option(
      "--pod-cidr", options.node.pod_cidr,
      "Pod IPs come from this range (hollow: the first node's; node i gets the i-th /24 after it)");
  app.add_option("--node-labels", labels, "KEY=VALUE labels of the node")->delimiter(',');
  app.add_option("--register-with-taints", taints, "KEY[=VALUE]:EFFECT taints")->delimiter(',');
  app.add_option("--capacity", capacity,
                 "NAME=QUANTITY capacity (and allocatable) of the node; default cpu=4,"
                 "memory=8Gi,pods=110,ephemeral-storage=100Gi")
      ->delimiter(',');
  app.add_option("--port", options.node.kubelet_port, "Port serving logs (0: any free port)");
  app.add_option("--nodes", options.nodes, "Hollow mode: simulate this many nodes");
  app.add_option("--time-scale", options.time_scale, "Multiplies every kubelet timing");
  app.add_option("--workers", options.workers, "Pods synced at once (default: 4 a node, at most 32)");
  pk::trace::FlowFlags flow;
  flow.Add(app);
  CLI11_PARSE(app, argc, argv);
  flow.Apply();
  if (!KeyValues(labels, "--node-labels", &options.node.labels)) return 2;
  if (!KeyValues(capacity, "--capacity", &options.node.capacity)) return 2;
  for (const auto& [name, value] : options.node.capacity) {
    auto q = pk::Quantity::Parse(value);
    if (!q.ok()) {
      pk::Logf("kubelet: invalid --capacity %s: %s\n", name.c_str(), q.status().message().c_str());
      return 2;
    }
  }
  for (const auto& t : taints) {
    auto taint = pk::kubelet::ParseTaint(t);
    if (!taint.ok()) {
      pk::Logf("kubelet: %s\n", taint.status().message().c_str());
      return 2;
    }
    options.node.taints.push_back(*taint);
  }
  pk::StopSignals stop;  // before any thread starts
  // After StopSignals: its thread must start with the stop signals blocked.
  auto channel = pk::client::DialFromFlags("kubelet", options.apiserver, options.credentials);
  if (!channel) return 1;
  pk::trace::GlobalRecorder recorder(channel, "kubelet", options.token, flow.trace);
  auto kubelet = pk::kubelet::Kubelet::Start(options);
  if (!kubelet.ok()) {
    pk::Logf("kubelet: %s\n", kubelet.status().message().c_str());
    return 1;
  }
  pk::Logf("kubelet: node %s registered, running pods\n", options.node.name.c_str());
  int signal = stop.Wait();
  pk::Logf("kubelet: stopping on signal %d\n", signal);
  return 0;
}
