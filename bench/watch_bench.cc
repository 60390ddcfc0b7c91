// Watch fan-out latency of the gRPC face: how long after a write is acknowledged do N watchers
// each get its event.
//
// bin/apiserver launched for the run (RocksDB store in a temp dir; pinned to CPU 0, this
// client on the others: see ApiServerProcess; --in-process=true puts it in this process,
// --grpc-port=P uses one already running). For each N (--watchers, default 100,1000): N gRPC
// Watch streams on configmaps in "default", from the current resourceVersion, spread over
// --channels HTTP/2 connections and driven by --client-threads CompletionQueue threads (one
// thread reads all its streams: no thread per watcher; the client's gRPC stack costs about as
// much CPU as the server's, see "cpu us/ev"). Once every stream has seen a warm-up object, one
// writer creates --rate ConfigMaps/s for --seconds (sync gRPC Create on its own channel) and
// notes, per object, when Create returned: the write-acknowledged time. Each stream notes
// when each event arrived (CQ Next returned), matched by object name. Latency of (watcher,
// event) = received - acknowledged; an event can beat the Create reply to the client, which
// gives a small negative value: clamped at 0 and counted ("early").
//
// Table per N: watchers, events delivered (of N x writes), events/s (delivered / time from
// the first ack to the last event), p50/p99/max latency in ms, "early", the writer's Create
// p50 and "cpu us/ev": this process's CPU time (the client's; client + server with
// --in-process) per delivered event. Last line: `watch p99 at 1000 watchers: X ms`.
// Usage: watch_bench [--watchers=100,1000] [--rate=50] [--seconds=5] [--channels=4]
//                    [--client-threads=2] [--in-process=true] [--grpc-port=P]
// Two client threads by default: with one, the client's own queue was about half of a
// measured p99 (bench/FINDINGS.md, "Watch p99").
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <atomic>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "proto/core/v1/config.pb.h"

