// The one line each component's main() adds to record its spans:
//   pk::trace::GlobalRecorder recorder(client::NewApiChannel(target, credentials), "scheduler",
//                                      options.token, enabled);
// While it lives, trace::Global() sends this process's spans to the apiserver over
// `channel` (the component's own kind of API channel: same TLS identity).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "trace/trace.h"

namespace pk::trace {

class GlobalRecorder {
 public:
  // Disabled (Global() stays a no-op) when `enabled` is false or `channel` is null.
  GlobalRecorder(std::shared_ptr<grpc::Channel> channel, std::string component, std::string token,
                 bool enabled = true);
  ~GlobalRecorder();  // uninstalls, then sends what is buffered
  GlobalRecorder(const GlobalRecorder&) = delete;
  GlobalRecorder& operator=(const GlobalRecorder&) = delete;

 private:
  std::unique_ptr<Recorder> recorder_;
};

}  // namespace pk::trace
