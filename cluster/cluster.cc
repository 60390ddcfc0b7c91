#include "cluster/cluster.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <thread>

#include "client/channel.h"
#include "cluster/pidfiles.h"
#include "proto/core/v1/node.pb.h"

namespace pk::cluster {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Polls `done` every `period` until it holds, `alive` stops holding, or `timeout` passes.
bool PollUntil(const std::function<bool()>& done, const std::function<bool()>& alive,
               std::chrono::milliseconds timeout,
               std::chrono::milliseconds period = std::chrono::milliseconds(5)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    if (!alive()) return false;
    std::this_thread::sleep_for(period);
  }
  return done();
}

int ReadPort(const fs::path& file) {
  std::ifstream in(file);
  int port = 0;
  return in >> port ? port : 0;
}

std::string KindOf(const std::string& component) {
  for (const char* kind : {"fake-cri", "kubelet"}) {
    if (component.rfind(std::string(kind) + "-", 0) == 0) return kind;
  }
  return component;
}

std::string Scale(double scale) { return fmt::format("--time-scale={}", scale); }

}  // namespace

Cluster::Cluster(ClusterOptions options) : options_(std::move(options)) {
  rest_port_ = options_.rest_port;
}

Cluster::~Cluster() {
  auto names = components();
  for (auto it = names.rbegin(); it != names.rend(); ++it) Stop(*it);
}

