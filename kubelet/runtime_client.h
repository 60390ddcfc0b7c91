// The kubelet's side of CRI (proto/cri/v1/api.proto): typed calls with Status errors, and the
// runtime's view of every pod rebuilt from the labels the kubelet puts on sandboxes and
// containers (so a restarted kubelet adopts what is running, as Kubernetes' does).
//
// Thread-safety: every method from any thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "apimachinery/status.h"
#include "kubelet/runtime_state.h"
#include "proto/core/v1/pod.pb.h"
#include "proto/cri/v1/api.grpc.pb.h"

namespace pk::kubelet {

// Labels the kubelet writes on CRI objects (Kubernetes' names).
inline constexpr const char* kPodNameLabel = "io.kubernetes.pod.name";
inline constexpr const char* kPodNamespaceLabel = "io.kubernetes.pod.namespace";
inline constexpr const char* kPodUidLabel = "io.kubernetes.pod.uid";
inline constexpr const char* kContainerNameLabel = "io.kubernetes.container.name";
inline constexpr const char* kNodeNameLabel = "picokube.io/node";  // hollow nodes share a runtime

struct SandboxSpec {
  const k8s::core::v1::Pod* pod = nullptr;
  std::string node_name;
  uint32_t attempt = 0;
  std::string log_directory;
  std::string pod_cidr;
};

// A Status for a failed CRI call: "WHAT: the runtime's message" (the message alone when
// `what` is null), NotFound and ServiceUnavailable kept.
Status RuntimeError(const char* what, const grpc::Status& status);

class RuntimeClient {
 public:
  // A client of the runtime listening on unix socket `socket_path`; every call is bounded by
  // `timeout` (pulls by `pull_timeout`).
  RuntimeClient(const std::string& socket_path, std::chrono::milliseconds timeout,
                std::chrono::milliseconds pull_timeout);

  Result<runtime::v1::VersionResponse> Version() const;

  // The runtime's view of every pod of `node_name` ("" every node), or of the one pod `uid`,
  // by pod uid. Container statuses are asked for only for instances that are new or changed
  // state since they were last seen.
  Result<std::map<std::string, PodRuntimeState>> ListPods(const std::string& node_name,
                                                          const std::string& uid = "");

  Result<std::string> RunSandbox(const SandboxSpec& spec) const;  // the sandbox id
  Status StopSandbox(const std::string& id) const;
  Status RemoveSandbox(const std::string& id) const;

  // Whether `image` is present (its id), and pulling it (its id and size).
  Result<std::optional<runtime::v1::Image>> ImageStatus(const std::string& image) const;
  Result<runtime::v1::Image> PullImage(const std::string& image, const SandboxSpec& sandbox) const;

  // Creates instance `attempt` of `container` in the sandbox; its log goes to
  // LOG_DIRECTORY/NAME/ATTEMPT.log. Returns the container id.
  Result<std::string> CreateContainer(const std::string& sandbox_id, const SandboxSpec& sandbox,
                                      const k8s::core::v1::Container& container,
                                      uint32_t attempt) const;
  Status StartContainer(const std::string& id) const;
  Status StopContainer(const std::string& id, int64_t grace_seconds) const;
  Status RemoveContainer(const std::string& id) const;

  Result<runtime::v1::ExecSyncResponse> ExecSync(const std::string& id,
                                                 const std::vector<std::string>& cmd,
                                                 int64_t timeout_seconds) const;
  Result<runtime::v1::ProbeContainerResponse> Probe(
      const runtime::v1::ProbeContainerRequest& request) const;
  Result<runtime::v1::ContainerStatus> ContainerStatus(const std::string& id) const;

  runtime::v1::RuntimeService::Stub& runtime() const { return *runtime_; }

 private:
  // One unary call, bounded by `timeout` (zero: the client's); a failure is RuntimeError.
  template <class Stub, class In, class Out>
  Status Call(Stub& service, grpc::Status (Stub::*method)(grpc::ClientContext*, const In&, Out*),
              const char* what, const In& in, Out* out,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         (timeout.count() > 0 ? timeout : timeout_));
    grpc::Status s = (service.*method)(&context, in, out);
    return s.ok() ? Status::OK() : RuntimeError(what, s);
  }

  const std::chrono::milliseconds timeout_, pull_timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<runtime::v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<runtime::v1::ImageService::Stub> images_;
  std::mutex mu_;
  std::string SandboxIp(const std::string& id);

  std::map<std::string, ContainerInstance> known_;  // by container id; guarded by mu_
  std::map<std::string, std::string> sandbox_ips_;  // by sandbox id; guarded by mu_
};

}  // namespace pk::kubelet
