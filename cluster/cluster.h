// The launcher: a whole picokube cluster as separate processes on loopback and unix sockets
// in one directory — the apiserver, a fake-cri and a kubelet per node group (one node, or
// many hollow ones), the scheduler and the controller-manager — started in the documented
// order, each with its log in DIR/logs/COMPONENT.log. Tests, benchmarks and scenarios use it
// to get a cluster, kill a component (a crash) and start it again on the stored state.
//
//   ClusterOptions options{.dir = tmp, .bin_dir = bin};
//   options.kubelets = {{.name = "node", .nodes = 100}};
//   auto cluster = Cluster::Start(options);       // returns once every node is Ready
//   (*cluster)->clientset().Pods("default").List();
//   (*cluster)->Kill("kubelet-node");             // SIGKILL
//   (*cluster)->StartComponent("kubelet-node");
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "client/channel.h"
#include "client/clientset.h"
#include "cluster/pki.h"
#include "cluster/process.h"

namespace pk::cluster {

// One kubelet process with its own fake-cri: node NAME, or hollow nodes NAME-0..NAME-(N-1).
// Components "kubelet-NAME" and "fake-cri-NAME".
struct KubeletGroup {
  std::string name = "node";
  int nodes = 1;
  std::string capacity = "cpu=4,memory=8Gi,pods=110";
  std::vector<std::string> labels;  // KEY=VALUE
  std::vector<std::string> taints;  // KEY[=VALUE]:EFFECT
};

struct ClusterOptions {
  std::filesystem::path dir;      // state, sockets and logs; kept for a restart on the same dir
  std::filesystem::path bin_dir;  // the project's binaries (build/bin)
  std::vector<KubeletGroup> kubelets = {KubeletGroup{}};
  bool scheduler = true;
  bool controller_manager = true;
  // Multiplies the timings of the kubelets, fake-cris and controller-manager (0.05: 20 times
  // faster leases, grace periods, image pulls, back-offs).
  double time_scale = 1.0;
  // Seconds each hop of a pod's flow waits in every component (apimachinery/slow_motion.h).
  double slow_motion = 0;
  // More flags per component kind ("apiserver", "scheduler", "controller-manager", "kubelet",
  // "fake-cri"), e.g. {"controller-manager", {"--controllers=*,-nodelifecycle"}}.
  std::map<std::string, std::vector<std::string>> extra_args;
  int rest_port = 0;  // the apiserver's REST port (0: any free port, kept across restarts)
  // HTTPS and gRPC over TLS with a certificate per component (DIR/pki, cluster/pki.h), and
  // authorization Node,RBAC: each component acts as its own identity with the bootstrap
  // policy's least privilege, the kubeconfig as kubernetes-admin (system:masters). False:
  // plain HTTP and gRPC, every request allowed (for teaching and for benchmarks of the bare
  // path).
  bool secure = true;
  std::chrono::milliseconds ready_timeout = std::chrono::seconds(60);
  // Components get sessions of their own (they outlive the launcher after Detach()).
  bool detach = false;
  // Told each step of Start() as it completes ("apiserver: REST on 127.0.0.1:PORT").
  std::function<void(const std::string& step)> progress;
};

class Cluster {
 public:
  // Starts every component in order and waits until each node is Ready: the apiserver, then
  // the fake-cris together, then the kubelets, scheduler and controller-manager together.
  // Each component's pid goes to DIR/pids/NAME.pid (see pidfiles.h). On failure the message
  // names the component and ends with the tail of its log.
  static Result<std::unique_ptr<Cluster>> Start(ClusterOptions options);
  ~Cluster();  // stops every component, newest first (none after Detach())
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Component names in start order: "apiserver", "fake-cri-G", "kubelet-G", "scheduler",
  // "controller-manager".
  std::vector<std::string> components() const;
  // (Re)starts a component that is not running; the apiserver keeps its ports and store.
  Status StartComponent(const std::string& name);
  void Kill(const std::string& name, int signal = 9);  // SIGKILL by default (a crash)
  void Stop(const std::string& name);                  // SIGTERM, SIGKILL after 5 s
  bool Running(const std::string& name);
  Usage usage(const std::string& name) const;  // zeros when it does not run
  // Adds a node group to the running cluster: starts its fake-cri and kubelet and waits until
  // all nodes are Ready.
  Status AddKubelets(KubeletGroup group);
  // Waits until `count` nodes (all of the options' by default) are Ready.
  Status WaitNodesReady(int count = -1);

  const client::Clientset& clientset() const { return *clientset_; }
  const ClusterOptions& options() const { return options_; }
  int rest_port() const { return rest_port_; }
  std::filesystem::path kubeconfig() const { return options_.dir / "kubeconfig"; }
  std::filesystem::path log(const std::string& component) const;
  std::string grpc_target() const;  // "unix:DIR/api.sock"
  // The admin's (system:masters) credentials, for a channel of one's own to grpc_target().
  client::ApiCredentials AdminCredentials() const;
  // Each stopped or dead component with the tail of its log; "" when all run.
  std::string Diagnose();
  // Leaves every component running on its own; their pid files stay the way to stop them.
  void Detach();

 private:
  explicit Cluster(ClusterOptions options);
  std::vector<std::string> ArgsOf(const std::string& component) const;
  Status Spawn(const std::string& component);
  Status WaitStarted(const std::string& component);
  // Spawns `names` together, then waits until each has started.
  Status StartTogether(const std::vector<std::string>& names);
  int NodeCount() const;
  void Progress(const std::string& step) const;
  std::string FirstPodCidr(size_t group) const;
  // The certificates of every component and node group (a no-op when insecure or made).
  Status EnsureCertificates();
  // --certificate-authority, --client-certificate and --client-key for an identity's files.
  std::vector<std::string> ClientTlsArgs(const std::string& file) const;
  void WriteKubeconfig() const;

  ClusterOptions options_;
  int rest_port_ = 0;
  std::map<std::string, std::unique_ptr<Process>> processes_;
  std::unique_ptr<client::Clientset> clientset_;
};

}  // namespace pk::cluster
