// A whole cluster for integration tests (cluster::Cluster in a temp dir: apiserver, fake-cri
// and kubelet per node group, scheduler, controller-manager) with the real kubectl pointed at
// it, and the waits the tests share. Timings run at kTimeScale (20 times faster).
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/clientset.h"
#include "cluster/cluster.h"
#include "proto/core/v1/pod.pb.h"
#include "tests/testing.h"

namespace pk::testing {

inline constexpr double kTimeScale = 0.05;

class ClusterFixture {
 public:
  // Starts the cluster; fails the test (with the components' logs) when it cannot.
  explicit ClusterFixture(std::vector<cluster::KubeletGroup> kubelets,
                          std::map<std::string, std::vector<std::string>> extra_args = {});

  cluster::Cluster& cluster() { return *cluster_; }
  const client::Clientset& clientset() const { return cluster_->clientset(); }
  std::filesystem::path Path(const std::string& name) const { return dir_.path() / name; }

  // `kubectl ARGS` against the cluster (stdout and stderr).
  std::string Kubectl(const std::string& args) const;
  // `kubectl apply -f` of a YAML document; fails the test unless kubectl succeeds.
  void Apply(const std::string& yaml) const;

  // Pods of `ns` matching `selector` ("app=web"); terminating pods too.
  std::vector<client::Ptr<k8s::core::v1::Pod>> Pods(const std::string& selector,
                                                    const std::string& ns = "default") const;
  // How many of them are Running with Ready=True and not being deleted.
  int ReadyPods(const std::string& selector, const std::string& ns = "default") const;
  // Waits until exactly `count` pods match and all are ready; false (with a message) if not.
  bool WaitReadyPods(const std::string& selector, int count,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // What the test's failure message shows: pods, events and dead components.
  std::string Diagnose() const;

 private:
  TempDir dir_;
  std::unique_ptr<cluster::Cluster> cluster_;
};

bool PodReady(const k8s::core::v1::Pod& pod);

// A kubelet of `count` nodes: "NAME" for one, hollow NAME-0... for more.
cluster::KubeletGroup Nodes(const std::string& name, int count,
                            std::vector<std::string> labels = {});

// The pod events of a namespace in the order a watch saw them: "added NAME", "ready NAME"
// (the first time it is Running and Ready), "deleted NAME".
class PodLog {
 public:
  PodLog(const client::Clientset& clientset, const std::string& ns = "default");
  ~PodLog();
  std::vector<std::string> lines();
  // Index of `line` in lines(), or -1.
  int IndexOf(const std::string& line);

 private:
  void Loop();
  std::unique_ptr<client::TypedWatch<k8s::core::v1::Pod>> watch_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::set<std::string> ready_;
};

}  // namespace pk::testing