namespace {

// Unix socket paths hold at most 107 bytes (sockaddr_un); the longest the cluster makes is a
// node group's DIR/nodes/GROUP/cri.sock.
Status CheckSocketPaths(const ClusterOptions& options) {
  constexpr size_t kMaxSocketPath = 107;
  for (const auto& group : options.kubelets) {
    const std::string path = (options.dir / "nodes" / group.name / "cri.sock").string();
    if (path.size() > kMaxSocketPath) {
      return Status::BadRequest(fmt::format(
          "the cluster directory {} is too long for its unix sockets ({} has {} characters, at "
          "most {} fit): choose a shorter --data-dir",
          options.dir.string(), path, path.size(), kMaxSocketPath));
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Cluster>> Cluster::Start(ClusterOptions options) {
  PK_RETURN_IF_ERROR(CheckSocketPaths(options));
  std::error_code ec;
  fs::create_directories(options.dir / "logs", ec);
  if (ec)
    return Status::InternalError(
        fmt::format("creating {}: {}", options.dir.string(), ec.message()));
  std::unique_ptr<Cluster> cluster(new Cluster(std::move(options)));
  PK_RETURN_IF_ERROR(cluster->EnsureCertificates());
  // The documented order, with what does not depend on each other started together: the
  // apiserver; the fake-cris; the kubelets (each needs its runtime). The scheduler and the
  // controller-manager need only the apiserver and take longest to start (their informers list
  // over TLS, about 300 ms on 2 cores): they are spawned with the fake-cris and waited for once
  // the nodes are Ready, which does not depend on them.
  std::vector<std::vector<std::string>> waves(4);
  for (const std::string& name : cluster->components()) {
    const int rank = StartRank(name);
    waves[rank <= 2 ? rank : 3].push_back(name);
  }
  PK_RETURN_IF_ERROR(cluster->StartTogether(waves[0]));
  for (const std::string& name : waves[3]) PK_RETURN_IF_ERROR(cluster->Spawn(name));
  PK_RETURN_IF_ERROR(cluster->StartTogether(waves[1]));
  PK_RETURN_IF_ERROR(cluster->StartTogether(waves[2]));
  PK_RETURN_IF_ERROR(cluster->WaitNodesReady());
  cluster->Progress(fmt::format("{} nodes Ready", cluster->NodeCount()));
  for (const std::string& name : waves[3]) PK_RETURN_IF_ERROR(cluster->WaitStarted(name));
  return cluster;
}

void Cluster::Progress(const std::string& step) const {
  if (options_.progress) options_.progress(step);
}

void Cluster::Detach() {
  for (auto& [name, process] : processes_) process->Release();
}

std::vector<std::string> Cluster::components() const {
  std::vector<std::string> out{"apiserver"};
  for (const auto& group : options_.kubelets) out.push_back("fake-cri-" + group.name);
  for (const auto& group : options_.kubelets) out.push_back("kubelet-" + group.name);
  if (options_.scheduler) out.push_back("scheduler");
  if (options_.controller_manager) out.push_back("controller-manager");
  return out;
}

fs::path Cluster::log(const std::string& component) const {
  return options_.dir / "logs" / (component + ".log");
}

std::string Cluster::grpc_target() const { return "unix:" + (options_.dir / "api.sock").string(); }

// Node groups take consecutive /24s from 10.244.1.0/24 on, each as many as it has nodes, so
// that no two nodes of the cluster share pod IPs; past 10.255.255.0/24 (node 3071) they go on
// in 11.0.0.0/8, as the hollow kubelet counts them (kubelet/kubelet.cc).
std::string Cluster::FirstPodCidr(size_t group) const {
  int range = 1;
  for (size_t g = 0; g < group; ++g) range += options_.kubelets[g].nodes;
  const int block = 244 * 256 + range;  // the /24's number from 10.0.0.0
  return fmt::format("{}.{}.{}.0/24", 10 + block / 65536, block / 256 % 256, block % 256);
}

int Cluster::NodeCount() const {
  int n = 0;
  for (const auto& group : options_.kubelets) n += group.nodes;
  return n;
}

std::vector<std::string> Cluster::ArgsOf(const std::string& component) const {
  const fs::path& dir = options_.dir;
  const std::string kind = KindOf(component);
  std::vector<std::string> args{(options_.bin_dir / kind).string()};
  auto add = [&](std::vector<std::string> more) {
    args.insert(args.end(), more.begin(), more.end());
  };
  if (kind == "apiserver") {
    add({"--data-dir=" + (dir / "data").string(), fmt::format("--port={}", rest_port_),
         "--port-file=" + (dir / "apiserver.port").string(), "--grpc-port=-1",
         "--grpc-socket=" + (dir / "api.sock").string()});
    if (options_.secure) {
      const Pki pki(dir / "pki");
      add({"--tls-cert-file=" + pki.cert("apiserver").string(),
           "--tls-private-key-file=" + pki.key("apiserver").string(),
           "--client-ca-file=" + pki.ca().string(), "--authorization-mode=Node,RBAC",
           // kubeadm's one addition to the default plugins: kubelets touch only their node.
           "--enable-admission-plugins=NodeRestriction"});
    }
  } else if (kind == "scheduler") {
    add({"--apiserver=" + grpc_target(), "--port=0",
         "--port-file=" + (dir / "scheduler.port").string(), "--leader-elect=false"});
    add(ClientTlsArgs("scheduler"));
  } else if (kind == "controller-manager") {
    add({"--apiserver=" + grpc_target(), "--leader-elect=false", Scale(options_.time_scale)});
    add(ClientTlsArgs("controller-manager"));
  } else {
    const std::string group_name = component.substr(kind.size() + 1);
    size_t index = 0;
    while (options_.kubelets[index].name != group_name) ++index;
    const KubeletGroup& group = options_.kubelets[index];
    const fs::path home = dir / "nodes" / group.name;
    if (kind == "fake-cri") {
      add({"--socket=" + (home / "cri.sock").string(), "--state-dir=" + (home / "cri").string(),
           "--apiserver=" + grpc_target(), Scale(options_.time_scale)});
      add(ClientTlsArgs("node-" + group.name));  // its trace spans go as the node's
    } else {
      add({"--apiserver=" + grpc_target(), "--cri-socket=" + (home / "cri.sock").string(),
           "--root-dir=" + (home / "kubelet").string(), "--node-name=" + group.name,
           fmt::format("--nodes={}", group.nodes), "--capacity=" + group.capacity,
           "--pod-cidr=" + FirstPodCidr(index), Scale(options_.time_scale)});
      add(ClientTlsArgs("node-" + group.name));
      if (!group.labels.empty())
        add({fmt::format("--node-labels={}", fmt::join(group.labels, ","))});
      if (!group.taints.empty()) {
        add({fmt::format("--register-with-taints={}", fmt::join(group.taints, ","))});
      }
    }
  }
  if (options_.slow_motion > 0 && kind != "fake-cri") {
    add({fmt::format("--slow-motion={}", options_.slow_motion)});
  }
  auto extra = options_.extra_args.find(kind);
  if (extra != options_.extra_args.end()) add(extra->second);
  return args;
}

Status Cluster::StartComponent(const std::string& name) { return StartTogether({name}); }

Status Cluster::StartTogether(const std::vector<std::string>& names) {
  std::vector<std::string> spawned;
  for (const std::string& name : names) {
    if (Running(name)) continue;
    Status status = Spawn(name);
    if (!status.ok()) return status;
    spawned.push_back(name);
  }
  for (const std::string& name : spawned) {
    Status started = WaitStarted(name);
    if (!started.ok()) return started;
  }
  return Status::OK();
}

Status Cluster::Spawn(const std::string& name) {
  auto names = components();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    return Status::BadRequest(
        fmt::format("no component \"{}\" (components: {})", name, fmt::join(names, ", ")));
  }
  const std::string kind = KindOf(name);
  // Remove what the wait below looks for, so it sees this start and not a previous one.
  std::error_code ec;
  if (kind == "apiserver") fs::remove(options_.dir / "apiserver.port", ec);
  if (kind == "scheduler") fs::remove(options_.dir / "scheduler.port", ec);
  if (kind == "fake-cri") {
    fs::create_directories(options_.dir / "nodes" / name.substr(kind.size() + 1), ec);
    fs::remove(options_.dir / "nodes" / name.substr(kind.size() + 1) / "cri.sock", ec);
  }
  ProcessOptions spawn{ArgsOf(name), log(name)};
  spawn.new_session = options_.detach;
  auto process = Process::Spawn(std::move(spawn));
  if (!process.ok()) return process.take_status();
  RecordPid(options_.dir, name, (*process)->pid());
  processes_[name] = std::move(process).value();
  return Status::OK();
}

Status Cluster::WaitStarted(const std::string& name) {
  const std::string kind = KindOf(name);
  Process& process = *processes_.at(name);
  std::function<bool()> started = [] { return true; };
  if (kind == "apiserver") {
    started = [&] {
      return ReadPort(options_.dir / "apiserver.port") > 0 && fs::exists(options_.dir / "api.sock");
    };
  } else if (kind == "scheduler") {
    started = [&] { return ReadPort(options_.dir / "scheduler.port") > 0; };
  } else if (kind == "fake-cri") {
    started = [&] {
      return fs::exists(options_.dir / "nodes" / name.substr(kind.size() + 1) / "cri.sock");
    };
  }
  if (!PollUntil(
          started, [&] { return process.Running(); }, options_.ready_timeout)) {
    return Status::InternalError(fmt::format("{} did not start ({}); its log ends:\n{}", name,
                                             process.Running() ? "timed out" : "it exited",
                                             LogTail(log(name))));
  }
  if (kind == "apiserver") {
    rest_port_ = ReadPort(options_.dir / "apiserver.port");
    clientset_ = std::make_unique<client::Clientset>(
        client::NewApiChannel(grpc_target(), AdminCredentials()));
    WriteKubeconfig();
    Progress(fmt::format("apiserver: {} on 127.0.0.1:{}, gRPC on {}",
                         options_.secure ? "HTTPS" : "HTTP", rest_port_, grpc_target()));
  } else {
    Progress(name + ": started");
  }
  return Status::OK();
}

Status Cluster::AddKubelets(KubeletGroup group) {
  for (const auto& g : options_.kubelets) {
    if (g.name == group.name) return Status::BadRequest("node group \"" + g.name + "\" exists");
  }
  const std::string name = group.name;
  options_.kubelets.push_back(std::move(group));
  PK_RETURN_IF_ERROR(EnsureCertificates());
  for (const std::string& component : {"fake-cri-" + name, "kubelet-" + name}) {
    Status started = StartComponent(component);
    if (!started.ok()) return started;
  }
  return WaitNodesReady();
}

void Cluster::Kill(const std::string& name, int signal) {
  auto it = processes_.find(name);
  if (it != processes_.end()) it->second->Signal(signal);
}

void Cluster::Stop(const std::string& name) {
  auto it = processes_.find(name);
  if (it != processes_.end()) it->second->Stop();
}

bool Cluster::Running(const std::string& name) {
  auto it = processes_.find(name);
  return it != processes_.end() && it->second->Running();
}

Usage Cluster::usage(const std::string& name) const {
  auto it = processes_.find(name);
  return it == processes_.end() ? Usage{} : it->second->usage();
}

Status Cluster::WaitNodesReady(int count) {
  if (count < 0) count = NodeCount();
  int ready = 0;
  auto all_ready = [&] {
    auto nodes = clientset_->Nodes().List();
    if (!nodes.ok()) return false;
    ready = 0;
    for (const auto& node : nodes->items) {
      for (const auto& c : node->status().conditions()) {
        if (c.type() == "Ready" && c.status() == "True") ++ready;
      }
    }
    return ready >= count;
  };
  // A list of every node per poll: 5 ms apart for a few nodes, up to 1 s apart for thousands,
  // so that the wait itself does not load the apiserver it waits on.
  const auto period = std::chrono::milliseconds(std::clamp(count / 5, 5, 1000));
  if (PollUntil(
          all_ready, [] { return true; }, options_.ready_timeout, period))
    return Status::OK();
  return Status::Timeout(fmt::format("{} of {} nodes Ready after {} ms\n{}", ready, count,
                                     options_.ready_timeout.count(), Diagnose()));
}

// Kubernetes' identities: the admin in system:masters, the scheduler and controller-manager
// by their bootstrap users, a node's kubelet as system:node:NAME in system:nodes. A hollow
// kubelet (many nodes) is one user in the group the bootstrap policy gives the node role.
Status Cluster::EnsureCertificates() {
  if (!options_.secure) return Status::OK();
  std::vector<ClientIdentity> identities = {
      {"admin", "kubernetes-admin", {"system:masters"}},
      {"scheduler", "system:kube-scheduler", {}},
      {"controller-manager", "system:kube-controller-manager", {}}};
  for (const auto& group : options_.kubelets) {
    if (group.nodes == 1) {
      identities.push_back({"node-" + group.name, "system:node:" + group.name, {"system:nodes"}});
    } else {
      identities.push_back(
          {"node-" + group.name, "picokube:hollow-node:" + group.name, {"picokube:hollow-nodes"}});
    }
  }
  return EnsurePki(options_.dir / "pki", identities).status();
}

std::vector<std::string> Cluster::ClientTlsArgs(const std::string& file) const {
  if (!options_.secure) return {};
  const Pki pki(options_.dir / "pki");
  return {"--certificate-authority=" + pki.ca().string(),
          "--client-certificate=" + pki.cert(file).string(),
          "--client-key=" + pki.key(file).string()};
}

client::ApiCredentials Cluster::AdminCredentials() const {
  if (!options_.secure) return {};
  const Pki pki(options_.dir / "pki");
  return {pki.ca().string(), pki.cert("admin").string(), pki.key("admin").string()};
}

// kubectl's and the Python client's way in: HTTPS as kubernetes-admin, or plain HTTP.
void Cluster::WriteKubeconfig() const {
  std::string cluster = fmt::format("    server: http://127.0.0.1:{}\n", rest_port_);
  std::string user = "  user: {}\n";
  if (options_.secure) {
    const client::ApiCredentials admin = AdminCredentials();
    cluster = fmt::format("    server: https://127.0.0.1:{}\n    certificate-authority: {}\n",
                          rest_port_, admin.certificate_authority);
    user = fmt::format("  user:\n    client-certificate: {}\n    client-key: {}\n",
                       admin.client_certificate, admin.client_key);
  }
  std::ofstream(kubeconfig()) << "apiVersion: v1\nkind: Config\nclusters:\n- name: picokube\n"
                              << "  cluster:\n"
                              << cluster
                              << "contexts:\n- name: picokube\n  context:\n"
                                 "    cluster: picokube\n    user: picokube\n"
                                 "    namespace: default\n"
                                 "current-context: picokube\nusers:\n- name: picokube\n"
                              << user;
}

std::string Cluster::Diagnose() {
  std::string out;
  for (const std::string& name : components()) {
    if (Running(name)) continue;
    out += fmt::format("{} is not running; its log ends:\n{}", name, LogTail(log(name)));
  }
  return out;
}

}  // namespace pk::cluster
