// etcd as the reference for the apiserver's durable creates/s: etcd's own gRPC KV API on the
// same machine, same disk, same value size, in the same run as raw RocksDB synced writes.
//
// /usr/bin/etcd (Debian's etcd-server, 3.4) is started for the run in a temp dir: one member,
// client and peer URLs on free loopback ports, etcd's default durability (its WAL is fsync'd
// before a write is answered). On a machine with 2 or more CPUs etcd is pinned to CPU 0 and
// this client to the others, as api_bench pins the apiserver (so both servers get one core;
// Go sizes GOMAXPROCS from the affinity). Closed-loop rows like api_bench's: 1 and 64 clients
// (--clients), each with one request outstanding, driven by ONE client thread on a gRPC
// CompletionQueue, over --channels HTTP/2 connections (default 1, as api_bench's gRPC rows):
//   put                     KV.Put of a unique key ("/registry/configmaps/default/NAME", as
//                           Kubernetes keys etcd) with a value of --value-bytes
//   get (linearizable)      KV.Range of one existing key, serializable=false (etcd's default;
//                           a ReadIndex round through the leader, like a quorum read)
//   get (serializable)      the same, served from the member's local state
//   raw RocksDB synced put  --clients' last count of threads doing synced Puts of the same
//                           value into a fresh RocksDB with the store's options, run on
//                           etcd's CPU (bench/rocks_load.h)
// --value-bytes defaults to 555: the size of the value api_bench's gRPC create row makes the
// store write (the ConfigMap with its 300 bytes of data, name, labels, uid, timestamp and
// managedFields, protobuf, plus the store's 16-byte header; measured on the store's RocksDB).
// The value's bytes are pseudo-random, so neither side gains from compression. At the last
// client count, put and raw rows alternate --rounds times (default 3; the machine may be
// shared) and the medians are reported. Each row runs --warmup s (not counted), then
// --seconds s: ops/s = requests completed in the window / window, p50 / p99 in ms. Table on
// stdout, progress on stderr; last line:
//   etcd: X durable puts/s at 64 clients (raw RocksDB: Y/s)
// --json=FILE writes {"etcd_puts_per_s", "etcd_gets_per_s" (linearizable),
// "etcd_serializable_gets_per_s", "etcd_put_p99_ms", "raw_rocksdb_puts_per_s", "value_bytes"},
// all at the last client count. --quick=true: 1 s rows, 64 clients, 1 round. etcd is stopped
// and the temp dir removed at the end, also when a step fails (every wait is bounded).
// Usage: etcd_bench [--seconds=3] [--warmup=0.5] [--clients=1,64] [--channels=1]
//                   [--value-bytes=555] [--rounds=3] [--etcd=/usr/bin/etcd] [--json=FILE]
//                   [--quick=true]
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
#include <nlohmann/json.hpp>
#include <sstream>

