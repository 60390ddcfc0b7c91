// The one line each component's main() adds to record its spans:
//   pk::trace::GlobalRecorder recorder(options.apiserver, "scheduler", options.token, enabled);
// While it lives, trace::Global() sends this process's spans to the apiserver at `target`
// (unix:PATH or HOST:PORT, the component's own API address) over a channel of its own.
#pragma once

#include <memory>
#include <string>

#include "trace/trace.h"

namespace pk::trace {

class GlobalRecorder {
 public:
  // Disabled (Global() stays a no-op) when `enabled` is false or `target` is empty.
  GlobalRecorder(const std::string& target, std::string component, std::string token,
                 bool enabled = true);
  ~GlobalRecorder();  // uninstalls, then sends what is buffered
  GlobalRecorder(const GlobalRecorder&) = delete;
  GlobalRecorder& operator=(const GlobalRecorder&) = delete;

 private:
  std::unique_ptr<Recorder> recorder_;
};

}  // namespace pk::trace
