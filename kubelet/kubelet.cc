#include "kubelet/kubelet.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>

#include "client/channel.h"
#include "client/clientset_adapters.h"
#include "client/event_recorder.h"
#include "kubelet/node_agent.h"
#include "kubelet/pod_manager.h"
#include "kubelet/server.h"

namespace pk::kubelet {
namespace {

template <class D>
D Scaled(D d, double scale) {
  return std::chrono::duration_cast<D>(d * scale);
}

// The kubelet's events go to the apiserver through one EventRecorder.
class RecorderEvents : public PodEvents {
 public:
  explicit RecorderEvents(client::EventRecorder* recorder) : recorder_(recorder) {}
  void Record(const k8s::core::v1::Pod& pod, const std::string& field_path, const std::string& type,
              const std::string& reason, const std::string& message) override {
    recorder_->Event(pod, type, reason, message, field_path);
  }

 private:
  client::EventRecorder* recorder_;
};

}  // namespace

struct Kubelet::Impl {
  std::unique_ptr<client::Clientset> clientset;
  std::unique_ptr<RuntimeClient> runtime;
  std::unique_ptr<client::EventRecorder> recorder;
  std::unique_ptr<RecorderEvents> events;
  std::unique_ptr<NodeAgent> nodes;
  std::unique_ptr<PodManager> pods;
  std::unique_ptr<KubeletServer> server;  // after pods: it reads them
};

std::vector<NodeConfig> NodesOf(const KubeletOptions& options) {
  if (options.nodes <= 1) return {options.node};
  // The first node's range: --pod-cidr A.B.C.0/24 when given, else 10.244.0.0/24. Node i
  // takes the i-th /24 after it, counted on past 10.255.255.0/24 into 11.0.0.0/8 (a /24 for
  // each of thousands of nodes, where 10.244.0.0/14 holds 1024).
  int first = 0, a = 0, b = 0, c = 0;
  if (std::sscanf(options.node.pod_cidr.c_str(), "%d.%d.%d.0/24", &a, &b, &c) == 3 && a >= 10 &&
      a < 224 && b >= 0 && b < 256 && c >= 0 && c < 256) {
    first = std::max(0, ((a - 10) * 256 + b - 244) * 256 + c);
  }
  std::vector<NodeConfig> nodes;
  for (int i = 0; i < options.nodes; ++i) {
    NodeConfig n = options.node;
    n.name = fmt::format("{}-{}", options.node.name, i);
    const int block = 244 * 256 + first + i;  // the /24's number from 10.0.0.0
    n.pod_cidr = fmt::format("{}.{}.{}.0/24", 10 + block / 65536, block / 256 % 256, block % 256);
    nodes.push_back(std::move(n));
  }
  return nodes;
}

Result<std::unique_ptr<Kubelet>> Kubelet::Start(KubeletOptions options) {
  auto impl = std::make_unique<Impl>();
  auto channel = client::NewApiChannel(options.apiserver, options.credentials);
  impl->clientset = std::make_unique<client::Clientset>(channel, options.token);
  impl->runtime = std::make_unique<RuntimeClient>(options.cri_socket, std::chrono::seconds(10),
                                                  std::chrono::minutes(5));
  // The log server first: its port goes into each Node's daemonEndpoints.
  ServerOptions server;
  server.address = options.node.address;
  server.port = options.node.kubelet_port;
  server.log_root = options.root_dir + "/pods";
  Impl* raw = impl.get();
  server.pod = [raw](const std::string& ns,
                     const std::string& name) -> std::optional<k8s::core::v1::Pod> {
    auto pod = raw->pods ? raw->pods->Get(ns, name) : nullptr;
    if (!pod) return std::nullopt;
    return *pod;
  };
  server.exec = [raw](const std::string& ns, const std::string& name, const std::string& container,
                      const std::vector<std::string>& command) -> Result<ExecResult> {
    auto pod = raw->pods ? raw->pods->Get(ns, name) : nullptr;
    if (!pod) return Status::NotFound({"", "pods"}, name);
    std::string id;
    for (const auto& s : pod->status().container_statuses()) {
      if (s.name() == container && s.state().has_running()) id = s.container_id();
    }
    if (id.empty()) {
      return Status::BadRequest(
          fmt::format("unable to upgrade connection: container not found (\"{}\")", container));
    }
    auto out = raw->runtime->ExecSync(id.substr(id.find("://") + 3), command, 0);
    if (!out.ok()) return out.take_status();
    return ExecResult{out->stdout(), out->stderr(), out->exit_code()};
  };
  auto started = KubeletServer::Start(server);
  if (!started.ok()) return started.take_status();
  impl->server = std::move(started).value();
  options.node.kubelet_port = impl->server->port();
  std::vector<NodeConfig> nodes = NodesOf(options);
  client::EventRecorderOptions recorder;
  recorder.component = "kubelet";
  recorder.host = nodes.size() == 1 ? nodes[0].name : options.node.name;
  // A hollow kubelet speaks for each of its nodes as that node's own kubelet would: a pod's
  // Events come from the pod's node, the queue holds client-go's 1,000 for every node
  // (bounded overall), and several threads write them, as N kubelets write theirs at once.
  if (nodes.size() > 1) {
    recorder.host_of = [](const google::protobuf::Message& object) -> std::string {
      const auto* pod = dynamic_cast<const k8s::core::v1::Pod*>(&object);
      return pod ? pod->spec().node_name() : "";
    };
    recorder.queue_size = std::min<size_t>(recorder.queue_size * nodes.size(), 100'000);
    recorder.workers = std::clamp(int(nodes.size()) / 25, 1, 8);
  }
  impl->recorder =
      std::make_unique<client::EventRecorder>(recorder, client::NewEventSink(*impl->clientset));
  impl->events = std::make_unique<RecorderEvents>(impl->recorder.get());

  const double scale = options.time_scale;
  NodeAgentOptions node_options;
  node_options.renew_interval = Scaled(node_options.renew_interval, scale);
  node_options.status_interval = Scaled(node_options.status_interval, scale);
  impl->nodes =
      std::make_unique<NodeAgent>(*impl->clientset, impl->runtime.get(), nodes, node_options);
  PK_RETURN_IF_ERROR(impl->nodes->Register());
  impl->nodes->Start();

  PodManagerOptions pod_options;
  for (const auto& n : nodes) {
    pod_options.nodes.push_back(n.name);
    pod_options.pod_cidrs[n.name] = n.pod_cidr;
  }
  pod_options.log_root = options.root_dir + "/pods";
  pod_options.host_ip = options.node.address;
  pod_options.workers =
      options.workers > 0 ? options.workers : std::clamp(4 * int(nodes.size()), 4, 32);
  pod_options.relist_period = Scaled(pod_options.relist_period, scale);
  pod_options.crash_backoff_initial = Scaled(pod_options.crash_backoff_initial, scale);
  pod_options.crash_backoff_max = Scaled(pod_options.crash_backoff_max, scale);
  pod_options.probe_time_scale = scale;
  impl->pods = std::make_unique<PodManager>(*impl->clientset, impl->runtime.get(),
                                            impl->events.get(), pod_options);
  impl->pods->Start(std::chrono::seconds(30));
  return std::unique_ptr<Kubelet>(new Kubelet(std::move(impl)));
}

Kubelet::Kubelet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Kubelet::~Kubelet() {
  impl_->server.reset();
  impl_->pods->Stop();
  impl_->nodes->Stop();
}

}  // namespace pk::kubelet
