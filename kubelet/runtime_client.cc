#include "kubelet/runtime_client.h"

#include <fmt/format.h>

#include <set>

#include "client/channel.h"

namespace pk::kubelet {
namespace {

namespace cri = runtime::v1;
using State = ContainerInstance::State;

State StateOf(cri::ContainerState s) {
  switch (s) {
    case cri::CONTAINER_CREATED:
      return State::kCreated;
    case cri::CONTAINER_RUNNING:
      return State::kRunning;
    case cri::CONTAINER_EXITED:
      return State::kExited;
    default:
      return State::kUnknown;
  }
}

std::string LabelOf(const google::protobuf::Map<std::string, std::string>& labels,
                    const char* key) {
  auto it = labels.find(key);
  return it == labels.end() ? "" : it->second;
}

ContainerInstance InstanceOf(const cri::ContainerStatus& s, const std::string& name) {
  ContainerInstance c;
  c.id = s.id();
  c.name = name;
  c.attempt = s.metadata().attempt();
  c.state = StateOf(s.state());
  c.exit_code = s.exit_code();
  c.reason = s.reason();
  c.message = s.message();
  c.created_at = s.created_at();
  c.started_at = s.started_at();
  c.finished_at = s.finished_at();
  c.image = s.image().image();
  c.image_ref = s.image_ref();
  return c;
}

void Label(const SandboxSpec& spec, google::protobuf::Map<std::string, std::string>* labels) {
  const auto& meta = spec.pod->metadata();
  (*labels)[kPodNameLabel] = meta.name();
  (*labels)[kPodNamespaceLabel] = meta.namespace_();
  (*labels)[kPodUidLabel] = meta.uid();
  (*labels)[kNodeNameLabel] = spec.node_name;
}

cri::PodSandboxConfig SandboxConfig(const SandboxSpec& spec) {
  cri::PodSandboxConfig config;
  const auto& meta = spec.pod->metadata();
  config.mutable_metadata()->set_name(meta.name());
  config.mutable_metadata()->set_namespace_(meta.namespace_());
  config.mutable_metadata()->set_uid(meta.uid());
  config.mutable_metadata()->set_attempt(spec.attempt);
  config.set_hostname(spec.pod->spec().hostname().empty() ? meta.name()
                                                          : spec.pod->spec().hostname());
  config.set_log_directory(spec.log_directory);
  config.set_pod_cidr(spec.pod_cidr);
  Label(spec, config.mutable_labels());
  for (const auto& [k, v] : meta.annotations()) (*config.mutable_annotations())[k] = v;
  return config;
}

cri::ContainerConfig ContainerConfig(const SandboxSpec& sandbox,
                                     const k8s::core::v1::Container& container, uint32_t attempt) {
  cri::ContainerConfig config;
  config.mutable_metadata()->set_name(container.name());
  config.mutable_metadata()->set_attempt(attempt);
  config.mutable_image()->set_image(container.image());
  for (const auto& c : container.command()) config.add_command(c);
  for (const auto& a : container.args()) config.add_args(a);
  config.set_working_dir(container.working_dir());
  for (const auto& e : container.env()) {
    auto* kv = config.add_envs();
    kv->set_key(e.name());
    kv->set_value(e.value());
  }
  Label(sandbox, config.mutable_labels());
  (*config.mutable_labels())[kContainerNameLabel] = container.name();
  for (const auto& [k, v] : sandbox.pod->metadata().annotations()) {
    (*config.mutable_annotations())[k] = v;
  }
  config.set_log_path(fmt::format("{}/{}.log", container.name(), attempt));
  config.set_stdin(container.stdin());
  config.set_tty(container.tty());
  return config;
}

using RuntimeStub = cri::RuntimeService::Stub;
using ImageStub = cri::ImageService::Stub;

// The runtime is local: after it restarts (a node reboot) reconnect within a second, not
// after gRPC's default back-off of up to two minutes.
std::shared_ptr<grpc::Channel> Dial(const std::string& socket_path) {
  return grpc::CreateCustomChannel("unix:" + socket_path, grpc::InsecureChannelCredentials(),
                                   client::LocalChannelArguments());
}

}  // namespace

Status RuntimeError(const char* what, const grpc::Status& status) {
  Reason reason = status.error_code() == grpc::StatusCode::NOT_FOUND ? Reason::kNotFound
                  : status.error_code() == grpc::StatusCode::UNAVAILABLE
                      ? Reason::kServiceUnavailable
                      : Reason::kInternalError;
  if (what == nullptr) return Status(reason, status.error_message());
  return Status(reason, fmt::format("{}: {}", what, status.error_message()));
}

RuntimeClient::RuntimeClient(const std::string& socket_path, std::chrono::milliseconds timeout,
                             std::chrono::milliseconds pull_timeout)
    : timeout_(timeout),
      pull_timeout_(pull_timeout),
      channel_(Dial(socket_path)),
      runtime_(cri::RuntimeService::NewStub(channel_)),
      images_(cri::ImageService::NewStub(channel_)) {}

Result<cri::VersionResponse> RuntimeClient::Version() const {
  cri::VersionRequest in;
  in.set_version("v1");
  cri::VersionResponse out;
  PK_RETURN_IF_ERROR(Call(*runtime_, &RuntimeStub::Version, "Version", in, &out));
  return out;
}

Result<std::map<std::string, PodRuntimeState>> RuntimeClient::ListPods(const std::string& node_name,
                                                                       const std::string& uid) {
  cri::ListPodSandboxRequest sandboxes_in;
  cri::ListContainersRequest containers_in;
  auto& sandbox_labels = *sandboxes_in.mutable_filter()->mutable_label_selector();
  auto& container_labels = *containers_in.mutable_filter()->mutable_label_selector();
  if (!node_name.empty())
    sandbox_labels[kNodeNameLabel] = container_labels[kNodeNameLabel] = node_name;
  if (!uid.empty()) sandbox_labels[kPodUidLabel] = container_labels[kPodUidLabel] = uid;
  cri::ListPodSandboxResponse sandboxes;
  PK_RETURN_IF_ERROR(
      Call(*runtime_, &RuntimeStub::ListPodSandbox, "ListPodSandbox", sandboxes_in, &sandboxes));
  cri::ListContainersResponse containers;
  PK_RETURN_IF_ERROR(
      Call(*runtime_, &RuntimeStub::ListContainers, "ListContainers", containers_in, &containers));

  std::map<std::string, PodRuntimeState> pods;
  std::map<std::string, int64_t> newest;  // created_at of the chosen sandbox, by uid
  for (const auto& sb : sandboxes.items()) {
    const std::string& pod_uid = sb.metadata().uid();
    if (newest.count(pod_uid) && newest[pod_uid] > sb.created_at()) continue;
    newest[pod_uid] = sb.created_at();
    PodRuntimeState& pod = pods[pod_uid];
    pod.sandbox_id = sb.id();
    pod.sandbox_ready = sb.state() == cri::SANDBOX_READY;
    pod.sandbox_attempt = sb.metadata().attempt();
    pod.ip = SandboxIp(sb.id());
  }
  std::lock_guard lock(mu_);
  if (uid.empty()) {  // a relist: forget the IPs of sandboxes it did not see (a cache only)
    std::set<std::string> listed;
    for (const auto& sb : sandboxes.items()) listed.insert(sb.id());
    std::erase_if(sandbox_ips_, [&](const auto& e) { return !listed.count(e.first); });
  }
  std::map<std::string, ContainerInstance> seen;  // what this listing covers, as it is now
  for (const auto& c : containers.containers()) {
    std::string pod_uid = LabelOf(c.labels(), kPodUidLabel);
    std::string name = LabelOf(c.labels(), kContainerNameLabel);
    if (pod_uid.empty() || name.empty()) continue;  // not the kubelet's
    auto known = known_.find(c.id());
    if (known == known_.end() || known->second.state != StateOf(c.state())) {
      auto status = ContainerStatus(c.id());
      if (!status.ok()) continue;  // removed meanwhile
      seen[c.id()] = InstanceOf(*status, name);
      seen[c.id()].pod_uid = pod_uid;
      seen[c.id()].node = LabelOf(c.labels(), kNodeNameLabel);
    } else {
      seen[c.id()] = known->second;
    }
    pods[pod_uid].containers.push_back(seen[c.id()]);
  }
  // A partial listing keeps what it did not cover; edited in place, as a copy of every
  // known container per pod sync would cost O(containers of the process).
  std::erase_if(known_, [&](const auto& e) {
    return (uid.empty() || e.second.pod_uid == uid) &&
           (node_name.empty() || e.second.node == node_name);
  });
  for (auto& [id, c] : seen) known_.insert_or_assign(id, std::move(c));
  return pods;
}

// A sandbox keeps its IP for life: asked for once (PodSandboxStatus), then remembered.
std::string RuntimeClient::SandboxIp(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    auto known = sandbox_ips_.find(id);
    if (known != sandbox_ips_.end()) return known->second;
  }
  cri::PodSandboxStatusRequest in;
  in.set_pod_sandbox_id(id);
  cri::PodSandboxStatusResponse out;
  if (!Call(*runtime_, &RuntimeStub::PodSandboxStatus, "", in, &out).ok()) return "";
  std::lock_guard lock(mu_);
  return sandbox_ips_[id] = out.status().network().ip();
}

