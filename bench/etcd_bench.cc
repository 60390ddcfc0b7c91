// etcd as the reference for the apiserver's durable creates/s: etcd's own gRPC KV API on the
// same machine, same disk, same value size, in the same run as raw RocksDB synced writes and
// the apiserver's gRPC create.
//
// /usr/bin/etcd (Debian's etcd-server, 3.4) is started for the run in a temp dir: one member,
// client and peer URLs on free loopback ports, etcd's default durability (its WAL is fsync'd
// before a write is answered). bin/apiserver is started as api_bench starts it. On a machine
// with 2 or more CPUs both servers are pinned to CPU 0 and this client to the others (so each
// server gets one core; Go sizes GOMAXPROCS from the affinity). Closed-loop rows like
// api_bench's: 1 and 64 clients (--clients), each with one request outstanding, driven by ONE
// client thread on a gRPC CompletionQueue, over --channels HTTP/2 connections per server
// (default 1, as api_bench's gRPC rows and as an etcd client has one connection):
//   etcd put                KV.Put of a unique key ("/registry/configmaps/default/NAME", as
//                           Kubernetes keys etcd) with a value of --value-bytes
//   etcd get (linearizable) KV.Range of one existing key, serializable=false (etcd's default;
//                           a ReadIndex round through the leader, like a quorum read)
//   etcd get (serializable) the same, served from the member's local state
//   apiserver gRPC create   api_bench's gRPC create row: a ConfigMap with 300 bytes of data
//   raw RocksDB synced put  threads (as many as clients) doing synced Puts of the value into
//                           a fresh RocksDB with the store's options, on CPU 0 (rocks_load.h)
// --value-bytes defaults to 555: the size of the value the apiserver's store writes for that
// ConfigMap (its data, name, labels, uid, timestamp and managedFields as protobuf, plus the
// store's 16-byte header; measured in the store's RocksDB after api_bench's create row). The
// value's bytes are pseudo-random, so neither side gains from compression. At the last client
// count the three durable writes (raw, etcd put, apiserver create) alternate --rounds times
// (default 3; the machine may be shared) and the medians are reported. Each row runs --warmup
// s (not counted), then --seconds s: ops/s = requests completed in the window / window, p50 /
// p99 in ms. Table on stdout, progress on stderr; the last two lines:
//   apiserver gRPC creates / etcd puts at 64 clients: R (Z/s vs X/s)
//   etcd: X durable puts/s at 64 clients (raw RocksDB: Y/s)
// --json=FILE writes, at the last client count: etcd_puts_per_s, etcd_gets_per_s
// (linearizable), etcd_serializable_gets_per_s, etcd_put_p99_ms, raw_rocksdb_puts_per_s,
// apiserver_creates_per_s, apiserver_etcd_write_ratio (creates/s over etcd puts/s),
// value_bytes. --quick=true: 1 s rows, 64 clients, 1 round. --apiserver=false: no apiserver.
// etcd is stopped and the temp dir removed at the end, also when a step fails or on SIGINT /
// SIGTERM (every wait is bounded). A missing /usr/bin/etcd ends the run with a message.
// Usage: etcd_bench [--seconds=3] [--warmup=0.5] [--clients=1,64] [--channels=1]
//                   [--value-bytes=555] [--rounds=3] [--etcd=/usr/bin/etcd] [--json=FILE]
//                   [--quick=true] [--apiserver=false]
#include <arpa/inet.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include "bench/bench_util.h"
#include "bench/etcd_rpc.grpc.pb.h"
#include "bench/rocks_load.h"
#include "proto/core/v1/config.pb.h"

