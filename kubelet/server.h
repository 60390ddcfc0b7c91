// The kubelet's HTTP server (Kubernetes' kubelet server on port 10250), which the apiserver
// relays pods/log and pods/exec to: GET /containerLogs/NAMESPACE/POD/CONTAINER with kubectl's
// options (follow, previous, tailLines, sinceSeconds, timestamps, limitBytes), answered from
// the CRI log files; /exec/NAMESPACE/POD/CONTAINER as a WebSocket (exec_server.h). Listens on
// loopback only; one thread per connection (log requests are few).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "apimachinery/status.h"
#include "kubelet/exec_server.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::kubelet {

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::string log_root;
  // The pod NAMESPACE/NAME as the kubelet knows it, or nullopt.
  std::function<std::optional<k8s::core::v1::Pod>(const std::string& ns, const std::string& name)>
      pod;
  // Runs `command` in the container (for /exec/NAMESPACE/POD/CONTAINER), or null for none.
  ExecFunction exec;
};

class KubeletServer {
 public:
  static Result<std::unique_ptr<KubeletServer>> Start(ServerOptions options);
  ~KubeletServer();  // closes every connection and joins its thread
  int port() const;

  struct Impl;

 private:
  explicit KubeletServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk::kubelet
