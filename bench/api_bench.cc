// Request throughput and latency of the apiserver's two faces, side by side, same server.
//
// bin/apiserver launched as a process of its own (RocksDB store in a temp dir), pinned to
// CPU 0 while this client runs on the other CPUs (see ApiServerProcess), so the figures are
// the server's and not the cost of the client stacks (gRPC's client costs more CPU than a
// bare Beast client, which would otherwise count against gRPC). One Pod made from
// tests/fixtures/pod-running.json (spec + status, ~4 KB as JSON). Closed-loop clients, each
// with one request outstanding, for 1 and 64 clients (--clients):
//   get     REST: GET /api/v1/namespaces/default/pods/NAME on a keep-alive HTTP/1.1
//           connection of its own (Beast), JSON answer. gRPC: ResourceService.Get, protobuf.
//   create  a ConfigMap with a unique name (~300 bytes of data): REST POST with a JSON body,
//           gRPC Create with the typed object. Every create is a synced store write.
// Clients are driven asynchronously by ONE client thread per face (an asio io_context for
// REST, a CompletionQueue for gRPC). gRPC calls share --grpc-channels HTTP/2 connections
// (default 1). Each row runs --warmup s (not counted), then --seconds s: ops/s = requests
// completed in the window / window; p50 / p99 = latency (sent to answer read) of those
// requests in ms; "cpu us" = this process's CPU time per op in the window (the client's; the
// client's and the server's with --in-process). When it launched the apiserver, a line under
// each row gives the apiserver's CPU per op and the share of one core it used in the window:
// well under 100 % means the row was not bound by the server's CPU (but by the client, by
// latency, or by another process on the server's core).
// Last line: `api: REST get X/s, gRPC get Y/s, gRPC create Z/s` (at the last --clients count).
// Usage: api_bench [--seconds=3] [--warmup=0.5] [--clients=1,64] [--grpc-channels=1]
//                  [--ops=get,create] [--faces=rest,grpc]   (a subset, e.g. for profiling)
//                  [--in-process=true]             (the apiserver inside this process)
//                  [--rest-port=P --grpc-port=Q]   (an apiserver already running)
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

// clang-format off
#include <utility>  // before Boost 1.74's asio, which needs std::exchange
// clang-format on

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "apimachinery/codec.h"
#include "bench/bench_util.h"
#include "proto/core/v1/config.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using k8s::api::ObjectRequest;
using k8s::api::ObjectResponse;

const std::string kPodName = "bench-pod";
const std::string kData(300, 'x');

// One run's tally: requests that started after the warm-up and ended before the window
// closed. Touched only by the run's one client thread.
struct Tally {
  Clock::time_point from, to;
  double cpu_s = 0;         // this process's CPU time (user + system) in the window
  double server_cpu_s = 0;  // the launched apiserver's, in the window (0: not launched here)
  pid_t server_pid = 0;
  std::atomic<bool> stop{false};
  std::vector<double> ms;
  int64_t errors = 0;
  void Record(Clock::time_point begin, bool ok) {
    auto end = Clock::now();
    if (!ok) ++errors;
    if (begin >= from && end <= to && ok) ms.push_back(Ms(end - begin));
  }
};

struct Row {
  double ops_per_s = 0;
  double cpu_us = 0;  // process CPU per op: client + server in-process, client only with --*-port
  double server_us = 0;    // the launched apiserver's CPU per op
  double server_core = 0;  // the share of one core the launched apiserver used in the window
  Stats latency;
  int64_t errors = 0;
};

