// Helpers shared by the apiserver benchmarks (watch_bench, api_bench): an apiserver in a temp
// dir (in this process or launched as bin/apiserver), latency statistics, flags, and the gRPC
// request builders.
#pragma once

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "apiserver/apiserver.h"
#include "cluster/process.h"
#include "proto/api/resource.grpc.pb.h"

namespace pk::bench {

using Clock = std::chrono::steady_clock;

inline double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// --name=VALUE from argv, or `fallback`.
inline std::string Flag(int argc, char** argv, const std::string& name,
                        const std::string& fallback) {
  std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
  }
  return fallback;
}
inline double FlagNum(int argc, char** argv, const std::string& name, double fallback) {
  std::string v = Flag(argc, argv, name, "");
  return v.empty() ? fallback : std::atof(v.c_str());
}

// p50 / p99 / max of latencies in ms (sorted in place).
struct Stats {
  size_t count = 0;
  double p50 = 0, p99 = 0, max = 0;
};
inline Stats Summarize(std::vector<double>* ms) {
  Stats s;
  s.count = ms->size();
  if (ms->empty()) return s;
  std::sort(ms->begin(), ms->end());
  auto at = [&](double q) { return (*ms)[std::min(ms->size() - 1, size_t(q * ms->size()))]; };
  s.p50 = at(0.50);
  s.p99 = at(0.99);
  s.max = ms->back();
  return s;
}

// A benchmark's key figures for `scripts/bench all`, which builds BENCHMARKS.md from them:
// with --json=FILE they are written there as one flat JSON object {"name": number}. Names are
// snake_case with their unit ("get_per_s", "startup_p99_ms") and stay stable.
class Figures {
 public:
  void Set(const std::string& name, double value) { values_[name] = value; }
  // Writes FILE of --json=FILE, if given; exits the benchmark when it cannot.
  void WriteIfAsked(int argc, char** argv) const {
    const std::string path = Flag(argc, argv, "json", "");
    if (path.empty()) return;
    std::ofstream out(path);
    out << nlohmann::json(values_).dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
  }

 private:
  std::map<std::string, double> values_;
};

// A temp dir (under $TMPDIR or /tmp), removed when it goes.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base ? base : "/tmp") + "/pk-bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A whole apiserver (REST + gRPC, RocksDB store) in this process, as faces_test starts one.
inline std::unique_ptr<apiserver::ApiServer> StartApiServer(const TempDir& dir) {
  apiserver::Options options;
  options.data_dir = dir.path() + "/data";
  auto started = apiserver::ApiServer::Start(options);
  if (!started.ok()) {
    fmt::print(stderr, "apiserver: {}\n", started.status().message());
    std::exit(1);
  }
  return std::move(started).value();
}

// build/bin/NAME: the project's binaries sit beside the benchmarks.
inline std::string BinaryBeside(const std::string& name) {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / name;
}

// This thread (and threads it starts later) on CPUs [from, to).
inline void PinTo(unsigned from, unsigned to) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (unsigned c = from; c < to; ++c) CPU_SET(c, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

// A child process (`args[0]` is the binary's path) with stdout and stderr to `log`, on CPUs
// [cpu_from, cpu_to) when given. Stopped (SIGTERM, then SIGKILL after 5 s) when it goes; exits
// the benchmark when it cannot start.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> args, const std::string& log, unsigned cpu_from = 0,
               unsigned cpu_to = 0) {
    auto process = cluster::Process::Spawn({std::move(args), log, cpu_from, cpu_to});
    if (!process.ok()) {
      fmt::print(stderr, "{}\n", process.status().message());
      std::exit(1);
    }
    process_ = std::move(process).value();
  }
  bool Exited() { return !process_->Running(); }
  pid_t pid() const { return process_->pid(); }

 private:
  std::unique_ptr<cluster::Process> process_;
};

// A port written to `file` by a process starting up; exits the benchmark after 30 s.
inline int WaitForPortFile(const std::string& file, const std::string& log, ChildProcess* child) {
  for (int i = 0; i < 300; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    if (child->Exited()) break;
    usleep(100'000);
  }
  fmt::print(stderr, "a process did not start; its log is {}\n", log);
  std::exit(1);
}

// bin/apiserver launched as a process of its own, so a benchmark measures the server and not
// its own client stack competing for the same CPU time. On a machine with 2 or more CPUs the
// server is pinned to CPU 0 and this process to the others: the figures are one core's worth
// of server.
class ApiServerProcess {
 public:
  explicit ApiServerProcess(const TempDir& dir) {
    std::string port_file = dir.path() + "/port", grpc_file = dir.path() + "/grpc-port";
    std::string log = dir.path() + "/apiserver.log";
    bool pin = std::thread::hardware_concurrency() >= 2;
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{BinaryBeside("apiserver"), "--data-dir=" + dir.path() + "/data",
                                 "--port=0", "--port-file=" + port_file, "--grpc-port=0",
                                 "--grpc-port-file=" + grpc_file, "--max-requests-inflight=10000",
                                 "--max-mutating-requests-inflight=10000"},
        log, 0, pin ? 1 : 0);
    if (pin) PinTo(1, std::thread::hardware_concurrency());
    rest_port_ = WaitForPortFile(port_file, log, child_.get());
    grpc_port_ = WaitForPortFile(grpc_file, log, child_.get());
    placement_ = pin ? "apiserver process pinned to CPU 0, clients on the other CPUs"
                     : "apiserver process sharing the only CPU with the clients";
  }
  int rest_port() const { return rest_port_; }
  int grpc_port() const { return grpc_port_; }
  const std::string& placement() const { return placement_; }
  pid_t pid() const { return child_->pid(); }

 private:
  std::unique_ptr<ChildProcess> child_;
  int rest_port_ = 0, grpc_port_ = 0;
  std::string placement_;
};

