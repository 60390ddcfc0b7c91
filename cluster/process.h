// A child process of the launcher: one of the project's binaries with its stdout and stderr
// appended to a log file. The launcher (cluster.h), the tests and the benchmarks start every
// component through this one class.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "apimachinery/status.h"

namespace pk::cluster {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0]: the binary's path
  std::filesystem::path log;      // stdout and stderr, appended
  // CPUs the process may run on ([cpu_from, cpu_to)); empty range: any.
  unsigned cpu_from = 0, cpu_to = 0;
  // A session of its own (setsid): the terminal's Ctrl-C and hang-up do not reach it, so it
  // outlives the launcher (scripts/up).
  bool new_session = false;
};

// What a running process has used: CPU time (user + system) and resident memory.
struct Usage {
  double cpu_seconds = 0;
  double rss_mb = 0;
};

class Process {
 public:
  // Starts the process (posix_spawn: the child runs none of the parent's code, gets default
  // signal dispositions and an empty mask). Fails when the binary is missing or cannot run.
  static Result<std::unique_ptr<Process>> Spawn(ProcessOptions options);
  ~Process();  // Stop()
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log() const { return log_; }
  // Sends `signal`; SIGKILL (a crash) also reaps the process.
  void Signal(int signal);
  // SIGTERM, then SIGKILL once `grace` passes; reaped. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Whether it still runs (reaps it when it has exited).
  bool Running();
  // From /proc/PID/stat; zeros when the process is gone.
  Usage usage() const;
  // Lets it run on without this object: the destructor no longer stops it. Returns its pid.
  pid_t Release() { return std::exchange(pid_, -1); }

 private:
  Process(pid_t pid, std::filesystem::path log) : pid_(pid), log_(std::move(log)) {}
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

// CPU and memory of any process by pid, from /proc/PID/stat (zeros when there is none).
Usage UsageOf(pid_t pid);

// The last `lines` lines of a log file ("" when it cannot be read).
std::string LogTail(const std::filesystem::path& log, int lines = 20);

}  // namespace pk::cluster
