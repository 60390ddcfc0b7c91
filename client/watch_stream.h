// Internal to client/: the gRPC watch stream behind ResourceClient::Watch. A reader thread
// drains the server stream into a queue so Next(timeout) can wait with a deadline.
#pragma once

#include <functional>
#include <memory>

#include "client/resource_client.h"

namespace pk::client {

using ObjectParser = std::function<Result<ObjectPtr>(const k8s::api::Object&)>;

// Starts Watch(`request`) on `connection` with `context` (credentials already added).
std::unique_ptr<WatchStream> StartGrpcWatch(std::shared_ptr<const Connection> connection,
                                            std::unique_ptr<grpc::ClientContext> context,
                                            const k8s::api::ObjectRequest& request,
                                            ObjectParser parse);

}  // namespace pk::client
