// Durability under SIGKILL: a child process writes as fast as it can and reports every write
// the store acknowledged; the parent kills it mid-flight, then checks (in a second child)
// that a reopened store has every acknowledged write.
//
// The parent never opens a store itself: RocksDB starts process-wide background threads,
// and forking a process with threads is not safe. So both the writer and the verifier are
// forked children, and the parent only reads pipes.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "apiserver/storage/store_test_util.h"

namespace pk::storage {
namespace {

using namespace testing;                      // NOLINT
using Acks = std::map<std::string, int64_t>;  // key -> highest acknowledged revision

void WriteLine(int fd, const std::string& line) {
  std::string data = line + "\n";  // < PIPE_BUF: one atomic write, never interleaved
  ssize_t ignored = write(fd, data.data(), data.size());
  (void)ignored;
}

[[noreturn]] void WriterChild(const std::string& dir, int fd) {
  auto store = OpenRocksStore(dir, TestOptions());
  if (!store.ok()) {
    WriteLine(fd, "ERROR " + store.status().ToString());
    _exit(1);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        std::string name = fmt::format("t{}-{}", t, i);
        std::string key = CmKey("crash", name);
        auto created =
            (*store)->Create(key, NewConfigMap("crash", name, {}, std::string(200, 'x')));
        if (created.ok()) WriteLine(fd, fmt::format("{} {}", key, RV(*created)));
        auto updated = (*store)->GuaranteedUpdate(key, {}, SetData("updated"));
        if (updated.ok()) WriteLine(fd, fmt::format("{} {}", key, RV(*updated)));
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

[[noreturn]] void VerifierChild(const std::string& dir, const Acks& acks, int fd) {
  auto store = OpenRocksStore(dir, TestOptions());
  if (!store.ok()) {
    WriteLine(fd, "ERROR " + store.status().ToString());
    _exit(1);
  }
  int64_t highest = 0;
  for (const auto& [key, revision] : acks) {
    highest = std::max(highest, revision);
    auto got = (*store)->Get(key);
    if (!got.ok()) {
      WriteLine(fd, "MISSING " + key);
    } else if (RV(*got) < revision) {
      WriteLine(fd, fmt::format("OLD {} {} < {}", key, RV(*got), revision));
    }
  }
  auto fresh = (*store)->Create(CmKey("crash", "after"), NewConfigMap("crash", "after"));
  if (!fresh.ok() || RV(*fresh) <= highest) WriteLine(fd, "REVISION did not keep rising");
  WriteLine(fd, fmt::format("DONE {}", acks.size()));
  _exit(0);
}

// Forks `child(write_fd)`; calls `on_line` for each line it writes until `deadline` (then
// SIGKILLs it) or until it exits. Returns the lines.
template <class Child>
std::vector<std::string> RunChild(Child child, std::chrono::milliseconds run_for, bool kill_it) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(fds[0]);
    child(fds[1]);
  }
  close(fds[1]);
  auto deadline = std::chrono::steady_clock::now() + run_for;
  std::string buffer;
  bool killed = false;
  char chunk[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!killed && left.count() <= 0) {
      if (!kill_it) FAIL("child did not finish in time");
      kill(pid, SIGKILL);  // everything it wrote before dying is still in the pipe
      killed = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, killed ? 1000 : static_cast<int>(left.count())) == 0) continue;
    ssize_t n = read(fds[0], chunk, sizeof(chunk));
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, n);
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  std::vector<std::string> lines;
  std::istringstream in(buffer);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // A line cut by the kill has no newline; getline still returns it: drop it.
  if (!buffer.empty() && buffer.back() != '\n') lines.pop_back();
  return lines;
}

TEST_CASE("acknowledged writes survive SIGKILL") {
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    pk::testing::TempDir dir;
    const std::string db = (dir.path() / "db").string();
    auto acked_lines = RunChild([&](int fd) { WriterChild(db, fd); },
                                std::chrono::milliseconds(1500), /*kill_it=*/true);
    Acks acks;
    for (const std::string& line : acked_lines) {
      REQUIRE_MESSAGE(!line.starts_with("ERROR"), line);
      auto space = line.find(' ');
      REQUIRE(space != std::string::npos);
      int64_t& revision = acks[line.substr(0, space)];
      revision = std::max<int64_t>(revision, std::stoll(line.substr(space + 1)));
    }
    MESSAGE("round " << round << ": " << acked_lines.size() << " acknowledged writes");
    REQUIRE(acks.size() > 10);
    auto report = RunChild([&](int fd) { VerifierChild(db, acks, fd); }, std::chrono::seconds(60),
                           /*kill_it=*/false);
    REQUIRE(!report.empty());
    for (size_t i = 0; i + 1 < report.size() && i < 20; ++i) CHECK_MESSAGE(false, report[i]);
    CHECK(report.back() == fmt::format("DONE {}", acks.size()));
  }
}

}  // namespace
}  // namespace pk::storage