Result<std::string> RuntimeClient::RunSandbox(const SandboxSpec& spec) const {
  cri::RunPodSandboxRequest in;
  *in.mutable_config() = SandboxConfig(spec);
  cri::RunPodSandboxResponse out;
  PK_RETURN_IF_ERROR(Call(*runtime_, &RuntimeStub::RunPodSandbox, "RunPodSandbox", in, &out));
  return out.pod_sandbox_id();
}

Status RuntimeClient::StopSandbox(const std::string& id) const {
  cri::StopPodSandboxRequest in;
  in.set_pod_sandbox_id(id);
  cri::StopPodSandboxResponse out;
  return Call(*runtime_, &RuntimeStub::StopPodSandbox, "StopPodSandbox", in, &out);
}

Status RuntimeClient::RemoveSandbox(const std::string& id) const {
  cri::RemovePodSandboxRequest in;
  in.set_pod_sandbox_id(id);
  cri::RemovePodSandboxResponse out;
  return Call(*runtime_, &RuntimeStub::RemovePodSandbox, "RemovePodSandbox", in, &out);
}

Result<std::optional<cri::Image>> RuntimeClient::ImageStatus(const std::string& image) const {
  cri::ImageStatusRequest in;
  in.mutable_image()->set_image(image);
  cri::ImageStatusResponse out;
  PK_RETURN_IF_ERROR(Call(*images_, &ImageStub::ImageStatus, "ImageStatus", in, &out));
  if (!out.has_image()) return std::optional<cri::Image>();
  return std::optional<cri::Image>(out.image());
}

