// Helpers shared by the apiserver benchmarks (watch_bench, api_bench): an in-process apiserver
// in a temp dir, latency statistics, flags, and the gRPC request builders.
#pragma once

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "apiserver/apiserver.h"
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
