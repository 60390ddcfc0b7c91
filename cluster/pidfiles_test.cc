#include "cluster/pidfiles.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include "cluster/process.h"
#include "tests/testing.h"

namespace pk::cluster {
namespace {

// A stand-in component: a shell whose command line names the cluster's directory, as every
// real component's does (--data-dir=DIR/..., --socket=DIR/...).
std::unique_ptr<Process> Component(const std::filesystem::path& dir, const std::string& name) {
  auto p =
      Process::Spawn({{"/bin/sh", "-c", "sleep 30; true", dir.string()}, dir / (name + ".log")});
  REQUIRE(p.ok());
  RecordPid(dir, name, (*p)->pid());
  // Until its exec, a spawned child still shows the test's own command line.
  REQUIRE(pk::testing::Eventually([&] {
    for (const auto& r : RecordedProcesses(dir)) {
      if (r.name == name) return r.running;
    }
    return false;
  }));
  return std::move(p).value();
}

TEST_CASE("recorded components come back in start order; a pid reused elsewhere is not ours") {
  pk::testing::TempDir dir;
  auto cm = Component(dir.path(), "controller-manager");
  auto api = Component(dir.path(), "apiserver");
  auto kubelet = Component(dir.path(), "kubelet-node-0");
  RecordPid(dir.path(), "scheduler", getpid());  // alive, but its command line is not ours
  auto recorded = RecordedProcesses(dir.path());
  REQUIRE(recorded.size() == 4);
  CHECK(recorded[0].name == "apiserver");
  CHECK(recorded[1].name == "kubelet-node-0");
  CHECK(recorded[2].name == "scheduler");
  CHECK(recorded[3].name == "controller-manager");
  CHECK(recorded[0].running);
  CHECK(recorded[0].pid == api->pid());
  CHECK_FALSE(recorded[2].running);
}

TEST_CASE("StopRecorded stops what runs, newest first, and forgets every pid file") {
  pk::testing::TempDir dir;
  auto api = Component(dir.path(), "apiserver");
  auto cm = Component(dir.path(), "controller-manager");
  RecordPid(dir.path(), "scheduler", 999999);  // long gone
  auto stopped = StopRecorded(dir.path(), std::chrono::milliseconds(2000));
  CHECK(stopped == std::vector<std::string>{"controller-manager", "apiserver"});
  // StopRecorded returns once a process has let go of its command line, which it does while
  // exiting, a moment before it is a zombie this test (its parent) can reap.
  CHECK(pk::testing::Eventually([&] { return !api->Running(); }));
  CHECK(pk::testing::Eventually([&] { return !cm->Running(); }));
  CHECK(RecordedProcesses(dir.path()).empty());
}

}  // namespace
}  // namespace pk::cluster
