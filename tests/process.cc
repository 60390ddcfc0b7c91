#include "tests/process.h"

#include <doctest/doctest.h>

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
                 std::filesystem::path log) {
  args.insert(args.begin(), binary.string());
  auto process = cluster::Process::Spawn({std::move(args), std::move(log)});
  REQUIRE_MESSAGE(process.ok(), process.status().message());
  process_ = std::move(process).value();
}

Process::~Process() = default;  // cluster::Process stops it

void Process::Kill(int signal) { process_->Signal(signal); }
void Process::Stop() { process_->Stop(); }
bool Process::Running() { return process_->Running(); }
const std::filesystem::path& Process::log() const { return process_->log(); }

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