namespace pk::bench {
namespace {

using etcdserverpb::KV;

const std::string kKeyPrefix = "/registry/configmaps/default/";
const std::string kGetKey = kKeyPrefix + "etcd-bench-get";

struct Options {
  std::string etcd;
  double seconds = 3, warmup = 0.5;
  std::vector<int> clients;
  int channels = 1, value_bytes = 555, rounds = 3;
  bool pin = false;       // the servers on CPU 0, this client on the others
  bool apiserver = true;  // the apiserver gRPC create row
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  const bool quick = Flag(argc, argv, "quick", "") == "true";
  o.etcd = Flag(argc, argv, "etcd", "/usr/bin/etcd");
  o.seconds = FlagNum(argc, argv, "seconds", quick ? 1 : 3);
  o.warmup = FlagNum(argc, argv, "warmup", quick ? 0.2 : 0.5);
  o.channels = std::max(1, int(FlagNum(argc, argv, "channels", 1)));
  o.value_bytes = std::max(1, int(FlagNum(argc, argv, "value-bytes", 555)));
  o.rounds = std::max(1, int(FlagNum(argc, argv, "rounds", quick ? 1 : 3)));
  std::stringstream list(Flag(argc, argv, "clients", quick ? "64" : "1,64"));
  for (std::string item; std::getline(list, item, ',');) {
    if (std::atoi(item.c_str()) > 0) o.clients.push_back(std::atoi(item.c_str()));
  }
  if (o.clients.empty()) o.clients.push_back(64);
  o.pin = std::thread::hardware_concurrency() >= 2;
  o.apiserver = Flag(argc, argv, "apiserver", "true") != "false";
  return o;
}

// A value of `bytes` printable pseudo-random bytes (fixed seed: the same in every run).
std::string RandomValue(int bytes) {
  std::string value(bytes, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : value) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = char('!' + x % 94);
  }
  return value;
}

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed).
Result<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
            getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) close(fd);
  if (!ok) return Status::InternalError("no free loopback port");
  return int(ntohs(addr.sin_port));
}

bool Connects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(uint16_t(port));
  bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

// The running etcd's pid, for StopOnSignal.
std::atomic<pid_t> g_etcd_pid{-1};

// SIGINT, SIGTERM and SIGHUP (Ctrl-C, a driver's timeout) kill etcd and remove the temp dir
// before the benchmark ends, instead of leaving etcd running: they are blocked in every thread
// but one that waits for them (construct this before any other thread starts). An exit()
// from a helper that gives up (ApiServerProcess) kills etcd too.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::string dir) : dir_(std::move(dir)) {
    std::atexit([] {
      if (pid_t pid = g_etcd_pid; pid > 0) kill(pid, SIGKILL);
    });
    sigemptyset(&signals_);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals_, sig);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    std::thread([this] {
      int sig = 0;
      sigwait(&signals_, &sig);
      if (pid_t pid = g_etcd_pid; pid > 0) kill(pid, SIGKILL);
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      fmt::print(stderr, "etcd_bench: stopped by signal {}\n", sig);
      _exit(128 + sig);
    }).detach();
  }

 private:
  std::string dir_;
  sigset_t signals_;
};

// One etcd member in `dir`, stopped (SIGTERM, then SIGKILL) when this goes.
class Etcd {
 public:
  static Result<std::unique_ptr<Etcd>> Start(const Options& o, const std::string& dir) {
    if (access(o.etcd.c_str(), X_OK) != 0) {
      return Status::InternalError(
          fmt::format("{} is missing: install Debian's etcd-server (scripts/setup does)", o.etcd));
    }
    auto client = FreePort(), peer = FreePort();
    while (client.ok() && peer.ok() && *peer == *client) peer = FreePort();  // closed: reusable
    if (!client.ok()) return client.status();
    if (!peer.ok()) return peer.status();
    std::string client_url = fmt::format("http://127.0.0.1:{}", *client);
    std::string peer_url = fmt::format("http://127.0.0.1:{}", *peer);
    auto etcd = std::unique_ptr<Etcd>(new Etcd);
    etcd->client_port_ = *client;
    etcd->log_ = dir + "/etcd.log";
    auto process = cluster::Process::Spawn(
        {{o.etcd, "--name=bench", "--data-dir=" + dir + "/etcd",
          "--listen-client-urls=" + client_url, "--advertise-client-urls=" + client_url,
          "--listen-peer-urls=" + peer_url, "--initial-advertise-peer-urls=" + peer_url,
          "--initial-cluster=bench=" + peer_url, "--initial-cluster-state=new", "--logger=zap",
          "--log-outputs=stderr"},
         etcd->log_,
         0,
         o.pin ? 1u : 0u});
    if (!process.ok()) return process.take_status();
    etcd->process_ = std::move(process).value();
    g_etcd_pid = etcd->process_->pid();
    Status ready = etcd->WaitReady(std::chrono::seconds(30));
    if (!ready.ok()) return ready;
    return etcd;
  }
  ~Etcd() {
    process_.reset();  // stopped (SIGTERM, then SIGKILL after 5 s) and reaped
    g_etcd_pid = -1;
  }
  int client_port() const { return client_port_; }

