// Test support shared by every doctest suite: temporary directories and fixture files.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace pk::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The whole content of a file; fails the running test if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);
// Runs `command` with /bin/sh; its standard output (add 2>&1 for its errors too).
std::string CommandOutput(const std::string& command);

// Path of a golden document in tests/fixtures/ (copied from real clusters; see its README).
std::filesystem::path FixturePath(const std::string& name);

// Shorthand for ReadFile(FixturePath(name)).
std::string Fixture(const std::string& name);

// Polls `done` (every 2 ms, in real time) until it holds or `timeout` passes; returns whether
// it held. The one bounded wait of every test that waits for another thread or process.
bool Eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace pk::testing
