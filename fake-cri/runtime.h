// The simulated runtime behind fake-cri's gRPC services: sandboxes with pod IPs, images
// pulled in simulated time, containers running simulated processes (the safe shell or an
// image's server behaviour) that write CRI-format log files, exec, probes, container events
// and the fault injection of the admin service.
//
// Every simulated duration (pull times, sleeps, annotations, stop timeouts) is multiplied by
// time_scale and driven by one timer thread on the injected clock.
//
// Thread-safe. Callbacks given to the asynchronous calls (PullImage, StopContainer, Exec,
// Subscribe) run without the runtime's lock held, on the caller's or the timer thread; they
// may call back into the runtime.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "client/clock.h"
#include "fake-cri/catalog.h"
#include "proto/cri/v1/api.pb.h"

namespace pk::fakecri {

namespace cri = ::runtime::v1;

struct RuntimeOptions {
  Catalog catalog = Catalog::Shipped();
  double time_scale = 1.0;
  uint64_t seed = 1;      // ids derive from it: the same calls give the same ids
  uint64_t boot = 0;      // and from this: a restarted runtime never reuses an id
  std::string state_dir;  // logs of containers whose sandbox has no log_directory
  const client::Clock* clock = &client::RealClock();
};

// The annotations that script a container (copied by the kubelet from the pod).
inline constexpr char kExitAfter[] = "picokube.io/exit-after";
inline constexpr char kExitCode[] = "picokube.io/exit-code";
inline constexpr char kReadyAfter[] = "picokube.io/ready-after";
inline constexpr char kOomAfter[] = "picokube.io/oom-after";
inline constexpr char kProbeFailAfter[] = "picokube.io/probe-fail-after";
inline constexpr char kPullFail[] = "picokube.io/pull-fail";

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options);
  ~Runtime();  // stops the timer; pending callbacks are dropped
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Sandboxes. Stop and Remove are idempotent (an unknown id is OK, as CRI asks).
  Result<std::string> RunPodSandbox(const cri::PodSandboxConfig& config,
                                    const std::string& runtime_handler);
  Status StopPodSandbox(const std::string& id);
  Status RemovePodSandbox(const std::string& id);
  Result<cri::PodSandboxStatus> PodSandboxStatus(const std::string& id);
  std::vector<cri::PodSandbox> ListPodSandbox(const cri::PodSandboxFilter& filter);
  Status UpdateRuntimeConfig(const std::string& pod_cidr);

  // Images. `done` gets the image id, or NotFound ("failed to pull and unpack image ...")
  // for an image the catalog does not know, or Unknown for an injected failure.
  void PullImage(const cri::PullImageRequest& request,
                 std::function<void(Result<std::string>)> done);
  std::vector<cri::Image> ListImages();
  Result<std::optional<cri::Image>> ImageStatus(const std::string& image);
  Status RemoveImage(const std::string& image);

  // Containers.
  Result<std::string> CreateContainer(const std::string& sandbox_id,
                                      const cri::ContainerConfig& config);
  Status StartContainer(const std::string& id);
  // Done once the container has exited: at once for servers that exit on SIGTERM, after
  // timeout_seconds (scaled) with exit code 137 for the rest.
  void StopContainer(const std::string& id, int64_t timeout_seconds,
                     std::function<void(Status)> done);
  Status RemoveContainer(const std::string& id);  // running: killed first; unknown: OK
  std::vector<cri::Container> ListContainers(const cri::ContainerFilter& filter);
  Result<cri::ContainerStatus> ContainerStatus(const std::string& id);
  Status ReopenContainerLog(const std::string& id);

  // Exec: runs argv through the safe shell in the container's environment. `output` gets
  // stdout/stderr as produced; `done` the exit code, or Conflict ("container is not running"),
  // or Timeout when timeout_seconds (scaled; 0: none) passes first.
  void Exec(const std::string& id, const std::vector<std::string>& argv, int64_t timeout_seconds,
            std::function<void(const std::string& out, const std::string& err)> output,
            std::function<void(Result<int>)> done);
  Result<cri::ProbeContainerResponse> ProbeContainer(const cri::ProbeContainerRequest& request);

  // Every container state change, to each subscriber, in order.
  uint64_t Subscribe(std::function<void(const cri::ContainerEventResponse&)> on_event);
  void Unsubscribe(uint64_t subscription);

  // Fault injection (the admin service). `container` is an id or namespace/pod/container.
  Result<std::string> Kill(const std::string& container, int exit_code, bool oom);
  void FailPulls(int count, const std::string& image);
  int Reboot();  // loses every sandbox, container and pulled image; returns containers lost
  std::string Dump();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk::fakecri