 private:
  Etcd() = default;

  // Until a linearizable Range answers (the member has elected itself leader), or `limit`.
  Status WaitReady(std::chrono::seconds limit) {
    const auto until = Clock::now() + limit;
    while (!Connects(client_port_)) {
      if (!process_->Running() || Clock::now() > until) return Failed("did not listen");
      usleep(50'000);
    }
    auto kv = KV::NewStub(NewChannel(client_port_, -1));
    grpc::Status last;
    while (Clock::now() < until && process_->Running()) {
      grpc::ClientContext context;
      context.set_wait_for_ready(true);
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      etcdserverpb::RangeRequest in;
      in.set_key(kGetKey);
      etcdserverpb::RangeResponse out;
      last = kv->Range(&context, in, &out);
      if (last.ok()) return Status::OK();
      usleep(100'000);
    }
    return Failed("did not answer (" + last.error_message() + ")");
  }
  // The log is in the temp dir, which goes with the run: its tail is in the message.
  Status Failed(const std::string& what) {
    std::string why = process_->Running() ? what + " within 30 s" : "exited";
    return Status::InternalError(
        fmt::format("etcd {}; the end of its log:\n{}", why, cluster::LogTail(log_)));
  }

  std::unique_ptr<cluster::Process> process_;
  int client_port_ = 0;
  std::string log_;
};

// One call in flight: the CompletionQueue's tag. Good() judges the answer once it is back.
struct Call {
  virtual ~Call() = default;
  virtual bool Good() const { return status.ok(); }
  grpc::ClientContext context;
  grpc::Status status;
  Clock::time_point begin;
  int client = 0;
};
template <class Response>
struct CallOf : Call {
  Response out;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> rpc;
};
struct RangeCall : CallOf<etcdserverpb::RangeResponse> {
  bool Good() const override { return status.ok() && out.kvs_size() == 1; }
};

// Starts client `client`'s next call on `cq` (setting its context's deadline first: Arm).
using Starter = std::function<Call*(int client, grpc::CompletionQueue* cq)>;
template <class C>
C* Arm(C* call) {
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  call->begin = Clock::now();
  return call;
}

// `clients` closed-loop clients, one call each outstanding, on one CompletionQueue thread.
// Every call has a 10 s deadline, so a stuck server ends the row with an error.
Result<LoadResult> RunClosedLoop(int clients, const Options& o, const Starter& start) {
  const auto from = Clock::now() + std::chrono::microseconds(int64_t(o.warmup * 1e6));
  const auto to = from + std::chrono::microseconds(int64_t(o.seconds * 1e6));
  std::vector<double> ms;
  int64_t errors = 0;
  std::string first_error;
  RunCompletionQueueLoop<Call>(clients, start, [&](const Call& call, bool ok) {
    const auto end = Clock::now();
    bool good = ok && call.Good();
    if (!good && errors++ == 0) {
      first_error = call.status.ok() ? "an answer without the key" : call.status.error_message();
    }
    if (good && call.begin >= from && end <= to) ms.push_back(Ms(end - call.begin));
    return end < to && errors == 0;
  });
  if (errors > 0) {
    return Status::InternalError(fmt::format("{} failed calls; first: {}", errors, first_error));
  }
  if (ms.empty()) return Status::InternalError("no call completed in the window");
  Stats s = Summarize(&ms);
  return LoadResult{s.count / o.seconds, s.p50, s.p99};
}

// Each row's keys and names are new (the row's number is in them), not overwrites.
int NextRun() {
  static int runs = 0;
  return runs++;
}

enum class Op { kPut, kGet, kSerializableGet };

Result<LoadResult> RunEtcd(const std::vector<std::unique_ptr<KV::Stub>>& kv, Op op, int clients,
                           const Options& o, const std::string& value) {
  const int run = NextRun();
  std::vector<int64_t> seq(clients, 0);
  return RunClosedLoop(clients, o, [&](int client, grpc::CompletionQueue* cq) -> Call* {
    KV::Stub* etcd = kv[client % kv.size()].get();
    if (op == Op::kPut) {  // the request is serialized by AsyncPut: it need not outlive it
      auto* call = Arm(new CallOf<etcdserverpb::PutResponse>);
      etcdserverpb::PutRequest in;
      in.set_key(fmt::format("{}etcd-{}-{}-{}", kKeyPrefix, run, client, seq[client]++));
      in.set_value(value);
      call->rpc = etcd->AsyncPut(&call->context, in, cq);
      call->rpc->Finish(&call->out, &call->status, call);
      return call;
    }
    auto* call = Arm(new RangeCall);
    etcdserverpb::RangeRequest in;
    in.set_key(kGetKey);
    in.set_serializable(op == Op::kSerializableGet);
    call->rpc = etcd->AsyncRange(&call->context, in, cq);
    call->rpc->Finish(&call->out, &call->status, call);
    return call;
  });
}

// The apiserver's gRPC create of api_bench's create row (a ConfigMap with 300 bytes of data
// and one label, a unique name), so the two durable writes are compared in one run.
Result<LoadResult> RunApiCreate(
    const std::vector<std::unique_ptr<k8s::api::ResourceService::Stub>>& api, int clients,
    const Options& o) {
  const int run = NextRun();
  std::vector<int64_t> seq(clients, 0);
  k8s::core::v1::ConfigMap cm;
  (*cm.mutable_metadata()->mutable_labels())["app"] = "api-bench";
  (*cm.mutable_data())["config.yaml"] = std::string(300, 'x');
  return RunClosedLoop(clients, o, [&](int client, grpc::CompletionQueue* cq) -> Call* {
    auto* call = Arm(new CallOf<k8s::api::ObjectResponse>);
    k8s::api::ObjectRequest in = RefRequest("configmaps", "default", "");
    cm.mutable_metadata()->set_name(fmt::format("etcd-{}-{}-{}", run, client, seq[client]++));
    in.mutable_object()->set_type("k8s.core.v1.ConfigMap");
    cm.SerializeToString(in.mutable_object()->mutable_data());
    call->rpc = api[client % api.size()]->AsyncCreate(&call->context, in, cq);
    call->rpc->Finish(&call->out, &call->status, call);
    return call;
  });
}

// Raw RocksDB synced puts on etcd's CPU (threads inherit the affinity of the one starting them).
Result<LoadResult> RunRaw(const std::string& dir, int threads, const Options& o,
                          const std::string& value) {
  Result<LoadResult> result = Status::InternalError("not run");
  std::thread runner([&] {
    if (o.pin) PinTo(0, 1);
    result = RawSyncedPuts(dir, threads, o.warmup, o.seconds, value);
  });
  runner.join();
  return result;
}

struct Line {
  std::string row;
  int clients = 0;
  LoadResult r;
};

// The run with the median ops/s, its name saying so.
Line Median(std::vector<Line> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Line& a, const Line& b) { return a.r.ops_per_s < b.r.ops_per_s; });
  Line line = runs[runs.size() / 2];
  if (runs.size() > 1) line.row += fmt::format(" (median of {})", runs.size());
  return line;
}

