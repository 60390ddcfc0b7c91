#include "tests/process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>

#include "tests/testing.h"

namespace pk::testing {

std::filesystem::path BinaryPath(const std::string& name) {
  const char* dir = std::getenv("PK_BIN_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "PK_BIN_DIR is not set: run the test through ctest");
  return std::filesystem::path(dir) / name;
}

Process::Process(const std::filesystem::path& binary, std::vector<std::string> args,
                 std::filesystem::path log)
    : log_(std::move(log)) {
  REQUIRE_MESSAGE(std::filesystem::exists(binary), binary.string() << " is not built");
  args.insert(args.begin(), binary.string());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // posix_spawn, not fork+exec: the child runs none of the test's code, so a signal sent
  // before it has exec'd (a test that stops a process right after starting it) cannot reach
  // doctest's handlers in a copy of the test; it gets default dispositions and no mask.
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(&pid_, argv[0], &files, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&files);
  REQUIRE_MESSAGE(rc == 0, "spawning " << argv[0] << ": " << std::strerror(rc));
}

Process::~Process() { Stop(); }

void Process::Kill(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  if (signal == SIGKILL) {
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void Process::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  bool exited =
      Eventually([&] { return waitpid(pid_, nullptr, WNOHANG) == pid_; }, std::chrono::seconds(5));
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

bool Process::Running() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

int WaitForPortFile(const std::filesystem::path& path) {
  int port = 0;
  Eventually([&] {
    std::ifstream in(path);
    return bool(in >> port) && port > 0;
  });
  REQUIRE_MESSAGE(port > 0, "no port in " << path.string());
  return port;
}

}  // namespace pk::testing
