// pods/log and pods/exec: the apiserver finds the pod's node, its kubelet (the node's
// InternalIP and status.daemonEndpoints.kubeletEndpoint.Port) and relays GET
// /containerLogs/NS/POD/CONTAINER with kubectl's options, as Kubernetes' LogREST does (with
// follow the answer is a stream); an exec upgrade is relayed to /exec/NS/POD/CONTAINER byte
// for byte (the kubelet speaks the WebSocket channel protocol).

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <mutex>
#include <thread>

#include "apiserver/endpoints/encode.h"
#include "apiserver/endpoints/handlers.h"
#include "apiserver/endpoints/stream.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::apiserver::handlers {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr const char* kLogOptions[] = {"follow",       "previous",   "tailLines",
                                       "sinceSeconds", "timestamps", "limitBytes"};

// The kubelet's answer, read as it comes: a header first, then the body in pieces.
struct KubeletConnection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
};

// Appends the next piece of the kubelet's body to `out`; false once the body has ended (or
// the connection failed).
bool ReadPiece(KubeletConnection& c, std::string* out) {
  if (c.parser.is_done()) return false;
  char chunk[8192];
  c.parser.get().body().data = chunk;
  c.parser.get().body().size = sizeof(chunk);
  beast::error_code ec;
  http::read_some(c.stream, c.buffer, c.parser, ec);
  out->append(chunk, sizeof(chunk) - c.parser.get().body().size);
  return !ec || ec == http::error::need_buffer;
}

// A followed log: a thread reads the kubelet's chunks and hands them to the transport.
class LogStream : public BodyStream {
 public:
  explicit LogStream(std::unique_ptr<KubeletConnection> c) : c_(std::move(c)) {}
  ~LogStream() override { Close(); }

  void Start(std::function<void()> wake) override {
    thread_ = std::thread([this, wake = std::move(wake)] {
      c_->stream.expires_never();
      for (bool more = true; more;) {
        std::string piece;
        more = ReadPiece(*c_, &piece);
        std::lock_guard lock(mu_);
        pending_ += piece;
        wake();
      }
      std::lock_guard lock(mu_);
      done_ = true;
      wake();
    });
  }
  bool Read(std::string* out) override {
    std::lock_guard lock(mu_);
    out->append(pending_);
    pending_.clear();
    return !done_;
  }
  void Close() override {
    std::call_once(closed_, [this] {
      beast::error_code ec;
      c_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      if (thread_.joinable()) thread_.join();
    });
  }

 private:
  std::unique_ptr<KubeletConnection> c_;
  std::thread thread_;
  std::once_flag closed_;
  std::mutex mu_;
  std::string pending_;  // guarded by mu_
  bool done_ = false;    // guarded by mu_
};

// An exec upgrade: the client's request goes to the kubelet as it came (path rewritten),
// then bytes flow both ways until either end closes.
class KubeletTunnel : public Tunnel {
 public:
  KubeletTunnel(tcp::endpoint kubelet, std::string request_head)
      : kubelet_(std::move(kubelet)), head_(std::move(request_head)) {}

  void Serve(int client_fd) override {
    asio::io_context io;
    tcp::socket kubelet(io);
    beast::error_code ec;
    kubelet.connect(kubelet_, ec);
    if (!ec) asio::write(kubelet, asio::buffer(head_), ec);
    if (!ec) Relay(client_fd, kubelet.native_handle());
    ::shutdown(client_fd, SHUT_RDWR);
    ::close(client_fd);
  }

 private:
  // Copies each side to the other until one ends (or an hour passes without a byte).
  static void Relay(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buffer[16384];
    while (::poll(fds, 2, 3600 * 1000) > 0) {
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(fds[i].fd, buffer, sizeof(buffer));
        if (n <= 0) return;
        for (ssize_t done = 0; done < n;) {
          ssize_t w = ::write(fds[1 - i].fd, buffer + done, size_t(n - done));
          if (w <= 0) return;
          done += w;
        }
      }
    }
  }

  const tcp::endpoint kubelet_;
  const std::string head_;
};

