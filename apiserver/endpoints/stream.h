// A response body produced over time (a watch, a followed log): the transport writes what it
// reads as it becomes available (HTTP chunks, gRPC stream messages) until the stream ends.
#pragma once

#include <functional>
#include <string>

namespace pk::apiserver {

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Called once, before the first Read. `wake` is thread-safe and non-blocking; the stream
  // calls it whenever new data may be available or the stream has ended.
  virtual void Start(std::function<void()> wake) = 0;
  // Appends what is available now to `out`; returns false once the stream has ended (after
  // appending its last bytes). Never blocks.
  virtual bool Read(std::string* out) = 0;
  // The client went away, the stream timed out or the server stops: release what the stream
  // holds; `wake` is not called after Close returns. Idempotent.
  virtual void Close() = 0;
};

}  // namespace pk::apiserver