#include "bench/bench_util.h"
#include "bench/etcd_rpc.grpc.pb.h"
#include "bench/rocks_load.h"

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
  std::string json;
  bool pin = false;  // etcd on CPU 0, this client on the others
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
  o.json = Flag(argc, argv, "json", "");
  std::stringstream list(Flag(argc, argv, "clients", quick ? "64" : "1,64"));
  for (std::string item; std::getline(list, item, ',');) {
    if (std::atoi(item.c_str()) > 0) o.clients.push_back(std::atoi(item.c_str()));
  }
  if (o.clients.empty()) o.clients.push_back(64);
  o.pin = std::thread::hardware_concurrency() >= 2;
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
// but one that waits for them (construct this before any other thread starts).
class StopOnSignal {
 public:
  explicit StopOnSignal(std::string dir) : dir_(std::move(dir)) {
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

enum class Op { kPut, kGet, kSerializableGet };

struct Call {
  grpc::ClientContext context;
  etcdserverpb::PutResponse put;
  etcdserverpb::RangeResponse range;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::PutResponse>> put_rpc;
  std::unique_ptr<grpc::ClientAsyncResponseReader<etcdserverpb::RangeResponse>> range_rpc;
  Clock::time_point begin;
  int client = 0;
};

// `clients` closed-loop clients, one call each outstanding, on one CompletionQueue thread.
// Every call has a 10 s deadline, so a stuck server ends the row with an error.
Result<LoadResult> RunEtcd(const std::vector<std::unique_ptr<KV::Stub>>& kv, Op op, int clients,
                           const Options& o, const std::string& value) {
  static int runs = 0;  // in every key: each run's keys are new, not overwrites of an earlier run's
  const int run = runs++;
  grpc::CompletionQueue cq;
  const auto from = Clock::now() + std::chrono::microseconds(int64_t(o.warmup * 1e6));
  const auto to = from + std::chrono::microseconds(int64_t(o.seconds * 1e6));
  std::vector<int64_t> seq(clients, 0);
  std::vector<double> ms;
  int active = 0;
  int64_t errors = 0;
  std::string first_error;
  auto issue = [&](int client) {
    auto* call = new Call;
    call->client = client;
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    KV::Stub* stub = kv[client % kv.size()].get();
    call->begin = Clock::now();
    if (op == Op::kPut) {  // the request is serialized by AsyncPut: it need not outlive it
      etcdserverpb::PutRequest in;
      in.set_key(fmt::format("{}etcd-{}-{}-{}", kKeyPrefix, run, client, seq[client]++));
      in.set_value(value);
      call->put_rpc = stub->AsyncPut(&call->context, in, &cq);
      call->put_rpc->Finish(&call->put, &call->status, call);
    } else {
      etcdserverpb::RangeRequest in;
      in.set_key(kGetKey);
      in.set_serializable(op == Op::kSerializableGet);
      call->range_rpc = stub->AsyncRange(&call->context, in, &cq);
      call->range_rpc->Finish(&call->range, &call->status, call);
    }
    ++active;
  };
  std::thread client([&] {
    for (int i = 0; i < clients; ++i) issue(i);
    void* tag;
    bool ok;
    while (active > 0 && cq.Next(&tag, &ok)) {
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      --active;
      const auto end = Clock::now();
      bool good = ok && call->status.ok() && (op == Op::kPut || call->range.kvs_size() == 1);
      if (!good && errors++ == 0) {
        first_error = call->status.ok() ? "Range found no key" : call->status.error_message();
      }
      if (good && call->begin >= from && end <= to) ms.push_back(Ms(end - call->begin));
      if (end < to && errors == 0) issue(call->client);
    }
  });
  client.join();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  if (errors > 0) {
    return Status::InternalError(
        fmt::format("etcd: {} failed calls; first: {}", errors, first_error));
  }
  if (ms.empty()) return Status::InternalError("etcd: no call completed in the window");
  Stats s = Summarize(&ms);
  return LoadResult{s.count / o.seconds, s.p50, s.p99};
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

// Every row, in order; the put and raw rows at the last client count alternate o.rounds times.
Status RunRows(const Options& o, const std::string& dir, std::vector<Line>* lines) {
  auto etcd = Etcd::Start(o, dir);
  if (!etcd.ok()) return etcd.take_status();
  if (o.pin) PinTo(1, std::thread::hardware_concurrency());  // before gRPC starts its threads
  std::vector<std::unique_ptr<KV::Stub>> kv;
  for (int c = 0; c < o.channels; ++c)
    kv.push_back(KV::NewStub(NewChannel((*etcd)->client_port(), c)));
  const std::string value = RandomValue(o.value_bytes);
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    etcdserverpb::PutRequest in;
    in.set_key(kGetKey);
    in.set_value(value);
    etcdserverpb::PutResponse out;
    grpc::Status put = kv[0]->Put(&context, in, &out);
    if (!put.ok()) return Status::InternalError("etcd: put: " + put.error_message());
  }
  int raw_dbs = 0;
  auto run = [&](const std::string& row, int clients, Op op) -> Result<Line> {
    fmt::print(stderr, "  {} x{} ...\n", row, clients);
    auto r = row.starts_with("raw")
                 ? RunRaw(fmt::format("{}/raw{}", dir, raw_dbs++), clients, o, value)
                 : RunEtcd(kv, op, clients, o, value);
    if (!r.ok()) return r.take_status();
    return Line{row, clients, *r};
  };
  for (int clients : o.clients) {
    std::vector<Line> puts, raws;
    int rounds = clients == o.clients.back() ? o.rounds : 0;
    for (int round = 0; round < rounds; ++round) {
      auto raw = run("raw RocksDB synced put", clients, Op::kPut);
      if (!raw.ok()) return raw.take_status();
      raws.push_back(*raw);
      auto put = run("etcd put", clients, Op::kPut);
      if (!put.ok()) return put.take_status();
      puts.push_back(*put);
    }
    if (rounds == 0) {
      auto put = run("etcd put", clients, Op::kPut);
      if (!put.ok()) return put.take_status();
      puts.push_back(*put);
    }
    lines->push_back(Median(puts));
    for (auto [row, op] : {std::pair{"etcd get (linearizable)", Op::kGet},
                           std::pair{"etcd get (serializable)", Op::kSerializableGet}}) {
      auto get = run(row, clients, op);
      if (!get.ok()) return get.take_status();
      lines->push_back(*get);
    }
    if (!raws.empty()) lines->push_back(Median(raws));
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

int Report(const Options& o, const std::vector<Line>& lines) {
  std::printf(
      "etcd (%s): one member on loopback, default durability; value %d bytes; %d HTTP/2 "
      "connection(s), 1 client thread; %s; %.1f s per row\n",
      o.etcd.c_str(), o.value_bytes, o.channels,
      o.pin ? "etcd and the raw RocksDB threads on CPU 0, clients on the others" : "one CPU shared",
      o.seconds);
  std::printf("%-44s %8s %9s %8s %8s\n", "row", "clients", "ops/s", "p50 ms", "p99 ms");
  for (const Line& l : lines) {
    std::printf("%-44s %8d %9.0f %8.2f %8.2f\n", l.row.c_str(), l.clients, l.r.ops_per_s,
                l.r.p50_ms, l.r.p99_ms);
  }
  const int n = o.clients.back();
  LoadResult put = Find(lines, "etcd put", n), get = Find(lines, "etcd get (lin", n),
             serial = Find(lines, "etcd get (ser", n), raw = Find(lines, "raw", n);
  if (!o.json.empty()) {
    nlohmann::json figures = {{"etcd_puts_per_s", put.ops_per_s},
                              {"etcd_gets_per_s", get.ops_per_s},
                              {"etcd_serializable_gets_per_s", serial.ops_per_s},
                              {"etcd_put_p99_ms", put.p99_ms},
                              {"raw_rocksdb_puts_per_s", raw.ops_per_s},
                              {"value_bytes", o.value_bytes}};
    std::ofstream out(o.json);
    out << figures.dump(2) << "\n";
    if (!out) {
      fmt::print(stderr, "cannot write {}\n", o.json);
      return 1;
    }
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
  return Report(o, lines);
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
