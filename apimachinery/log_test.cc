#include "apimachinery/log.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace pk {
namespace {

// What `fn` writes to stderr.
template <typename Fn>
std::string CaptureStderr(Fn fn) {
  char path[] = "/tmp/pk-log-test-XXXXXX";
  int file = mkstemp(path);
  REQUIRE(file >= 0);
  int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(file);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  unlink(path);
  return text.str();
}

TEST_CASE("LogTimestamp: UTC to the microsecond, as RFC 3339") {
  CHECK(LogTimestamp(0) == "1970-01-01T00:00:00.000000Z ");
  // 2026-12-06T15:26:33.223446Z
  CHECK(LogTimestamp(1796570793223446LL) == "2026-12-06T15:26:33.223446Z ");
}

TEST_CASE("Logf: one line, the time first, the newline added only when missing") {
  std::string out = CaptureStderr([] {
    Logf("kubelet: sync of pod %s failed: %d", "default/web", 7);
    Logf("scheduler: running\n");
  });
  const std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z kubelet: sync of pod default/web failed: 7
\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z scheduler: running
)");
  CHECK_MESSAGE(std::regex_match(out, line), out);
}

TEST_CASE("Logf: a message longer than any buffer arrives whole") {
  const std::string big(20000, 'x');
  std::string out = CaptureStderr([&] { Logf("big: %s", big.c_str()); });
  REQUIRE(out.size() == 28 + 5 + big.size() + 1);
  CHECK(out.substr(28) == "big: " + big + "\n");
}

}  // namespace
}  // namespace pk
