// The pod-flow trace, the components' side: each component records spans -- what it did for
// one pod, when, for how long -- keyed by the pod's UID, and a Recorder sends them in batches
// to the apiserver's TraceService (proto/trace/v1/trace.proto) over the gRPC channel the
// component already has. The apiserver serves a pod's spans, with its own, at
// /debug/picokube/traces/NAMESPACE/POD (text, json or an SVG sequence diagram).
//
//   trace::Recorder recorder(channel, {.component = "scheduler"});
//   trace::SetGlobal(&recorder);                     // once, in main
//   ...
//   trace::ScopedSpan span(trace::PodRef::Of(pod), "filter");   // timed until destroyed
//   span.set_detail("node-1: fits; node-2: Insufficient cpu");
//   trace::Global().Event(trace::PodRef::Of(pod), "chosen node", "node-1");
//
// Recording never waits for the network: spans go to a bounded buffer (dropped and counted
// when full) that a background thread flushes every `flush_interval`. A disabled recorder
// (the default Global() before SetGlobal, or one built without a channel) costs one branch.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "proto/core/v1/pod.pb.h"
#include "proto/trace/v1/trace.grpc.pb.h"

namespace pk::trace {

using Span = picokube::trace::v1::Span;

// The processes of the flow, in the order the diagram draws their lifelines.
inline constexpr std::string_view kKubectl = "kubectl";
inline constexpr std::string_view kApiserver = "apiserver";
inline constexpr std::string_view kScheduler = "scheduler";
inline constexpr std::string_view kControllerManager = "controller-manager";
inline constexpr std::string_view kKubelet = "kubelet";
inline constexpr std::string_view kFakeCri = "fake-cri";
// The first step of a served request (the apiserver's): it starts a new run of the diagram
// even after a span of the same process -- each request is entered by its own hop.
inline constexpr std::string_view kRequestReceived = "request received";

// Wall-clock now in Unix nanoseconds (spans of different machines share only that clock).
int64_t NowUnixNano();

// Which pod a span is about. Views: the strings must outlive the call that takes the PodRef.
struct PodRef {
  std::string_view uid;
  std::string_view ns;
  std::string_view name;
  static PodRef Of(const k8s::core::v1::Pod& pod) {
    return {pod.metadata().uid(), pod.metadata().namespace_(), pod.metadata().name()};
  }
};

struct RecorderOptions {
  std::string component;                          // "scheduler": the lifeline of the spans
  std::string bearer_token;                       // sent as the API calls send it, if set
  size_t max_buffered = 10000;                    // beyond: Record drops (counted)
  size_t max_batch = 500;                         // spans per Record call
  std::chrono::milliseconds flush_interval{100};  // how often the buffer is sent
  std::chrono::milliseconds rpc_timeout{2000};    // per Record call
};

// Thread-safe. Spans whose batch fails to send are dropped (counted): a trace is a
// diagnostic, and an apiserver that is down must not make components buffer without bound.
class Recorder {
 public:
  Recorder() = default;  // disabled: every call is a no-op
  // Enabled when `channel` is set; starts the flushing thread.
  Recorder(std::shared_ptr<grpc::Channel> channel, RecorderOptions options);
  ~Recorder();  // sends what is buffered (bounded by rpc_timeout), then stops
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  bool enabled() const { return service_ != nullptr; }
  const std::string& component() const { return options_.component; }

  // Queues `span`; fills an empty component with this recorder's. Never blocks on I/O.
  void Record(Span span);
  void Record(const PodRef& pod, std::string_view step, int64_t start_unix_nano,
              int64_t duration_nano, std::string detail = {});
  // An instant (duration 0) happening now: "seen by informer", "chosen node".
  void Event(const PodRef& pod, std::string_view step, std::string detail = {});
  // Sends everything buffered now and waits for it (tests, shutdown).
  void Flush();

  struct Stats {
    uint64_t recorded = 0;  // accepted into the buffer
    uint64_t sent = 0;      // acknowledged by the apiserver
    uint64_t dropped = 0;   // buffer full
    uint64_t failed = 0;    // lost with a batch that could not be sent
  };
  Stats stats() const;

 private:
  void Run();
  void SendBuffered();

  RecorderOptions options_;
  std::unique_ptr<picokube::trace::v1::TraceService::Stub> service_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Span> buffer_;  // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  std::mutex send_mu_;       // one sender at a time (the thread or Flush)
  std::atomic<uint64_t> recorded_{0}, sent_{0}, dropped_{0}, failed_{0};
  std::thread thread_;
};

// The process's recorder: the one passed to SetGlobal, else a disabled one. SetGlobal(nullptr)
// before destroying the installed recorder, once no thread records any more.
Recorder& Global();
void SetGlobal(Recorder* recorder);

// Times one step: records [construction, destruction) when destroyed, unless Cancel()ed.
// Copies the pod's identity only when the recorder is enabled.
class ScopedSpan {
 public:
  ScopedSpan(Recorder& recorder, const PodRef& pod, std::string_view step);
  ScopedSpan(const PodRef& pod, std::string_view step) : ScopedSpan(Global(), pod, step) {}
  ~ScopedSpan();
  ScopedSpan(const ScopedSpan&) = delete;
  ScopedSpan& operator=(const ScopedSpan&) = delete;

  bool active() const { return recorder_ != nullptr; }
  void set_detail(std::string detail) {
    if (active()) span_.set_detail(std::move(detail));
  }
  void Cancel() { recorder_ = nullptr; }

 private:
  Recorder* recorder_ = nullptr;
  Span span_;
};

}  // namespace pk::trace
