// The log backend: events are queued by the requests and written by one thread, a batch (what
// is queued) at a time, flushed after each batch. A crash loses at most the events not yet
// flushed. The queue is bounded and a full queue makes the request wait (Kubernetes'
// "blocking" mode, the log backend's default, rather than "batch", which drops events when
// its buffer is full): an audit log must not silently miss requests, and with the write off
// the request path a request only waits when the disk is a whole buffer behind.
#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "apimachinery/time.h"
#include "apiserver/audit/audit.h"

namespace pk::apiserver::audit {
namespace {

namespace fs = std::filesystem;

class FileBackend : public LogBackend {
 public:
  explicit FileBackend(LogOptions options) : options_(std::move(options)) {}
  ~FileBackend() override { Shutdown(); }

  Status Open() {
    if (options_.path == "-") {
      file_ = stdout;
    } else {
      file_ = std::fopen(options_.path.c_str(), "a");
      if (file_ == nullptr) {
        return Status::BadRequest(
            fmt::format("opening the audit log {}: {}", options_.path, std::strerror(errno)));
      }
      size_ = static_cast<uint64_t>(std::ftell(file_));
    }
    writer_ = std::thread([this] { Run(); });
    return Status();
  }

  void Process(std::string line) override {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return stopping_ || queue_.size() < options_.buffer_size; });
    if (stopping_) return;
    queue_.push_back(std::move(line));
    ++queued_;
    work_.notify_one();
  }

  void Flush() override {
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t target = queued_;
    written_cv_.wait(lock, [&] { return written_ >= target || writer_done_; });
  }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    work_.notify_all();
    room_.notify_all();
    if (writer_.joinable()) writer_.join();
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
    file_ = nullptr;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) {
        writer_done_ = true;
        written_cv_.notify_all();
        break;
      }
      std::deque<std::string> batch;
      batch.swap(queue_);
      room_.notify_all();
      lock.unlock();
      for (const std::string& line : batch) Write(line);
      std::fflush(file_);
      lock.lock();
      written_ += batch.size();
      written_cv_.notify_all();
    }
  }

  void Write(const std::string& line) {
    uint64_t limit = static_cast<uint64_t>(options_.max_size_mb) << 20;
    if (file_ != stdout && limit > 0 && size_ > 0 && size_ + line.size() + 1 > limit) Rotate();
    if (file_ == nullptr) return;
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    size_ += line.size() + 1;
  }

  // lumberjack's rotation: the full file becomes NAME-<time>.EXT, a new one starts, and
  // the oldest backups beyond --audit-log-maxbackup go.
  void Rotate() {
    std::fclose(file_);
    fs::path path(options_.path);
    std::string stamp = FormatRfc3339Micro(NowTimestamp());
    for (char& c : stamp) {
      if (c == ':') c = '-';
    }
    stamp = stamp.substr(0, 23);  // 2006-01-02T15-04-05.000
    fs::path backup =
        path.parent_path() / (path.stem().string() + "-" + stamp + path.extension().string());
    std::error_code ec;
    fs::rename(path, backup, ec);
    file_ = std::fopen(options_.path.c_str(), "a");
    size_ = 0;
    if (options_.max_backups > 0) Prune(path);
  }

  void Prune(const fs::path& path) {
    std::vector<fs::path> backups;
    std::error_code ec;
    std::string prefix = path.stem().string() + "-";
    for (const auto& entry :
         fs::directory_iterator(path.parent_path().empty() ? "." : path.parent_path(), ec)) {
      std::string name = entry.path().filename().string();
      if (name.starts_with(prefix) && entry.path().extension() == path.extension()) {
        backups.push_back(entry.path());
      }
    }
    std::sort(backups.begin(), backups.end());  // the stamp sorts by time
    for (size_t i = 0; i + options_.max_backups < backups.size(); ++i) fs::remove(backups[i], ec);
  }

  const LogOptions options_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;  // bytes in the current file (writer thread only)
  std::mutex mu_;
  std::condition_variable work_, room_, written_cv_;
  std::deque<std::string> queue_;
  uint64_t queued_ = 0, written_ = 0;
  bool stopping_ = false;
  bool writer_done_ = false;
  std::thread writer_;
};

}  // namespace

Result<std::unique_ptr<LogBackend>> LogBackend::Start(const LogOptions& options) {
  auto backend = std::make_unique<FileBackend>(options);
  PK_RETURN_IF_ERROR(backend->Open());
  return std::unique_ptr<LogBackend>(std::move(backend));
}

Result<std::unique_ptr<Auditor>> NewAuditor(const Options& options) {
  if (options.policy_file.empty() || options.log.path.empty()) return std::unique_ptr<Auditor>();
  auto policy = Policy::Load(options.policy_file);
  if (!policy.ok()) return policy.take_status();
  auto backend = LogBackend::Start(options.log);
  if (!backend.ok()) return backend.take_status();
  return std::make_unique<Auditor>(std::move(policy).value(), std::move(backend).value());
}

}  // namespace pk::apiserver::audit
