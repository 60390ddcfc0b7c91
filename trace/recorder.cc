#include <atomic>
#include <utility>
#include <vector>

#include "trace/trace.h"

namespace pk::trace {

int64_t NowUnixNano() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Recorder::Recorder(std::shared_ptr<grpc::Channel> channel, RecorderOptions options)
    : options_(std::move(options)) {
  if (channel == nullptr) return;
  service_ = picokube::trace::v1::TraceService::NewStub(std::move(channel));
  thread_ = std::thread([this] { Run(); });
}

Recorder::~Recorder() {
  if (!enabled()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Recorder::Record(Span span) {
  if (!enabled()) return;
  if (span.component().empty()) span.set_component(options_.component);
  {
    std::lock_guard lock(mu_);
    if (buffer_.size() >= options_.max_buffered) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    buffer_.push_back(std::move(span));
  }
  recorded_.fetch_add(1, std::memory_order_relaxed);
}

void Recorder::Record(const PodRef& pod, std::string_view step, int64_t start_unix_nano,
                      int64_t duration_nano, std::string detail) {
  if (!enabled()) return;
  Span span;
  span.set_pod_uid(std::string(pod.uid));
  span.set_namespace_(std::string(pod.ns));
  span.set_pod_name(std::string(pod.name));
  span.set_step(std::string(step));
  span.set_start_unix_nano(start_unix_nano);
  span.set_duration_nano(duration_nano);
  span.set_detail(std::move(detail));
  Record(std::move(span));
}

void Recorder::Event(const PodRef& pod, std::string_view step, std::string detail) {
  if (!enabled()) return;
  Record(pod, step, NowUnixNano(), 0, std::move(detail));
}

// Flushes every interval, and once more when stopping so nothing recorded before the
// destructor is lost while the apiserver is reachable.
void Recorder::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval);
    lock.unlock();
    SendBuffered();
    lock.lock();
  }
  lock.unlock();
  SendBuffered();
}

void Recorder::Flush() {
  if (enabled()) SendBuffered();
}

void Recorder::SendBuffered() {
  std::lock_guard sending(send_mu_);
  std::deque<Span> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(buffer_);
  }
  while (!batch.empty()) {
    picokube::trace::v1::RecordRequest request;
    size_t n = std::min(batch.size(), std::max<size_t>(options_.max_batch, 1));
    for (size_t i = 0; i < n; ++i) {
      *request.add_spans() = std::move(batch.front());
      batch.pop_front();
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + options_.rpc_timeout);
    if (!options_.bearer_token.empty()) {
      context.AddMetadata("authorization", "Bearer " + options_.bearer_token);
    }
    picokube::trace::v1::RecordResponse response;
    if (!service_->Record(&context, request, &response).ok()) {
      // The apiserver is unreachable: the rest would wait rpc_timeout each (a stop would take
      // batches x rpc_timeout), so it is dropped with this batch.
      failed_.fetch_add(n + batch.size(), std::memory_order_relaxed);
      return;
    }
    sent_.fetch_add(n, std::memory_order_relaxed);
  }
}

Recorder::Stats Recorder::stats() const {
  return {recorded_.load(), sent_.load(), dropped_.load(), failed_.load()};
}

namespace {
std::atomic<Recorder*> global{nullptr};
}  // namespace

Recorder& Global() {
  static Recorder disabled;
  Recorder* installed = global.load(std::memory_order_acquire);
  return installed != nullptr ? *installed : disabled;
}

void SetGlobal(Recorder* recorder) { global.store(recorder, std::memory_order_release); }

ScopedSpan::ScopedSpan(Recorder& recorder, const PodRef& pod, std::string_view step) {
  if (!recorder.enabled()) return;
  recorder_ = &recorder;
  span_.set_pod_uid(std::string(pod.uid));
  span_.set_namespace_(std::string(pod.ns));
  span_.set_pod_name(std::string(pod.name));
  span_.set_step(std::string(step));
  span_.set_start_unix_nano(NowUnixNano());
}

ScopedSpan::~ScopedSpan() {
  if (recorder_ == nullptr) return;
  span_.set_duration_nano(NowUnixNano() - span_.start_unix_nano());
  recorder_->Record(std::move(span_));
}

}  // namespace pk::trace