enum class Row { kPut, kGet, kSerializableGet, kApiCreate, kRaw };  // in the table's order

std::string RowName(Row row) {
  switch (row) {
    case Row::kPut:
      return "etcd put";
    case Row::kGet:
      return "etcd get (linearizable)";
    case Row::kSerializableGet:
      return "etcd get (serializable)";
    case Row::kApiCreate:
      return "apiserver gRPC create";
    case Row::kRaw:
      return "raw RocksDB synced put";
  }
  return "";
}

// What the rows drive: the clients of etcd and of the apiserver, the value, a dir for raw
// databases.
struct Targets {
  std::vector<std::unique_ptr<KV::Stub>> kv;
  std::vector<std::unique_ptr<k8s::api::ResourceService::Stub>> api;  // empty: no apiserver row
  std::string value, dir;
  int raw_dbs = 0;
};

Result<Line> RunRow(Targets* t, Row row, int clients, const Options& o) {
  fmt::print(stderr, "  {} x{} ...\n", RowName(row), clients);
  Result<LoadResult> r = Status::InternalError("");
  switch (row) {
    case Row::kRaw:
      r = RunRaw(fmt::format("{}/raw{}", t->dir, t->raw_dbs++), clients, o, t->value);
      break;
    case Row::kApiCreate:
      r = RunApiCreate(t->api, clients, o);
      break;
    case Row::kPut:
      r = RunEtcd(t->kv, Op::kPut, clients, o, t->value);
      break;
    case Row::kGet:
      r = RunEtcd(t->kv, Op::kGet, clients, o, t->value);
      break;
    case Row::kSerializableGet:
      r = RunEtcd(t->kv, Op::kSerializableGet, clients, o, t->value);
      break;
  }
  if (!r.ok()) return r.take_status().Prefix(RowName(row));
  return Line{RowName(row), clients, *r};
}

