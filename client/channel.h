// The gRPC channel every component opens to the apiserver. One place for how: the
// apiserver is local, so after it restarts the components reconnect within a second rather
// than after gRPC's default back-off of up to two minutes (client-go dials anew per request
// and has no such wait).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace pk::client {

// `target`: "unix:PATH" or "HOST:PORT".
std::shared_ptr<grpc::Channel> NewApiChannel(const std::string& target);

}  // namespace pk::client