namespace pk::bench {
namespace {

using k8s::api::WatchEvent;

// One watch stream and what it received. Tags on its CQ are this pointer + a step (0..2).
struct Stream {
  enum Step { kStarted = 0, kRead = 1, kFinished = 2 };
  void* Tag(Step s) { return reinterpret_cast<char*>(this) + s; }

  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientAsyncReader<WatchEvent>> reader;
  WatchEvent event;
  grpc::Status status;
  std::vector<std::pair<int, Clock::time_point>> got;  // (write index, received at)
  std::atomic<int> warm{0};                            // warm-up objects seen
  std::atomic<bool> finished{false};
};

// Reads every stream on `cq` until the queue shuts down. Object names: PREFIX-INDEX for
// measured writes, PREFIX-warm-K for warm-up.
void ReadLoop(grpc::CompletionQueue* cq, const std::string& prefix, std::atomic<int64_t>* total) {
  void* tag;
  bool ok;
  k8s::core::v1::ConfigMap cm;
  while (cq->Next(&tag, &ok)) {
    auto now = Clock::now();
    auto step = static_cast<Stream::Step>(reinterpret_cast<uintptr_t>(tag) & 3);
    auto* s = reinterpret_cast<Stream*>(reinterpret_cast<uintptr_t>(tag) & ~uintptr_t{3});
    if (step == Stream::kFinished) {
      s->finished = true;
      continue;
    }
    if (!ok) {  // the stream ended (or never started)
      s->reader->Finish(&s->status, s->Tag(Stream::kFinished));
      continue;
    }
    if (step == Stream::kRead && cm.ParseFromString(s->event.object().data())) {
      const std::string& name = cm.metadata().name();
      if (name.rfind(prefix + "warm-", 0) == 0) {
        s->warm++;
      } else if (name.rfind(prefix, 0) == 0) {
        s->got.emplace_back(std::atoi(name.c_str() + prefix.size()), now);
        total->fetch_add(1, std::memory_order_relaxed);
      }
    }
    s->reader->Read(&s->event, s->Tag(Stream::kRead));
  }
}

std::string CurrentRevision(k8s::api::ResourceService::Stub* service) {
  auto in = RefRequest("configmaps", "default", "");
  in.mutable_options()->set_limit(1);
  k8s::api::ListResponse out;
  grpc::ClientContext context;
  grpc::Status status = service->List(&context, in, &out);
  if (!status.ok()) Die("list", status);
  return out.metadata().resource_version();
}

// Creates ConfigMap `name` (~300 bytes of data) and returns when the server acknowledged it.
void Create(k8s::api::ResourceService::Stub* service, const std::string& name) {
  k8s::core::v1::ConfigMap cm;
  cm.mutable_metadata()->set_name(name);
  (*cm.mutable_metadata()->mutable_labels())["app"] = "watch-bench";
  (*cm.mutable_data())["config.yaml"] = std::string(300, 'x');
  auto in = RefRequest("configmaps", "default", "");
  in.mutable_object()->set_type("k8s.core.v1.ConfigMap");
  cm.SerializeToString(in.mutable_object()->mutable_data());
  k8s::api::ObjectResponse out;
  grpc::ClientContext context;
  grpc::Status status = service->Create(&context, in, &out);
  if (!status.ok()) Die("create " + name, status);
}

struct Row {
  int watchers = 0;
  int64_t delivered = 0, expected = 0, early = 0;
  double events_per_s = 0, create_p50 = 0;
  double cpu_us = 0;  // process CPU per delivered event during the writes and delivery
  Stats latency;
};

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return double(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

Row Run(int port, int watchers, int run, double rate, double seconds, int channels,
        int client_threads) {
  const std::string prefix = fmt::format("w{}-", run);
  auto writer = k8s::api::ResourceService::NewStub(NewChannel(port, 1000 + run));
  std::vector<std::unique_ptr<k8s::api::ResourceService::Stub>> services;
  for (int c = 0; c < channels; ++c)
    services.push_back(k8s::api::ResourceService::NewStub(NewChannel(port, run * 100 + c)));
  std::vector<std::unique_ptr<grpc::CompletionQueue>> cqs;
  std::vector<std::thread> threads;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < client_threads; ++t) cqs.push_back(std::make_unique<grpc::CompletionQueue>());

  fmt::print(stderr, "  {} watchers: opening ...\n", watchers);
  auto in = RefRequest("configmaps", "default", "");
  in.mutable_options()->set_resource_version(CurrentRevision(writer.get()));
  std::vector<std::unique_ptr<Stream>> streams;
  for (int i = 0; i < watchers; ++i) {
    auto s = std::make_unique<Stream>();
    s->got.reserve(size_t(rate * seconds) + 16);
    s->reader = services[i % channels]->AsyncWatch(&s->context, in, cqs[i % client_threads].get(),
                                                   s->Tag(Stream::kStarted));
    streams.push_back(std::move(s));
  }
  for (auto& cq : cqs) threads.emplace_back(ReadLoop, cq.get(), prefix, &total);

  // Warm-up: write until every stream has seen a warm-up object (all watches are live).
  auto open_start = Clock::now();
  for (int k = 0;; ++k) {
    Create(writer.get(), fmt::format("{}warm-{}", prefix, k));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    int live = 0;
    for (auto& s : streams) live += s->warm > 0;
    if (live == watchers) break;
    if (Clock::now() - open_start > std::chrono::seconds(60)) {
      fmt::print(stderr, "  only {} of {} watches live after 60 s\n", live, watchers);
      break;
    }
  }
  fmt::print(stderr, "  {} watchers live in {:.1f} s; writing {}/s for {} s ...\n", watchers,
             Ms(Clock::now() - open_start) / 1000, rate, seconds);

  // The writer: a fixed rate, each write's acknowledged time kept.
  const int writes = std::max(1, int(rate * seconds));
  std::vector<Clock::time_point> acked(writes);
  std::vector<double> create_ms;
  auto start = Clock::now();
  const double cpu_start = ProcessCpuSeconds();
  auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1 / rate));
  for (int i = 0; i < writes; ++i) {
    std::this_thread::sleep_until(start + i * period);
    auto begin = Clock::now();
    Create(writer.get(), prefix + std::to_string(i));
    acked[i] = Clock::now();
    create_ms.push_back(Ms(acked[i] - begin));
  }
  const int64_t expected = int64_t(writes) * watchers;
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (total < expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  const double cpu_s = ProcessCpuSeconds() - cpu_start;
  for (auto& s : streams) s->context.TryCancel();
  deadline = Clock::now() + std::chrono::seconds(10);
  for (auto& s : streams) {
    while (!s->finished && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& cq : cqs) cq->Shutdown();
  for (auto& t : threads) t.join();

  Row row;
  row.watchers = watchers;
  row.expected = expected;
  std::vector<double> latency;
  latency.reserve(size_t(expected));
  Clock::time_point last = start;
  for (auto& s : streams) {
    for (auto& [index, received] : s->got) {
      if (index < 0 || index >= writes) continue;
      double ms = Ms(received - acked[index]);
      if (ms < 0) ++row.early;
      latency.push_back(std::max(0.0, ms));
      last = std::max(last, received);
    }
  }
  row.delivered = int64_t(latency.size());
  row.events_per_s = row.delivered / std::max(1e-9, Ms(last - acked[0]) / 1000);
  row.latency = Summarize(&latency);
  row.create_p50 = Summarize(&create_ms).p50;
  row.cpu_us = row.delivered > 0 ? cpu_s * 1e6 / row.delivered : 0;
  return row;
}

int Main(int argc, char** argv) {
  double rate = FlagNum(argc, argv, "rate", 50);
  double seconds = FlagNum(argc, argv, "seconds", 5);
  int channels = std::max(1, int(FlagNum(argc, argv, "channels", 4)));
  int client_threads = std::max(1, int(FlagNum(argc, argv, "client-threads", 2)));
  std::vector<int> counts;
  std::stringstream list(Flag(argc, argv, "watchers", "100,1000"));
  for (std::string item; std::getline(list, item, ',');) counts.push_back(std::atoi(item.c_str()));

  BenchServer server(argc, argv);
  const int port = server.grpc_port();
  std::vector<Row> rows;
  for (size_t i = 0; i < counts.size(); ++i) {
    rows.push_back(Run(port, counts[i], int(i), rate, seconds, channels, client_threads));
  }
  std::printf(
      "gRPC watch fan-out: %.0f creates/s for %.0f s, %d channels, %d client thread(s); %s\n", rate,
      seconds, channels, client_threads, server.placement().c_str());
  std::printf("%9s %19s %10s %9s %9s %9s %7s %11s %10s\n", "watchers", "events delivered",
              "events/s", "p50 ms", "p99 ms", "max ms", "early", "create p50", "cpu us/ev");
  for (const Row& r : rows) {
    std::printf("%9d %9lld/%-9lld %10.0f %9.2f %9.2f %9.2f %7lld %11.2f %10.1f\n", r.watchers,
                (long long)r.delivered, (long long)r.expected, r.events_per_s, r.latency.p50,
                r.latency.p99, r.latency.max, (long long)r.early, r.create_p50, r.cpu_us);
  }
  Figures figures;
  for (const Row& r : rows) {
    figures.Set(fmt::format("p50_ms_{}_watchers", r.watchers), r.latency.p50);
    figures.Set(fmt::format("p99_ms_{}_watchers", r.watchers), r.latency.p99);
    figures.Set(fmt::format("delivered_ratio_{}_watchers", r.watchers),
                r.expected > 0 ? double(r.delivered) / double(r.expected) : 0.0);
  }
  figures.WriteIfAsked(argc, argv);
  for (const Row& r : rows) {
    if (r.watchers == 1000) {
      std::printf("watch p99 at 1000 watchers: %.2f ms\n", r.latency.p99);
      return 0;
    }
  }
  std::printf("watch p99 at 1000 watchers: n/a (not run)\n");
  return 0;
}

}  // namespace
}  // namespace pk::bench

int main(int argc, char** argv) { return pk::bench::Main(argc, argv); }