std::string PercentEncode(std::string_view in) {
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string ExecHead(const Request& request, const k8s::core::v1::Pod& pod,
                     const std::string& container, const tcp::endpoint& kubelet) {
  std::string head = fmt::format("GET /exec/{}/{}/{}?", pod.metadata().namespace_(),
                                 pod.metadata().name(), container);
  bool first = true;
  for (const auto& [key, value] : request.query) {
    if (key == "container") continue;
    head += fmt::format("{}{}={}", first ? "" : "&", key, PercentEncode(value));
    first = false;
  }
  head += " HTTP/1.1\r\n";
  for (const auto& [name, value] : request.headers) {
    if (name == "host" || name == "authorization") continue;
    head += fmt::format("{}: {}\r\n", name, value);
  }
  head += fmt::format("host: {}:{}\r\n\r\n", kubelet.address().to_string(), kubelet.port());
  return head;
}

// Which container: the one named, or the pod's only one (Kubernetes' wording otherwise).
Result<std::string> ContainerOf(const Request& request, const k8s::core::v1::Pod& pod) {
  std::vector<std::string> names;
  for (const auto& c : pod.spec().init_containers()) names.push_back(c.name());
  for (const auto& c : pod.spec().containers()) names.push_back(c.name());
  auto named = request.Query("container");
  if (!named || named->empty()) {
    if (pod.spec().containers_size() == 1) return pod.spec().containers(0).name();
    std::string list;
    for (const auto& c : pod.spec().containers()) list += (list.empty() ? "" : " ") + c.name();
    return Status::BadRequest(
        fmt::format("a container name must be specified for pod {}, choose one of: [{}]",
                    pod.metadata().name(), list));
  }
  if (std::find(names.begin(), names.end(), *named) == names.end()) {
    return Status::BadRequest(
        fmt::format("container {} is not valid for pod {}", *named, pod.metadata().name()));
  }
  return *named;
}

Result<tcp::endpoint> KubeletOf(const k8s::core::v1::Node& node) {
  int port = node.status().daemon_endpoints().kubelet_endpoint().port();
  std::string address;
  for (const auto& a : node.status().addresses()) {
    if (a.type() == "InternalIP") address = a.address();
  }
  beast::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (port <= 0 || ec) {
    return Status(Reason::kServiceUnavailable,
                  fmt::format("no kubelet serves node \"{}\"", node.metadata().name()));
  }
  return tcp::endpoint(ip, uint16_t(port));
}

std::string TargetOf(const Request& request, const k8s::core::v1::Pod& pod,
                     const std::string& container) {
  std::string target = fmt::format("/containerLogs/{}/{}/{}", pod.metadata().namespace_(),
                                   pod.metadata().name(), container);
  char sep = '?';
  for (const char* option : kLogOptions) {
    auto value = request.Query(option);
    if (!value) continue;
    target += fmt::format("{}{}={}", sep, option, *value);
    sep = '&';
  }
  return target;
}

// Connects, sends the request and reads the kubelet's header (bounded by 10 s).
Result<std::unique_ptr<KubeletConnection>> Dial(const tcp::endpoint& endpoint,
                                                const std::string& target) {
  auto c = std::make_unique<KubeletConnection>();
  beast::error_code ec;
  c->stream.expires_after(std::chrono::seconds(10));
  c->stream.connect(endpoint, ec);
  http::request<http::empty_body> request{http::verb::get, target, 11};
  request.set(http::field::host, endpoint.address().to_string());
  if (!ec) http::write(c->stream, request, ec);
  c->parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // logs can be long
  if (!ec) http::read_header(c->stream, c->buffer, c->parser, ec);
  if (ec) {
    return Status(Reason::kServiceUnavailable,
                  fmt::format("the kubelet at {}:{} did not answer: {}",
                              endpoint.address().to_string(), endpoint.port(), ec.message()));
  }
  return c;
}

// The rest of a short answer.
std::string ReadAll(KubeletConnection& c) {
  std::string body;
  while (ReadPiece(c, &body)) {
  }
  return body;
}

}  // namespace

Response ToKubelet(Request& request, const Registry& pods, const Registry& nodes) {
  auto object = pods.Get(request.info.ns, request.info.name);
  if (!object.ok()) return ErrorResponse(object.status());
  const auto& pod = static_cast<const k8s::core::v1::Pod&>(**object);
  if (pod.spec().node_name().empty()) {
    return ErrorResponse(Status::BadRequest(
        fmt::format("pod {} does not have a host assigned", pod.metadata().name())));
  }
  auto container = ContainerOf(request, pod);
  if (!container.ok()) return ErrorResponse(container.status());
  auto node = nodes.Get("", pod.spec().node_name());
  if (!node.ok()) return ErrorResponse(node.status());
  auto endpoint = KubeletOf(static_cast<const k8s::core::v1::Node&>(**node));
  if (!endpoint.ok()) return ErrorResponse(endpoint.status());
  if (request.info.subresource == "exec") {
    if (request.Header("upgrade").empty()) {
      return ErrorResponse(Status::BadRequest("Upgrade request required"));
    }
    Response response;
    response.tunnel =
        std::make_shared<KubeletTunnel>(*endpoint, ExecHead(request, pod, *container, *endpoint));
    return response;
  }
  auto c = Dial(*endpoint, TargetOf(request, pod, *container));
  if (!c.ok()) return ErrorResponse(c.status());
  unsigned code = (*c)->parser.get().result_int();
  Response response;
  response.content_type = "text/plain";
  if (code != 200) {
    std::string message = ReadAll(**c);
    Reason reason = code == 404 ? Reason::kNotFound : Reason::kBadRequest;
    return ErrorResponse(Status(reason, message));
  }
  if (!request.QueryBool("follow")) {
    response.body = ReadAll(**c);
    return response;
  }
  response.stream = std::make_shared<LogStream>(std::move(c).value());
  return response;
}

}  // namespace pk::apiserver::handlers
