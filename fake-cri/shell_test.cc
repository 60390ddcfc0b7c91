#include "fake-cri/shell.h"

#include <doctest/doctest.h>

using namespace std::chrono_literals;

namespace pk::fakecri {
namespace {

struct Ran {
  std::string out, err;
  int exit_code = -1;
  std::vector<std::chrono::nanoseconds> sleeps;  // in order
  int yields = 0;
};

ShellContext Context() {
  ShellContext c;
  c.env = {{"HOSTNAME", "web-0"}, {"GREETING", "hello world"}, {"EMPTY", ""}};
  c.files = {{"/etc/hostname", "web-0\n"}, {"/etc/hosts", "127.0.0.1\tlocalhost\n"}};
  return c;
}

// Runs to the exit, at most `steps` Run() calls (sleeps are recorded, not waited for).
Ran RunArgv(const std::vector<std::string>& argv, int steps = 100) {
  Shell shell(argv, Context());
  Ran ran;
  for (int i = 0; i < steps; ++i) {
    ShellStep step = shell.Run();
    ran.out += step.out;
    ran.err += step.err;
    if (step.next == ShellStep::Next::kExit) {
      ran.exit_code = step.exit_code;
      return ran;
    }
    if (step.next == ShellStep::Next::kSleep) ran.sleeps.push_back(step.sleep);
    if (step.next == ShellStep::Next::kYield) ++ran.yields;
  }
  return ran;
}

Ran Sh(const std::string& script, int steps = 100) { return RunArgv({"sh", "-c", script}, steps); }

TEST_CASE("echo, printf, quoting and expansion") {
  CHECK(Sh("echo hello   world").out == "hello world\n");
  CHECK(Sh("echo -n a; echo b").out == "ab\n");
  CHECK(Sh("echo -e 'a\\tb'").out == "a\tb\n");
  CHECK(Sh("echo \"$GREETING\" '$GREETING' ${HOSTNAME}!").out == "hello world $GREETING web-0!\n");
  CHECK(Sh("echo ${NOPE:-fallback} x${EMPTY}y").out == "fallback xy\n");
  CHECK(Sh("printf '%s=%d\\n' a 1 b 2").out == "a=1\nb=2\n");
  CHECK(Sh("printf '100%%\\n'").out == "100%\n");
  CHECK(Sh("X=1; Y=\"$X two\"; echo $Y; export Z=3; echo $Z").out == "1 two\n3\n");
  CHECK(Sh("for w in $GREETING; do echo [$w]; done").out == "[hello]\n[world]\n");
  CHECK(Sh("echo a \\\n b # comment").out == "a b\n");
}

TEST_CASE("exit codes, true/false, && || and $?") {
  CHECK(Sh("exit 3").exit_code == 3);
  CHECK(Sh("false").exit_code == 1);
  CHECK(Sh("true").exit_code == 0);
  CHECK(Sh("false; echo $?").out == "1\n");
  CHECK(Sh("false && echo no || echo yes").out == "yes\n");
  CHECK(Sh("true && echo a && echo b").out == "a\nb\n");
  CHECK(Sh("true || echo no; echo end").out == "end\n");
  CHECK(Sh("echo before; exit 7; echo after").out == "before\n");
  CHECK(Sh("exit abc").exit_code == 2);
  CHECK(Sh("").exit_code == 0);
  CHECK(RunArgv({"sh"}).exit_code == 0);
  CHECK(RunArgv({"/bin/sh", "-c", "exit 4"}).exit_code == 4);
}

TEST_CASE("argv without a shell runs the builtin literally") {
  CHECK(Shell::Handles({"echo", "x"}));
  CHECK(Shell::Handles({"/bin/sleep", "1"}));
  CHECK_FALSE(Shell::Handles({"nginx", "-g", "daemon off;"}));
  CHECK(RunArgv({"echo", "$HOSTNAME"}).out == "$HOSTNAME\n");
  Ran slept = RunArgv({"sleep", "2.5"});
  REQUIRE(slept.sleeps.size() == 1);
  CHECK(slept.sleeps[0] == 2500ms);
  CHECK(slept.exit_code == 0);
}

TEST_CASE("sleep yields timed steps; loops with sleep do not spin") {
  Ran r = Sh("echo start; sleep 1; echo mid; sleep 500ms; echo end; exit 2");
  CHECK(r.out == "start\nmid\nend\n");
  CHECK(r.sleeps == std::vector<std::chrono::nanoseconds>{1s, 500ms});
  CHECK(r.exit_code == 2);

  Ran loop = Sh("for i in 1 2 3; do echo tick $i; sleep 1; done; echo done");
  CHECK(loop.out == "tick 1\ntick 2\ntick 3\ndone\n");
  CHECK(loop.sleeps.size() == 3);

  Ran forever = Sh("while true; do echo hi; sleep 2; done", 10);
  CHECK(forever.exit_code == -1);
  CHECK(forever.sleeps.size() == 10);
  CHECK(forever.out.size() == 30);

  Ran infinity = Sh("sleep infinity");
  REQUIRE(infinity.sleeps.size() >= 1);
  CHECK(infinity.sleeps[0] == ShellStep::Forever());
}

TEST_CASE("a loop without sleep is bounded per step") {
  Ran spin = Sh("while true; do echo x; done", 3);
  CHECK(spin.exit_code == -1);
  CHECK(spin.yields == 3);
  CHECK(spin.out.size() < 3 * 1000);
}

TEST_CASE("while, until, if and test") {
  CHECK(Sh("i=0; while [ $i != 000 ]; do echo $i; i=${i}0; done").out == "0\n00\n");
  CHECK(Sh("until true; do echo no; done; echo out").out == "out\n");
  CHECK(Sh("if [ -z \"$EMPTY\" ]; then echo empty; else echo full; fi").out == "empty\n");
  CHECK(Sh("if false; then echo a; elif [ 2 -gt 1 ]; then echo b; fi").out == "b\n");
  CHECK(Sh("if false; then echo a; fi").exit_code == 0);
  CHECK(Sh("test 3 -lt 2").exit_code == 1);
  CHECK(Sh("[ -n x ] && [ a != b ] && [ ! -f /nope ] && [ -f /etc/hosts ]").exit_code == 0);
  CHECK(Sh("[ 1 -eq x ]").exit_code == 2);
  CHECK(Sh("[ 1 -eq 1").exit_code == 2);
}

TEST_CASE("env, hostname, cat, ls, date and nested sh -c") {
  CHECK(Sh("env").out.find("GREETING=hello world\n") != std::string::npos);
  CHECK(Sh("hostname").out == "web-0\n");
  CHECK(Sh("cat /etc/hostname").out == "web-0\n");
  Ran missing = Sh("cat /nope");
  CHECK(missing.err == "cat: can't open '/nope': No such file or directory\n");
  CHECK(missing.exit_code == 1);
  CHECK(Sh("ls /etc").out == "hostname\nhosts\n");
  CHECK(Sh("ls").out.find("etc\n") != std::string::npos);
  CHECK(Sh("ls /nope").exit_code == 1);
  CHECK(Sh("sh -c 'echo inner; exit 5'; echo outer $?").out == "inner\nouter 5\n");
  ShellContext c = Context();
  c.now = [] { return std::chrono::system_clock::time_point{}; };
  Shell date({"date", "+%Y-%m-%d"}, c);
  CHECK(date.Run().out == "1970-01-01\n");
}

TEST_CASE("unknown commands and unsupported syntax exit 127") {
  Ran unknown = Sh("curl http://x");
  CHECK(unknown.err == "sh: curl: not found\n");
  CHECK(unknown.exit_code == 127);
  for (const char* script : {"echo a | grep a", "echo > /tmp/x", "sleep 1 &", "echo $(date)",
                             "echo `date`", "case x in x) ;; esac", "(echo a)", "echo $((1+2))",
                             "echo 'open", "while true; do echo", "fi", "f() { echo; }"}) {
    CAPTURE(script);
    Ran r = Sh(script);
    CHECK(r.exit_code == 127);
    CHECK(r.err.rfind("sh: unsupported: ", 0) == 0);
    CHECK(r.out.empty());
  }
}

TEST_CASE("durations") {
  std::chrono::nanoseconds d;
  CHECK((ParseDuration("5", d) && d == 5s));
  CHECK((ParseDuration("0.5", d) && d == 500ms));
  CHECK((ParseDuration("500ms", d) && d == 500ms));
  CHECK((ParseDuration("1m30s", d) && d == 90s));
  CHECK((ParseDuration("2h", d) && d == 7200s));
  CHECK((ParseDuration("infinity", d) && d == ShellStep::Forever()));
  for (const char* bad : {"", "x", "5x", "1m5", "-1", "1e3", "-1s"})
    CHECK_FALSE(ParseDuration(bad, d));
}

}  // namespace
}  // namespace pk::fakecri
