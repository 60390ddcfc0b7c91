// The safe shell of fake-cri: a simulated `sh` that interprets a small subset of POSIX shell
// (echo, printf, sleep, exit, true/false, env, hostname, cat, ls, test/[, export, sh -c;
// $VAR/${VAR}/${VAR:-x}/$? expansion, quotes, `;` `&&` `||`, while/until/for/if) without
// executing anything on the host.
//
// A Shell is a step machine, not a thread: Run() executes until the program sleeps or exits
// and returns the output produced on the way, so the runtime can drive thousands of them
// from one timer thread. Unsupported syntax makes the program print `sh: unsupported: ...`
// and exit 127; unknown commands print `sh: NAME: not found` and exit 127.
//
// Not thread-safe: one owner drives a Shell.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace pk::fakecri {

// What the simulated process sees.
struct ShellContext {
  std::vector<std::pair<std::string, std::string>> env;  // in order; HOSTNAME among them
  std::map<std::string, std::string> files;  // absolute path -> content (/etc/hostname, ...)
  // Wall time for `date`; the system clock when unset.
  std::function<std::chrono::system_clock::time_point()> now;
};

// What the machine does after the output of one Run().
struct ShellStep {
  enum class Next {
    kSleep,  // call Run() again after `sleep` (simulated, unscaled; Forever() = never)
    kYield,  // the step budget ran out without a sleep: call again after a real-time pause
    kExit,   // the process ended with exit_code
  };
  std::string out;  // stdout produced by this step
  std::string err;  // stderr produced by this step
  Next next = Next::kExit;
  std::chrono::nanoseconds sleep{0};
  int exit_code = 0;

  static constexpr std::chrono::nanoseconds Forever() { return std::chrono::nanoseconds::max(); }
};

class Shell {
 public:
  // Whether `argv` is something the shell runs: a shell (`sh`, `/bin/sh`, `bash`, `ash`)
  // or one of its builtins (`echo`, `sleep`, ...), by name or by absolute path.
  static bool Handles(const std::vector<std::string>& argv);

  // A process running argv (Handles(argv) must hold). `sh` without `-c` exits 0 (no stdin).
  Shell(const std::vector<std::string>& argv, ShellContext context);
  ~Shell();
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  // Runs until the next sleep, yield or exit. After kExit, Run() keeps answering kExit.
  ShellStep Run();

  struct Program;  // the compiled script (shell_parse.cc)
  struct Frame;    // one running program: `sh -c` nests frames

 private:
  struct Outcome;
  Outcome Execute(const std::vector<std::string>& argv, ShellStep& step);
  Outcome Builtin(const std::vector<std::string>& argv, ShellStep& step);
  Outcome Environment(const std::vector<std::string>& argv, ShellStep& step);
  Outcome Files(const std::vector<std::string>& argv, ShellStep& step);
  std::string Date(const std::vector<std::string>& argv) const;
  void PushScript(const std::string& script);
  bool StepOp(ShellStep& step);  // true when the step is complete (a sleep)
  void SetVar(const std::string& name, const std::string& value);
  std::string Hostname() const;

  ShellContext context_;
  std::vector<Frame> frames_;
  int status_ = 0;  // $?
  bool exited_ = false;
};

// Parses `sleep`'s argument and the annotations' durations: "5", "0.5", "500ms", "2m", "1h",
// "1m30s", "infinity"; false when malformed.
bool ParseDuration(const std::string& text, std::chrono::nanoseconds& out);

}  // namespace pk::fakecri
