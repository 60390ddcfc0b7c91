// A kubelet process: the node agent (registration, Lease, node status) and the pod manager
// (informer, workers, PLEG, status) for one node or, in hollow mode, many simulated nodes
// over one runtime. Talks to the apiserver only through the client library (gRPC) and to the
// runtime only through CRI on a unix socket.
#pragma once

#include <memory>
#include <string>

#include "client/channel.h"
#include "apimachinery/status.h"
#include "kubelet/node_status.h"

namespace pk::kubelet {

struct KubeletOptions {
  std::string apiserver;  // gRPC target: "unix:PATH" or "127.0.0.1:PORT"
  std::string token;      // bearer token, if any
  client::ApiCredentials credentials;  // TLS files (client/channel.h)
  std::string cri_socket;
  std::string root_dir;  // pod logs under ROOT_DIR/pods
  NodeConfig node;       // the node; in hollow mode the template of every node
  int nodes = 1;         // > 1: hollow mode, nodes NAME-0 ... NAME-(N-1)
  // Multiplies every kubelet timing (lease renewal, status, relist, back-off) for
  // simulations: 0.1 runs ten times faster.
  double time_scale = 1.0;
  // Pods synced at once; 0: 4 a node, at most 32. A real kubelet gives every pod its own
  // worker, and a sync spends most of its time waiting on the runtime and the apiserver, so
  // a hollow kubelet with few workers for many nodes starts pods slower than the nodes would.
  int workers = 0;
};

class Kubelet {
 public:
  // Connects, registers the node(s) and starts every loop. Fails when the apiserver cannot be
  // reached or refuses the node.
  static Result<std::unique_ptr<Kubelet>> Start(KubeletOptions options);
  ~Kubelet();  // stops every loop; containers keep running (a restarted kubelet adopts them)

  struct Impl;

 private:
  explicit Kubelet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The nodes a kubelet with `options` runs: one, or hollow NAME-i with the i-th /24 from the
// node's --pod-cidr 10.X.Y.0/24 (default 10.244.0.0/24), counting 10.244.255.0/24 ->
// 10.245.0.0/24, so hollow kubelets given disjoint starts never share pod IPs.
std::vector<NodeConfig> NodesOf(const KubeletOptions& options);

}  // namespace pk::kubelet