Result<cri::Image> RuntimeClient::PullImage(const std::string& image,
                                            const SandboxSpec& sandbox) const {
  cri::PullImageRequest in;
  in.mutable_image()->set_image(image);
  *in.mutable_sandbox_config() = SandboxConfig(sandbox);
  cri::PullImageResponse out;
  // The kubelet shows the runtime's own words: "failed to pull and unpack image ...".
  PK_RETURN_IF_ERROR(Call(*images_, &ImageStub::PullImage, nullptr, in, &out, pull_timeout_));
  auto status = ImageStatus(image);
  if (!status.ok()) return status.take_status();
  if (status->has_value()) return **status;
  cri::Image found;
  found.set_id(out.image_ref());
  return found;
}

Result<std::string> RuntimeClient::CreateContainer(const std::string& sandbox_id,
                                                   const SandboxSpec& sandbox,
                                                   const k8s::core::v1::Container& container,
                                                   uint32_t attempt) const {
  cri::CreateContainerRequest in;
  in.set_pod_sandbox_id(sandbox_id);
  *in.mutable_sandbox_config() = SandboxConfig(sandbox);
  *in.mutable_config() = ContainerConfig(sandbox, container, attempt);
  cri::CreateContainerResponse out;
  PK_RETURN_IF_ERROR(Call(*runtime_, &RuntimeStub::CreateContainer, "CreateContainer", in, &out));
  return out.container_id();
}

Status RuntimeClient::StartContainer(const std::string& id) const {
  cri::StartContainerRequest in;
  in.set_container_id(id);
  cri::StartContainerResponse out;
  return Call(*runtime_, &RuntimeStub::StartContainer, "StartContainer", in, &out);
}

Status RuntimeClient::StopContainer(const std::string& id, int64_t grace_seconds) const {
  cri::StopContainerRequest in;
  in.set_container_id(id);
  in.set_timeout(grace_seconds);
  cri::StopContainerResponse out;
  return Call(*runtime_, &RuntimeStub::StopContainer, "StopContainer", in, &out,
              timeout_ + std::chrono::seconds(std::max<int64_t>(grace_seconds, 0)));
}

Status RuntimeClient::RemoveContainer(const std::string& id) const {
  cri::RemoveContainerRequest in;
  in.set_container_id(id);
  cri::RemoveContainerResponse out;
  return Call(*runtime_, &RuntimeStub::RemoveContainer, "RemoveContainer", in, &out);
}

Result<cri::ExecSyncResponse> RuntimeClient::ExecSync(const std::string& id,
                                                      const std::vector<std::string>& cmd,
                                                      int64_t timeout_seconds) const {
  cri::ExecSyncRequest in;
  in.set_container_id(id);
  for (const auto& c : cmd) in.add_cmd(c);
  in.set_timeout(timeout_seconds);
  cri::ExecSyncResponse out;
  PK_RETURN_IF_ERROR(Call(*runtime_, &RuntimeStub::ExecSync, "ExecSync", in, &out,
                          timeout_ + std::chrono::seconds(std::max<int64_t>(timeout_seconds, 0))));
  return out;
}

Result<cri::ProbeContainerResponse> RuntimeClient::Probe(
    const cri::ProbeContainerRequest& request) const {
  cri::ProbeContainerResponse out;
  PK_RETURN_IF_ERROR(
      Call(*runtime_, &RuntimeStub::ProbeContainer, "ProbeContainer", request, &out));
  return out;
}

Result<cri::ContainerStatus> RuntimeClient::ContainerStatus(const std::string& id) const {
  cri::ContainerStatusRequest in;
  in.set_container_id(id);
  cri::ContainerStatusResponse out;
  PK_RETURN_IF_ERROR(Call(*runtime_, &RuntimeStub::ContainerStatus, "ContainerStatus", in, &out));
  return out.status();
}

}  // namespace pk::kubelet