// The apiserver a benchmark drives: bin/apiserver launched for the run (default), one in this
// process (--in-process=true: client and server share the CPUs, handy under a profiler), or one
// already running (--rest-port=P and/or --grpc-port=Q).
class BenchServer {
 public:
  BenchServer(int argc, char** argv) {
    rest_port_ = int(FlagNum(argc, argv, "rest-port", 0));
    grpc_port_ = int(FlagNum(argc, argv, "grpc-port", 0));
    if (rest_port_ != 0 || grpc_port_ != 0) {
      placement_ = "an apiserver already running";
    } else if (Flag(argc, argv, "in-process", "") == "true") {
      in_process_ = StartApiServer(dir_);
      rest_port_ = in_process_->port();
      grpc_port_ = in_process_->grpc_port();
      placement_ = "apiserver in this process";
    } else {
      process_ = std::make_unique<ApiServerProcess>(dir_);
      rest_port_ = process_->rest_port();
      grpc_port_ = process_->grpc_port();
      placement_ = process_->placement();
    }
  }
  int rest_port() const { return rest_port_; }
  int grpc_port() const { return grpc_port_; }
  const std::string& placement() const { return placement_; }
  // The launched apiserver's pid; 0 when it runs in this process or was already running.
  pid_t server_pid() const { return process_ ? process_->pid() : 0; }

 private:
  TempDir dir_;
  std::unique_ptr<apiserver::ApiServer> in_process_;
  std::unique_ptr<ApiServerProcess> process_;
  int rest_port_ = 0, grpc_port_ = 0;
  std::string placement_;
};

// User + system CPU seconds of process `pid` so far (/proc/PID/stat), 0 if unreadable.
inline double CpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end = stat.rfind(')');  // the command name may hold spaces
  if (end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14) ticks += std::atof(field.c_str());  // utime, stime
  }
  return ticks / double(sysconf(_SC_CLK_TCK));
}

// A closed loop of `clients` callers on one CompletionQueue, driven by a thread of its own:
// each client has one unary call in flight at a time. `start(client, cq)` starts the client's
// next call, its tag the returned Call (which the loop owns from then on; nullptr: the client
// stops); `done(call, ok)` judges each call as it completes and says whether its client goes
// on. `meanwhile` runs on the calling thread while the loop does (the measuring window, say).
// Returns once no call is in flight, with the queue shut down and drained. Call needs an
// `int client`, which the loop sets.
template <class Call>
void RunCompletionQueueLoop(int clients,
                            const std::function<Call*(int client, grpc::CompletionQueue*)>& start,
                            const std::function<bool(const Call&, bool ok)>& done,
                            const std::function<void()>& meanwhile = nullptr) {
  grpc::CompletionQueue cq;
  int active = 0;  // the loop's thread only
  auto issue = [&](int client) {
    Call* call = start(client, &cq);
    if (call == nullptr) return;
    call->client = client;
    ++active;
  };
  std::thread loop([&] {
    for (int i = 0; i < clients; ++i) issue(i);
    void* tag;
    bool ok;
    while (active > 0 && cq.Next(&tag, &ok)) {
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      --active;
      if (done(*call, ok)) issue(call->client);
    }
  });
  if (meanwhile) meanwhile();
  loop.join();
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
}

// A channel of its own (not sharing a TCP connection with other channels to the same port).
inline std::shared_ptr<grpc::Channel> NewChannel(int port, int id) {
  grpc::ChannelArguments args;
  args.SetInt("pk.bench.channel_id", id);  // distinct args: a subchannel of its own
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(fmt::format("127.0.0.1:{}", port),
                                   grpc::InsecureChannelCredentials(), args);
}

// A request for `resource` (core group, v1) in `ns`, for object `name` (empty: the collection).
inline k8s::api::ObjectRequest RefRequest(const std::string& resource, const std::string& ns,
                                          const std::string& name) {
  k8s::api::ObjectRequest in;
  in.mutable_ref()->set_version("v1");
  in.mutable_ref()->set_resource(resource);
  in.mutable_ref()->set_namespace_(ns);
  in.mutable_ref()->set_name(name);
  return in;
}

inline void Die(const std::string& what, const grpc::Status& status) {
  fmt::print(stderr, "{}: {} {}\n", what, static_cast<int>(status.error_code()),
             status.error_message());
  std::exit(1);
}

}  // namespace pk::bench
