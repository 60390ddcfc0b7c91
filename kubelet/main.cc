// kubelet: runs the pods bound to its node(s) through a CRI runtime (fake-cri).
//   kubelet --apiserver unix:DIR/apiserver.sock --cri-socket DIR/fake-cri.sock
//           --node-name node-1 --root-dir DIR/kubelet [--nodes 100 (hollow)] [--time-scale 0.1]
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "kubelet/kubelet.h"

int main(int argc, char** argv) {
  pk::kubelet::KubeletOptions options;
  std::vector<std::string> labels, taints;
  CLI::App app{"picokube kubelet: runs the pods bound to its node through fake-cri"};
  app.add_option("--apiserver", options.apiserver, "gRPC address: unix:PATH or HOST:PORT")
      ->required();
  app.add_option("--token", options.token, "Bearer token for the apiserver");
  app.add_option("--cri-socket", options.cri_socket, "The runtime's unix socket")->required();
  app.add_option("--root-dir", options.root_dir, "Directory for pod logs and state")->required();
  app.add_option("--node-name", options.node.name, "This node's name (hollow: the prefix)")
      ->required();
  app.add_option("--node-ip", options.node.address, "The node's InternalIP");
  app.add_option("--pod-cidr", options.node.pod_cidr, "Pod IPs come from this range");
  app.add_option("--node-labels", labels, "KEY=VALUE labels of the node")->delimiter(',');
  app.add_option("--register-with-taints", taints, "KEY[=VALUE]:EFFECT taints")->delimiter(',');
  app.add_option("--port", options.node.kubelet_port, "Port serving logs (0: any free port)");
  app.add_option("--nodes", options.nodes, "Hollow mode: simulate this many nodes");
  app.add_option("--time-scale", options.time_scale, "Multiplies every kubelet timing");
  app.add_option("--workers", options.workers, "Pods synced at once");
  CLI11_PARSE(app, argc, argv);
  for (const auto& l : labels) {
    auto eq = l.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "kubelet: invalid --node-labels entry \"%s\": want KEY=VALUE\n",
                   l.c_str());
      return 2;
    }
    options.node.labels[l.substr(0, eq)] = l.substr(eq + 1);
  }
  for (const auto& t : taints) {
    auto taint = pk::kubelet::ParseTaint(t);
    if (!taint.ok()) {
      std::fprintf(stderr, "kubelet: %s\n", taint.status().message().c_str());
      return 2;
    }
    options.node.taints.push_back(*taint);
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto kubelet = pk::kubelet::Kubelet::Start(options);
  if (!kubelet.ok()) {
    std::fprintf(stderr, "kubelet: %s\n", kubelet.status().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "kubelet: node %s registered, running pods\n", options.node.name.c_str());
  int signal = 0;
  sigwait(&stop, &signal);
  std::fprintf(stderr, "kubelet: stopping on signal %d\n", signal);
  return 0;
}
