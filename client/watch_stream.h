// Internal to client/: the gRPC watch stream behind ResourceClient::Watch. A reader thread
// drains the server stream into a queue so Next(timeout) can wait with a deadline.
#pragma once

#include <functional>
#include <memory>

#include "client/resource_client.h"

namespace pk::client {

// A watch stream that can also be read on the consumer's own thread (the gRPC one), which
// spares a thread hand-off per event. A stream is read either through Next or through
// NextUntil, not both.
class DirectWatch {
 public:
  virtual ~DirectWatch() = default;
  // The next event, waiting as long as it takes; nullopt once the stream is done, or when
  // `stopped()` is true before a read. Stop unblocks a read in progress.
  virtual std::optional<RawEvent> NextUntil(const std::function<bool()>& stopped) = 0;
};

using ObjectParser = std::function<Result<ObjectPtr>(const k8s::api::Object&)>;

// Starts Watch(`request`) on `connection` with `context` (credentials already added).
std::unique_ptr<WatchStream> StartGrpcWatch(std::shared_ptr<const Connection> connection,
                                            std::unique_ptr<grpc::ClientContext> context,
                                            const k8s::api::ObjectRequest& request,
                                            ObjectParser parse);

}  // namespace pk::client