Row Finish(Tally* t) {
  Row row;
  row.errors = t->errors;
  row.ops_per_s = t->ms.size() / (Ms(t->to - t->from) / 1000);
  row.cpu_us = t->ms.empty() ? 0 : t->cpu_s * 1e6 / t->ms.size();
  row.server_us = t->ms.empty() ? 0 : t->server_cpu_s * 1e6 / t->ms.size();
  row.server_core = t->server_cpu_s / (Ms(t->to - t->from) / 1000);
  row.latency = Summarize(&t->ms);
  return row;
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return double(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

void RunWindow(Tally* t, double warmup, double seconds) {
  t->from = Clock::now() + std::chrono::milliseconds(int(warmup * 1000));
  t->to = t->from + std::chrono::milliseconds(int(seconds * 1000));
  std::this_thread::sleep_until(t->from);
  double cpu = ProcessCpuSeconds();
  double server = t->server_pid ? CpuSecondsOf(t->server_pid) : 0;
  std::this_thread::sleep_until(t->to);
  t->cpu_s = ProcessCpuSeconds() - cpu;
  t->server_cpu_s = t->server_pid ? CpuSecondsOf(t->server_pid) - server : 0;
  t->stop = true;
}

// ---- REST: one keep-alive connection per client, all on one io_context thread.
struct RestClient {
  explicit RestClient(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req;
  bhttp::response<bhttp::string_body> res;
  Clock::time_point begin;
  int id = 0;
  int64_t seq = 0;
};

Row RunRest(int port, pid_t server_pid, bool create, int clients, double warmup, double seconds) {
  asio::io_context io;
  Tally tally;
  tally.server_pid = server_pid;
  std::vector<std::unique_ptr<RestClient>> conns;
  std::function<void(RestClient*)> issue = [&](RestClient* c) {
    if (tally.stop) return;
    c->req = {};
    c->req.version(11);
    c->req.set(bhttp::field::host, "127.0.0.1");
    c->req.set(bhttp::field::accept, "application/json");
    if (create) {
      c->req.method(bhttp::verb::post);
      c->req.target("/api/v1/namespaces/default/configmaps");
      c->req.set(bhttp::field::content_type, "application/json");
      c->req.body() = fmt::format(
          R"({{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"rest-{}-{}-{}",)"
          R"("labels":{{"app":"api-bench"}}}},"data":{{"config.yaml":"{}"}}}})",
          clients, c->id, c->seq++, kData);
    } else {
      c->req.method(bhttp::verb::get);
      c->req.target("/api/v1/namespaces/default/pods/" + kPodName);
    }
    c->req.prepare_payload();
    c->begin = Clock::now();
    bhttp::async_write(c->stream, c->req, [&, c](beast::error_code ec, size_t) {
      if (ec) {
        fmt::print(stderr, "REST write: {}\n", ec.message());
        std::exit(1);
      }
      c->res = {};
      bhttp::async_read(c->stream, c->buffer, c->res, [&, c](beast::error_code ec, size_t) {
        if (ec) {
          fmt::print(stderr, "REST read: {}\n", ec.message());
          std::exit(1);
        }
        int want = create ? 201 : 200;
        if (c->res.result_int() != unsigned(want) && tally.errors == 0) {
          fmt::print(stderr, "REST {}: {}\n", c->res.result_int(), c->res.body().substr(0, 300));
        }
        tally.Record(c->begin, c->res.result_int() == unsigned(want));
        issue(c);
      });
    });
  };
  for (int i = 0; i < clients; ++i) {
    conns.push_back(std::make_unique<RestClient>(io));
    conns.back()->id = i;
    conns.back()->stream.connect({asio::ip::make_address("127.0.0.1"), uint16_t(port)});
    conns.back()->stream.socket().set_option(asio::ip::tcp::no_delay(true));
    issue(conns.back().get());
  }
  std::thread client([&] { io.run(); });  // returns once every client has stopped
  RunWindow(&tally, warmup, seconds);
  client.join();
  return Finish(&tally);
}

// ---- gRPC: unary calls on a CompletionQueue, one client thread.
struct GrpcCall {
  grpc::ClientContext context;
  ObjectResponse out;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<ObjectResponse>> rpc;
  Clock::time_point begin;
  int client = 0;
};

Row RunGrpc(const std::vector<std::unique_ptr<k8s::api::ResourceService::Stub>>& services,
            pid_t server_pid, bool create, int clients, double warmup, double seconds) {
  Tally tally;
  tally.server_pid = server_pid;
  std::vector<int64_t> seq(clients, 0);
  ObjectRequest get = RefRequest("pods", "default", kPodName);
  k8s::core::v1::ConfigMap cm;
  (*cm.mutable_metadata()->mutable_labels())["app"] = "api-bench";
  (*cm.mutable_data())["config.yaml"] = kData;
  auto start = [&](int client, grpc::CompletionQueue* cq) -> GrpcCall* {
    if (tally.stop) return nullptr;
    auto* call = new GrpcCall;
    auto* service = services[client % services.size()].get();
    call->begin = Clock::now();
    if (create) {  // the request is serialized by AsyncCreate: it need not outlive the call
      ObjectRequest in = RefRequest("configmaps", "default", "");
      cm.mutable_metadata()->set_name(fmt::format("grpc-{}-{}-{}", clients, client, seq[client]++));
      in.mutable_object()->set_type("k8s.core.v1.ConfigMap");
      cm.SerializeToString(in.mutable_object()->mutable_data());
      call->rpc = service->AsyncCreate(&call->context, in, cq);
    } else {
      call->rpc = service->AsyncGet(&call->context, get, cq);
    }
    call->rpc->Finish(&call->out, &call->status, call);
    return call;
  };
  auto done = [&](const GrpcCall& call, bool ok) {
    if (!call.status.ok() && tally.errors == 0) {
      fmt::print(stderr, "gRPC {}: {}\n", int(call.status.error_code()),
                 call.status.error_message());
    }
    tally.Record(call.begin, ok && call.status.ok());
    return true;  // until tally.stop, which `start` checks
  };
  RunCompletionQueueLoop<GrpcCall>(clients, start, done,
                                   [&] { RunWindow(&tally, warmup, seconds); });
  return Finish(&tally);
}

// The Pod to GET: the fixture's spec through create, then its status through pods/status.
void MakePod(k8s::api::ResourceService::Stub* service) {
  const char* root = std::getenv("PK_SOURCE_DIR");
  std::ifstream file(std::string(root ? root : PK_SOURCE_DIR_DEFAULT) +
                     "/tests/fixtures/pod-running.json");
  std::stringstream text;
  text << file.rdbuf();
  k8s::core::v1::Pod pod;
  if (!json::Decode(text.str(), &pod, nullptr).ok()) {
    fmt::print(stderr, "cannot read tests/fixtures/pod-running.json\n");
    std::exit(1);
  }
  k8s::core::v1::Pod spec = pod;
  auto* meta = spec.mutable_metadata();
  meta->set_name(kPodName);
  meta->clear_uid();
  meta->clear_resource_version();
  meta->clear_creation_timestamp();
  meta->clear_managed_fields();
  spec.clear_status();
  // What the controller-manager's serviceaccount controller would make: the ServiceAccount
  // admission plugin wants it before any pod (AlreadyExists when a server is reused).
  k8s::core::v1::ServiceAccount sa;
  sa.mutable_metadata()->set_name("default");
  ObjectRequest sa_in = RefRequest("serviceaccounts", "default", "");
  sa_in.mutable_object()->set_type("k8s.core.v1.ServiceAccount");
  sa.SerializeToString(sa_in.mutable_object()->mutable_data());
  ObjectResponse sa_out;
  grpc::ClientContext sa_context;
  (void)service->Create(&sa_context, sa_in, &sa_out);
  ObjectRequest in = RefRequest("pods", "default", "");
  in.mutable_object()->set_type("k8s.core.v1.Pod");
  spec.SerializeToString(in.mutable_object()->mutable_data());
  ObjectResponse out;
  grpc::ClientContext context;
  grpc::Status status = service->Create(&context, in, &out);
  if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) return;  // a server reused
  if (!status.ok()) Die("create pod", status);
  k8s::core::v1::Pod created;
  created.ParseFromString(out.object().data());
  *created.mutable_status() = pod.status();
  ObjectRequest update = RefRequest("pods", "default", kPodName);
  update.mutable_ref()->set_subresource("status");
  update.mutable_object()->set_type("k8s.core.v1.Pod");
  created.SerializeToString(update.mutable_object()->mutable_data());
  grpc::ClientContext update_context;
  status = service->Update(&update_context, update, &out);
  if (!status.ok()) Die("update pod status", status);
}

int Main(int argc, char** argv) {
  double seconds = FlagNum(argc, argv, "seconds", 3);
  double warmup = FlagNum(argc, argv, "warmup", 0.5);
  int channels = std::max(1, int(FlagNum(argc, argv, "grpc-channels", 1)));
  const std::string ops = Flag(argc, argv, "ops", "get,create");
  const std::string faces = Flag(argc, argv, "faces", "rest,grpc");
  std::vector<int> counts;
  std::stringstream list(Flag(argc, argv, "clients", "1,64"));
  for (std::string item; std::getline(list, item, ',');) counts.push_back(std::atoi(item.c_str()));

  BenchServer server(argc, argv);
  const int rest_port = server.rest_port(), grpc_port = server.grpc_port();
  std::vector<std::unique_ptr<k8s::api::ResourceService::Stub>> services;
  for (int c = 0; c < channels; ++c) {
    services.push_back(k8s::api::ResourceService::NewStub(NewChannel(grpc_port, c)));
  }
  MakePod(services[0].get());

  struct Line {
    const char* op;
    int clients;
    Row rest, grpc;
  };
  std::vector<Line> lines;
  for (int clients : counts) {
    for (bool create : {false, true}) {
      const char* op = create ? "create" : "get";
      if (ops.find(op) == std::string::npos) continue;
      Row rest, grpc;
      if (faces.find("rest") != std::string::npos) {
        fmt::print(stderr, "  {} x{}: REST ...\n", op, clients);
        rest = RunRest(rest_port, server.server_pid(), create, clients, warmup, seconds);
      }
      if (faces.find("grpc") != std::string::npos) {
        fmt::print(stderr, "  {} x{}: gRPC ...\n", op, clients);
        grpc = RunGrpc(services, server.server_pid(), create, clients, warmup, seconds);
      }
      lines.push_back({op, clients, rest, grpc});
    }
  }
  std::printf("apiserver faces: %.1f s per row, %d gRPC channel(s), 1 client thread per face; %s\n",
              seconds, channels, server.placement().c_str());
  std::printf("%-7s %7s | %9s %7s %7s %7s | %9s %7s %7s %7s | %9s\n", "op", "clients", "REST op/s",
              "p50 ms", "p99 ms", "cpu us", "gRPC op/s", "p50 ms", "p99 ms", "cpu us", "gRPC/REST");
  double rest_get = 0, grpc_get = 0, grpc_create = 0;
  Figures figures;
  for (const Line& l : lines) {
    std::printf("%-7s %7d | %9.0f %7.2f %7.2f %7.0f | %9.0f %7.2f %7.2f %7.0f | %8.2fx\n", l.op,
                l.clients, l.rest.ops_per_s, l.rest.latency.p50, l.rest.latency.p99, l.rest.cpu_us,
                l.grpc.ops_per_s, l.grpc.latency.p50, l.grpc.latency.p99, l.grpc.cpu_us,
                l.rest.ops_per_s > 0 ? l.grpc.ops_per_s / l.rest.ops_per_s : 0.0);
    if (server.server_pid() != 0) {
      std::printf(
          "        server: REST %.0f us/op, %.0f%% of a core | gRPC %.0f us/op, %.0f%% of a core\n",
          l.rest.server_us, 100 * l.rest.server_core, l.grpc.server_us, 100 * l.grpc.server_core);
    }
    if (l.rest.errors + l.grpc.errors > 0) {
      std::printf("        errors: REST %lld, gRPC %lld\n", (long long)l.rest.errors,
                  (long long)l.grpc.errors);
    }
    const std::string at = fmt::format("{}_x{}", l.op, l.clients);
    figures.Set("rest_" + at + "_per_s", l.rest.ops_per_s);
    figures.Set("rest_" + at + "_p99_ms", l.rest.latency.p99);
    figures.Set("grpc_" + at + "_per_s", l.grpc.ops_per_s);
    figures.Set("grpc_" + at + "_p99_ms", l.grpc.latency.p99);
    if (server.server_pid() != 0) {
      figures.Set("rest_" + at + "_server_us", l.rest.server_us);
      figures.Set("rest_" + at + "_server_core", l.rest.server_core);
      figures.Set("grpc_" + at + "_server_us", l.grpc.server_us);
      figures.Set("grpc_" + at + "_server_core", l.grpc.server_core);
    }
    if (l.clients == counts.back()) {
      if (std::string(l.op) == "get") {
        rest_get = l.rest.ops_per_s;
        grpc_get = l.grpc.ops_per_s;
      } else {
        grpc_create = l.grpc.ops_per_s;
      }
    }
  }
  figures.WriteIfAsked(argc, argv);
  std::printf("api: REST get %.0f/s, gRPC get %.0f/s, gRPC create %.0f/s\n", rest_get, grpc_get,
              grpc_create);
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
