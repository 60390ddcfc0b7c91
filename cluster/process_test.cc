#include "cluster/process.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>

#include "tests/testing.h"

namespace pk::cluster {
namespace {

using pk::testing::Eventually;

TEST_CASE("a process logs to its file, reports its usage and stops on SIGTERM") {
  pk::testing::TempDir dir;
  auto log = dir.path() / "sh.log";
  auto process =
      Process::Spawn({{"/bin/sh", "-c", "echo started; echo oops >&2; exec sleep 30"}, log});
  REQUIRE(process.ok());
  CHECK((*process)->Running());
  CHECK(Eventually([&] { return LogTail(log) == "started\noops\n"; }));
  // Read while it runs (during its exec of sleep the kernel may briefly report no pages).
  CHECK(Eventually([&] { return (*process)->usage().rss_mb > 0; }));
  (*process)->Stop();
  CHECK_FALSE((*process)->Running());
  CHECK((*process)->usage().rss_mb == 0);
}

TEST_CASE("SIGKILL reaps at once; an exited process is not Running") {
  pk::testing::TempDir dir;
  auto sleeper = Process::Spawn({{"/bin/sleep", "30"}, dir.path() / "sleep.log"});
  REQUIRE(sleeper.ok());
  (*sleeper)->Signal(SIGKILL);
  CHECK_FALSE((*sleeper)->Running());
  auto quick = Process::Spawn({{"/bin/true"}, dir.path() / "true.log"});
  REQUIRE(quick.ok());
  CHECK(Eventually([&] { return !(*quick)->Running(); }));
}

TEST_CASE("a missing binary is an error naming it; LogTail keeps the last lines") {
  pk::testing::TempDir dir;
  auto missing = Process::Spawn({{(dir.path() / "apiserver").string()}, dir.path() / "x.log"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("apiserver is not built") != std::string::npos);
  std::ofstream(dir.path() / "many.log") << "1\n2\n3\n4\n";
  CHECK(LogTail(dir.path() / "many.log", 2) == "3\n4\n");
  CHECK(LogTail(dir.path() / "absent.log") == "");
}

}  // namespace
}  // namespace pk::cluster
