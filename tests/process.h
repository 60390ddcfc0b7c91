// Test support: the project's binaries (build/bin) started as real processes, each with its
// log in a file, stopped (SIGTERM, then SIGKILL after 5 s) when the handle goes; a test's
// wrapper of cluster::Process that fails the test when a binary cannot start.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cluster/process.h"

namespace pk::testing {

// build/bin/NAME, from PK_BIN_DIR (set by ctest).
std::filesystem::path BinaryPath(const std::string& name);

class Process {
 public:
  // Starts `binary` with `args`, stdout and stderr to `log`. Fails the test if it cannot.
  Process(const std::filesystem::path& binary, std::vector<std::string> args,
          std::filesystem::path log);
  ~Process();  // Stop()
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void Kill(int signal);  // sends `signal` (SIGKILL: a crash) and reaps the process
  void Stop();            // SIGTERM, then SIGKILL after 5 s; reaped
  bool Running();
  const std::filesystem::path& log() const;

 private:
  std::unique_ptr<cluster::Process> process_;
};

// Polls until `path` exists and holds a positive integer (a port file), or 20 s pass.
int WaitForPortFile(const std::filesystem::path& path);

}  // namespace pk::testing
