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

// How often gRPC's backup poller polls the process's channels, in ms (gRPC's default: 5000).
// A connection's handshake moves on only while some thread polls its socket. Our calls fail
// fast while a channel has no connection, so after the apiserver restarts no call waits on
// the new one, and only the backup poll drives its TLS handshake and HTTP/2 preface: at 5 s
// a poll, reconnecting took 10-30 s under load and every call meanwhile failed with the old
// "Connection refused" (grpc/grpc#28866), long enough for the controllers' per-key back-off
// to grow as long again. Linking this file sets GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS
// to this before main, unless the environment already has it.
inline constexpr const char* kBackupPollIntervalMs = "100";

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
