// The gRPC channel every component opens to the apiserver. One place for how: the
// apiserver is local, so after it restarts the components reconnect within a second rather
// than after gRPC's default back-off of up to two minutes (client-go dials anew per request
// and has no such wait). Over TLS the component checks the apiserver's certificate against
// the cluster CA and shows its own client certificate: its identity (CommonName = user,
// Organizations = groups), as a Kubernetes component's kubeconfig does.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "apimachinery/status.h"

namespace pk::client {

// PEM files, named as kubectl's flags. No certificate authority: plain (insecure) gRPC.
struct ApiCredentials {
  std::string certificate_authority;  // verifies the apiserver (its SANs: localhost, 127.0.0.1)
  std::string client_certificate;     // who this component is
  std::string client_key;
  bool tls() const { return !certificate_authority.empty(); }
};

// BadRequest naming the flag of a file that cannot be read, or a certificate without key.
Status CheckApiCredentials(const ApiCredentials& credentials);

// The arguments of a channel to a server on this machine (the apiserver, a container
// runtime): after the server restarts, reconnect within a second; no message size limit.
grpc::ChannelArguments LocalChannelArguments();

// `target`: "unix:PATH" or "HOST:PORT". Files that cannot be read count as empty (check them
// first with CheckApiCredentials): the apiserver then refuses the handshake or the request.
std::shared_ptr<grpc::Channel> NewApiChannel(const std::string& target,
                                             const ApiCredentials& credentials = {});

}  // namespace pk::client
