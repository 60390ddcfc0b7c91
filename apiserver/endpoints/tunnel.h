// An upgraded connection (pods/exec): the HTTP transport hands the client's socket over and
// the tunnel relays bytes between it and the other end (the kubelet) on a thread of its own,
// until either end closes, as Kubernetes' UpgradeAwareHandler does.
#pragma once

namespace pk::apiserver {

class Tunnel {
 public:
  virtual ~Tunnel() = default;
  // Owns `client_fd` (a connected socket, nothing read past the request) and closes it.
  virtual void Serve(int client_fd) = 0;
};

}  // namespace pk::apiserver
