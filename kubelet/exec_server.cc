#include "kubelet/exec_server.h"

#include <fmt/format.h>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

namespace pk::kubelet {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

namespace {

// client-go's WebSocket executor (kubectl exec) starts reading the connection before it has
// made its streams, and drops a frame for a stream it has not made yet ("Unknown stream id 1,
// discarding message"). A real command's first output comes milliseconds after the upgrade
// (the runtime starts the process first); a scripted one would come at once, so the first
// frame waits this long after the upgrade.
constexpr auto kFirstFrameDelay = std::chrono::milliseconds(50);

// The newest channel protocol the client offers that we speak.
std::string ChooseProtocol(std::string_view offered) {
  for (const char* p : {"v5.channel.k8s.io", "v4.channel.k8s.io"}) {
    if (offered.find(p) != std::string_view::npos) return p;
  }
  return "";
}

std::string FailureJson(const std::string& message) {
  return nlohmann::json{{"metadata", nlohmann::json::object()},
                        {"status", "Failure"},
                        {"message", message},
                        {"reason", "InternalError"},
                        {"code", 500}}
      .dump();
}

}  // namespace

std::string ExitStatusJson(int exit_code) {
  if (exit_code == 0) return R"({"metadata":{},"status":"Success"})";
  return nlohmann::json{
      {"metadata", nlohmann::json::object()},
      {"status", "Failure"},
      {"message",
       fmt::format("command terminated with non-zero exit code: exit status {}", exit_code)},
      {"reason", "NonZeroExitCode"},
      {"details",
       {{"causes", nlohmann::json::array(
                       {{{"reason", "ExitCode"}, {"message", std::to_string(exit_code)}}})}}}}
      .dump();
}

void ServeExec(boost::asio::ip::tcp::socket& socket,
               const http::request<http::string_body>& request, const std::string& ns,
               const std::string& pod, const std::string& container, const Query& query,
               const ExecFunction& exec) {
  boost::beast::error_code ec;
  websocket::stream<boost::asio::ip::tcp::socket&> ws(socket);
  std::string protocol = ChooseProtocol(std::string(request[http::field::sec_websocket_protocol]));
  ws.set_option(websocket::stream_base::decorator([protocol](websocket::response_type& response) {
    if (!protocol.empty()) response.set(http::field::sec_websocket_protocol, protocol);
  }));
  ws.accept(request, ec);
  if (ec) return;
  const auto first_frame_at = std::chrono::steady_clock::now() + kFirstFrameDelay;
  ws.binary(true);
  auto send = [&](char channel, const std::string& data) {
    if (data.empty() && channel != 3) return;
    std::this_thread::sleep_until(first_frame_at);  // a no-op once it has passed
    std::string frame(1, channel);
    frame += data;
    ws.write(boost::asio::buffer(frame), ec);
  };
  std::vector<std::string> command = All(query, "command");
  auto result = command.empty()
                    ? Result<ExecResult>(Status::BadRequest("you must specify at least 1 command"))
                    : exec(ns, pod, container, command);
  if (!result.ok()) {
    send(3, FailureJson(result.status().message()));
  } else {
    if (Flag(query, "stdout")) send(1, result->stdout_data);
    if (Flag(query, "stderr")) send(2, result->stderr_data);
    send(3, ExitStatusJson(result->exit_code));
  }
  ws.close(websocket::close_code::normal, ec);
}

}  // namespace pk::kubelet