// The key the get rows read.
Status PutGetKey(KV::Stub* kv, const std::string& value) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  etcdserverpb::PutRequest in;
  in.set_key(kGetKey);
  in.set_value(value);
  etcdserverpb::PutResponse out;
  grpc::Status put = kv->Put(&context, in, &out);
  return put.ok() ? Status::OK() : Status::InternalError("etcd: put: " + put.error_message());
}

// Every row, in the table's order. At the last client count the durable writes (raw, etcd put,
// apiserver create) alternate o.rounds times and their medians are kept.
Status RunRows(const Options& o, const std::string& dir, std::vector<Line>* lines) {
  auto etcd = Etcd::Start(o, dir);
  if (!etcd.ok()) return etcd.take_status();
  TempDir api_dir;
  std::unique_ptr<ApiServerProcess> apiserver;  // pinned to CPU 0 like etcd, when pinning
  if (o.apiserver) apiserver = std::make_unique<ApiServerProcess>(api_dir);
  if (o.pin) PinTo(1, std::thread::hardware_concurrency());  // before gRPC starts its threads
  Targets t;
  t.dir = dir;
  t.value = RandomValue(o.value_bytes);
  for (int c = 0; c < o.channels; ++c) {
    t.kv.push_back(KV::NewStub(NewChannel((*etcd)->client_port(), c)));
    if (apiserver) {
      t.api.push_back(k8s::api::ResourceService::NewStub(NewChannel(apiserver->grpc_port(), c)));
    }
  }
  if (Status s = PutGetKey(t.kv[0].get(), t.value); !s.ok()) return s;
  for (int clients : o.clients) {
    const bool last = clients == o.clients.back();
    std::vector<Row> writes = {Row::kPut};
    if (last) writes = {Row::kRaw, Row::kPut};
    if (last && apiserver) writes.push_back(Row::kApiCreate);
    std::map<Row, std::vector<Line>> runs;
    for (int round = 0; round < (last ? o.rounds : 1); ++round) {
      for (Row row : writes) {
        auto line = RunRow(&t, row, clients, o);
        if (!line.ok()) return line.take_status();
        runs[row].push_back(*line);
      }
    }
    for (Row row : {Row::kGet, Row::kSerializableGet}) {
      auto line = RunRow(&t, row, clients, o);
      if (!line.ok()) return line.take_status();
      runs[row].push_back(*line);
    }
    for (auto& [row, lines_of_row] : runs) lines->push_back(Median(lines_of_row));
  }
  return Status::OK();
}

