// `kubectl exec` at the kubelet: /exec/NAMESPACE/POD/CONTAINER?command=...&stdout=true...
// upgraded to a WebSocket with Kubernetes' channel protocol (v5.channel.k8s.io, or v4):
// binary frames whose first byte is the channel (1 stdout, 2 stderr, 3 the exit status as a
// Status: Success, or Failure with reason NonZeroExitCode and the exit code as a cause), then
// a normal close. The command runs through CRI ExecSync; stdin is not read.
#pragma once

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <string>
#include <vector>

#include "apimachinery/status.h"
#include "kubelet/http_query.h"

namespace pk::kubelet {

struct ExecResult {
  std::string stdout_data, stderr_data;
  int exit_code = 0;
};
using ExecFunction = std::function<Result<ExecResult>(const std::string& ns, const std::string& pod,
                                                      const std::string& container,
                                                      const std::vector<std::string>& command)>;

// Answers one exec request on `socket` (the request already read), as described above.
void ServeExec(boost::asio::ip::tcp::socket& socket,
               const boost::beast::http::request<boost::beast::http::string_body>& request,
               const std::string& ns, const std::string& pod, const std::string& container,
               const Query& query, const ExecFunction& exec);

// The channel-3 Status for an exit code (0: Success), as the kubelet writes it.
std::string ExitStatusJson(int exit_code);

}  // namespace pk::kubelet
