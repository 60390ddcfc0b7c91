// The node side of a kubelet process: registers each of its nodes (one, or many hollow ones),
// renews each node's Lease every renew interval (the node lifecycle controller's heartbeat),
// and posts each node's status when it changes (the runtime went away or came back) or every
// status interval, as Kubernetes' kubelet does with the NodeLease feature.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "client/clientset.h"
#include "kubelet/node_status.h"
#include "kubelet/runtime_client.h"

namespace pk::kubelet {

struct NodeAgentOptions {
  std::chrono::milliseconds lease_duration{40000};
  std::chrono::milliseconds renew_interval{10000};
  std::chrono::milliseconds status_interval{60000};
};

class NodeAgent {
 public:
  NodeAgent(const client::Clientset& clientset, RuntimeClient* runtime,
            std::vector<NodeConfig> nodes, NodeAgentOptions options);
  ~NodeAgent();  // Stop()

  // Creates each Node, or takes over the one already there (a kubelet restart), with its
  // current status and Lease.
  Status Register();
  void Start();  // the renew loop
  void Stop();

 private:
  Status RegisterOne(const NodeConfig& config);
  Status RegisterWithRetry(const NodeConfig& config);
  Status RenewLease(const NodeConfig& config);
  Status PostStatus(const NodeConfig& config);
  // Renews every node's Lease, and posts its status when `post`.
  void Heartbeat(bool post);
  void Loop();

  const client::Clientset clientset_;
  RuntimeClient* const runtime_;
  const std::vector<NodeConfig> nodes_;
  const NodeAgentOptions options_;
  std::map<std::string, std::string> uids_;  // node name -> uid, for the Lease's owner
  bool runtime_ready_ = true;
  std::string runtime_message_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread loop_;
};

}  // namespace pk::kubelet
