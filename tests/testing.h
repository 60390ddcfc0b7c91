// Test support shared by every doctest suite: temporary directories and fixture files.
#pragma once

#include <filesystem>
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

// Path of a golden document in tests/fixtures/ (copied from real clusters; see its README).
std::filesystem::path FixturePath(const std::string& name);

// Shorthand for ReadFile(FixturePath(name)).
std::string Fixture(const std::string& name);

}  // namespace pk::testing
