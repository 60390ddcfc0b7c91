#include "kubelet/container_logs.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing.h"

namespace pk::kubelet {
namespace {

const std::vector<std::string> kLines = {
    "2026-01-01T00:00:01.000000000Z stdout F first", "2026-01-01T00:00:02.000000000Z stderr P par",
    "2026-01-01T00:00:02.500000000Z stderr F tial",  "not a log line",
    "2026-01-01T00:00:03.000000000Z stdout F third",
};
constexpr int64_t kNow = 1767225604LL * 1'000'000'000;  // 2026-01-01T00:00:04Z

TEST_CASE("CRI log lines parse; anything else is skipped") {
  LogEntry e;
  REQUIRE(ParseLogLine(kLines[1], &e));
  CHECK(e.stream == "stderr");
  CHECK(e.partial);
  CHECK(e.content == "par");
  CHECK_FALSE(ParseLogLine("2026-01-01T00:00:01Z stdout X nope", &e));
  CHECK_FALSE(ParseLogLine(kLines[3], &e));
}

TEST_CASE("logs render as the container wrote them, with kubectl's options") {
  LogOptions o;
  o.now_ns = kNow;
  CHECK(RenderLogs(kLines, o) == "first\npartial\nthird\n");
  o.tail_lines = 1;
  CHECK(RenderLogs(kLines, o) == "third\n");
  o.tail_lines.reset();
  o.since_seconds = 2;  // from 00:00:02
  CHECK(RenderLogs(kLines, o) == "partial\nthird\n");
  o.since_seconds.reset();
  o.timestamps = true;
  o.limit_bytes = 36;
  CHECK(RenderLogs(kLines, o) == "2026-01-01T00:00:01.000000000Z first");
}

TEST_CASE("a container's log files come by attempt, newest last") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "web");
  for (const char* name : {"10.log", "2.log", "junk.txt", "x.log"}) {
    std::ofstream(dir.path() / "web" / name) << "x";
  }
  auto files = ContainerLogFiles(dir.path().string(), "web");
  REQUIRE(files.size() == 2);
  CHECK(files[0].ends_with("/2.log"));
  CHECK(files[1].ends_with("/10.log"));
  CHECK(ContainerLogFiles(dir.path().string(), "none").empty());
}

}  // namespace
}  // namespace pk::kubelet
