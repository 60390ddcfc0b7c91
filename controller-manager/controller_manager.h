// The controller-manager process (kube-controller-manager): one clientset and one shared
// informer factory for every controller, leader election on the kube-system/
// kube-controller-manager Lease, then the selected controllers, each with its workers.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "client/channel.h"
#include "apimachinery/status.h"

namespace pk::controllers {

struct ControllerManagerOptions {
  std::string apiserver;  // gRPC target: "unix:PATH" or "127.0.0.1:PORT"
  std::string token;
  client::ApiCredentials credentials;  // TLS files (client/channel.h)
  std::vector<std::string> controllers;  // --controllers ("*" when empty)
  bool leader_elect = true;
  std::string identity;  // host name and pid when empty
  int workers = 5;       // per controller (Kubernetes' --concurrent-*-syncs)
  double time_scale = 1.0;
  int terminated_pod_gc_threshold = 12500;  // --terminated-pod-gc-threshold (0: off)
  std::chrono::milliseconds resource_quota_sync_period{std::chrono::minutes(5)};
};

class ControllerManager {
 public:
  static Result<std::unique_ptr<ControllerManager>> Start(ControllerManagerOptions options);
  ~ControllerManager();  // stops every controller
  // True once it led and lost its lease: the process must exit (kube-controller-manager does).
  bool LeadershipLost() const;
  const std::vector<std::string>& controllers() const;

  struct Impl;

 private:
  explicit ControllerManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk::controllers
