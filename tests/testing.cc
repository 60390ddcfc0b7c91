#include "tests/testing.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace pk::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "picokube-test-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  REQUIRE_MESSAGE(made != nullptr, "mkdtemp failed for " << pattern);
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::filesystem::path FixturePath(const std::string& name) {
  const char* root = std::getenv("PK_SOURCE_DIR");
  std::filesystem::path base = root ? root : PK_SOURCE_DIR_DEFAULT;
  return base / "tests" / "fixtures" / name;
}

std::string Fixture(const std::string& name) { return ReadFile(FixturePath(name)); }

bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE_MESSAGE(pipe != nullptr, "cannot run " << command);
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  return out;
}

}  // namespace pk::testing