// The row named `prefix` at the last client count.
LoadResult Find(const std::vector<Line>& lines, const std::string& prefix, int clients) {
  for (const Line& l : lines) {
    if (l.clients == clients && l.row.starts_with(prefix)) return l.r;
  }
  return {};
}

int Report(const Options& o, const std::vector<Line>& lines, int argc, char** argv) {
  std::printf(
      "etcd (%s): one member on loopback, default durability; value %d bytes; %d HTTP/2 "
      "connection(s), 1 client thread; %s; %.1f s per row\n",
      o.etcd.c_str(), o.value_bytes, o.channels,
      o.pin ? "etcd, the apiserver and the raw RocksDB threads on CPU 0, clients on the others"
            : "one CPU shared",
      o.seconds);
  std::printf("%-44s %8s %9s %8s %8s\n", "row", "clients", "ops/s", "p50 ms", "p99 ms");
  for (const Line& l : lines) {
    std::printf("%-44s %8d %9.0f %8.2f %8.2f\n", l.row.c_str(), l.clients, l.r.ops_per_s,
                l.r.p50_ms, l.r.p99_ms);
  }
  const int n = o.clients.back();
  LoadResult put = Find(lines, "etcd put", n), get = Find(lines, "etcd get (lin", n),
             serial = Find(lines, "etcd get (ser", n), raw = Find(lines, "raw", n),
             create = Find(lines, "apiserver", n);
  const double ratio = put.ops_per_s > 0 ? create.ops_per_s / put.ops_per_s : 0;
  Figures figures;
  figures.Set("etcd_puts_per_s", put.ops_per_s);
  figures.Set("etcd_gets_per_s", get.ops_per_s);
  figures.Set("etcd_serializable_gets_per_s", serial.ops_per_s);
  figures.Set("etcd_put_p99_ms", put.p99_ms);
  figures.Set("raw_rocksdb_puts_per_s", raw.ops_per_s);
  figures.Set("apiserver_creates_per_s", create.ops_per_s);
  figures.Set("apiserver_etcd_write_ratio", ratio);
  figures.Set("value_bytes", o.value_bytes);
  figures.WriteIfAsked(argc, argv);
  if (o.apiserver) {
    std::printf("apiserver gRPC creates / etcd puts at %d clients: %.2f (%.0f/s vs %.0f/s)\n", n,
                ratio, create.ops_per_s, put.ops_per_s);
  }
  std::printf("etcd: %.0f durable puts/s at %d clients (raw RocksDB: %.0f/s)\n", put.ops_per_s, n,
              raw.ops_per_s);
  return 0;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  std::vector<Line> lines;
  Status status;
  {
    TempDir dir;  // removed after etcd has stopped (RunRows' Etcd goes first)
    static StopOnSignal stop_on_signal(dir.path());  // lives on for its detached thread
    fmt::print(stderr, "etcd_bench: {} s per row in {}; value {} bytes\n", o.seconds, dir.path(),
               o.value_bytes);
    status = RunRows(o, dir.path(), &lines);
  }
  if (!status.ok()) {
    fmt::print(stderr, "etcd_bench: {}\n", status.message());
    return 1;
  }
  return Report(o, lines, argc, argv);
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
