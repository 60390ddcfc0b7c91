// fake-cri: a simulated container runtime serving the CRI-shaped RuntimeService and
// ImageService of proto/cri/v1/api.proto, and the AdminService of admin.proto (fault
// injection), on one unix socket. Containers are simulated processes; nothing runs on the
// host. See fake-cri/README.md for the behaviours, the image catalog and the annotations.
//
// The kubelet's tests start one in-process (options.socket_path = dir + "/cri.sock",
// options.time_scale = 0.01; FakeCri::Start(options)) and dial unix:<socket_path> with the
// generated clients of proto/cri/v1.
//
// Thread-safe; every RPC is served without a thread per waiting call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "apimachinery/status.h"

namespace pk::fakecri {

struct Options {
  std::string socket_path;
  std::string catalog_path;  // "" = the shipped defaults (images.yaml) compiled in
  // Multiplies every simulated duration: pull times, sleeps, exit-after, stop timeouts...
  // 0.01 makes tests fast. Injected latency (AdminService.SetLatency) is not scaled.
  double time_scale = 1.0;
  uint64_t seed = 1;  // ids derive from it
  // Container logs go under the sandbox's log_directory from the kubelet; state_dir holds the
  // rest (logs of sandboxes without one). "" = a temporary directory removed on stop.
  std::string state_dir;
};

class FakeCri {
 public:
  // Serves on options.socket_path (an existing socket file is replaced). BadRequest for a
  // bad catalog, time scale or missing socket path; InternalError when it cannot serve.
  static Result<std::unique_ptr<FakeCri>> Start(const Options& options);
  ~FakeCri();  // stops serving: calls in flight end with UNAVAILABLE, containers are lost
  FakeCri(const FakeCri&) = delete;
  FakeCri& operator=(const FakeCri&) = delete;

  const std::string& socket_path() const;

  struct State;

 private:
  explicit FakeCri(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace pk::fakecri
