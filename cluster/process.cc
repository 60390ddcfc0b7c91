#include "cluster/process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

extern char** environ;

namespace pk::cluster {

Result<std::unique_ptr<Process>> Process::Spawn(ProcessOptions options) {
  if (options.argv.empty() || !std::filesystem::exists(options.argv[0])) {
    return Status::InternalError(fmt::format("{} is not built (run scripts/build)",
                                             options.argv.empty() ? "" : options.argv[0]));
  }
  std::vector<char*> argv;
  for (auto& a : options.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, options.log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  if (options.new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&attr, flags);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &files, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    return Status::InternalError(fmt::format("spawning {}: {}", argv[0], std::strerror(rc)));
  }
  if (options.cpu_to > options.cpu_from) {
    // Set right after the spawn: the process's first instructions may run anywhere, its
    // threads (started later) inherit the set.
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned c = options.cpu_from; c < options.cpu_to; ++c) CPU_SET(c, &set);
    sched_setaffinity(pid, sizeof(set), &set);
  }
  return std::unique_ptr<Process>(new Process(pid, std::move(options.log)));
}

Process::~Process() { Stop(); }

void Process::Signal(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  if (signal == SIGKILL) {
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void Process::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

bool Process::Running() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

Usage Process::usage() const { return UsageOf(pid_); }

Usage UsageOf(pid_t pid) {
  Usage out;
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (pid <= 0 || !std::getline(in, stat)) return out;
  // Fields after the command name (which may hold spaces) in parentheses: state is field 3,
  // utime 14, stime 15, rss (pages) 24.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
  if (f.size() < 22) return out;
  const double tick = double(sysconf(_SC_CLK_TCK));
  out.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / tick;
  out.rss_mb = std::stod(f[21]) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
  return out;
}

std::string LogTail(const std::filesystem::path& log, int lines) {
  std::ifstream in(log);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (int(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += l + "\n";
  return out;
}

}  // namespace pk::cluster
