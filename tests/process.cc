#include "tests/process.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
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
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
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
