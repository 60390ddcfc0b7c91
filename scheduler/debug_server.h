// A small HTTP/1.1 server on loopback for the scheduler's debug endpoints (Boost.Beast):
// GET requests only, one thread for accepting and answering (the answers are in memory).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "apimachinery/status.h"

namespace pk::scheduler {

struct DebugResponse {
  int code = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};
// target: the request target ("/explain/default/nginx?format=json").
using DebugHandler = std::function<DebugResponse(const std::string& target)>;

class DebugServer {
 public:
  // Listens on 127.0.0.1:`port` (0: any free port).
  static Result<std::unique_ptr<DebugServer>> Start(int port, DebugHandler handler);
  ~DebugServer();
  int port() const;

  struct Impl;

 private:
  explicit DebugServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pk::scheduler
