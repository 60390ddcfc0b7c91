// The compiled form of a script, shared by the parser (shell_parse.cc) and the machine
// (shell.cc). Internal to fake-cri/.
//
// A script compiles to a flat list of ops with jumps, so a running program is just a
// program counter plus loop iterators: it can stop at any `sleep` and resume later.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fake-cri/shell.h"

namespace pk::fakecri {

// A piece of a word: literal text, or a variable to expand ($X, ${X}, ${X:-fallback}).
struct Segment {
  enum class Kind { kLiteral, kVariable };
  Kind kind = Kind::kLiteral;
  std::string text;      // the literal, or the variable's name
  std::string fallback;  // ${X:-fallback}
  bool has_fallback = false;
  bool quoted = false;  // inside quotes: never split into several fields
};

inline Segment Literal(std::string text, bool quoted) {
  Segment s;
  s.text = std::move(text);
  s.quoted = quoted;
  return s;
}

struct Word {
  std::vector<Segment> segments;
  // The word's text when it is one unquoted literal (keywords, variable assignments).
  bool Plain(std::string* text) const;
};

struct Op {
  enum class Kind {
    kCommand,     // runs commands[arg]
    kJump,        // pc = target
    kJumpIfFail,  // pc = target when $? != 0
    kJumpIfOk,    // pc = target when $? == 0
    kForInit,     // expands loops[arg].items into the frame's iterator
    kForNext,     // sets loops[arg].var to the next item, or pc = target when none is left
    kStatusZero,  // $? = 0 (a loop that ran out, an `if` with no branch taken)
  };
  Kind kind;
  size_t arg = 0;
  size_t target = 0;
};

struct ForLoop {
  std::string var;
  std::vector<Word> items;
};

struct Shell::Program {
  std::vector<Op> ops;
  std::vector<std::vector<Word>> commands;
  std::vector<ForLoop> loops;
  std::string error;  // set: the script is not runnable ("sh: unsupported: pipes (|)")
};

struct ForState {
  std::vector<std::string> items;
  size_t next = 0;
};

struct Shell::Frame {
  std::shared_ptr<const Program> program;
  size_t pc = 0;
  std::vector<ForState> loops;  // one per program loop
};

// What one command did to the machine.
struct Shell::Outcome {
  int status = 0;
  bool exit = false;                              // `exit`: ends the innermost `sh`
  std::optional<std::chrono::nanoseconds> sleep;  // `sleep`: the step ends here

  static Outcome Status(int status) { return Outcome{status, false, std::nullopt}; }
  static Outcome Exited(int status) { return Outcome{status, true, std::nullopt}; }
  static Outcome Slept(std::chrono::nanoseconds d) { return Outcome{0, false, d}; }
};

// "/bin/sh" -> "sh".
std::string Basename(const std::string& path);
// Whether `name` is one of the shell's commands (shell_builtins.cc).
bool IsBuiltin(const std::string& name);

// Compiles a script; a syntax it does not support yields a Program with `error` set.
std::shared_ptr<const Shell::Program> ParseScript(const std::string& script);

// One command whose words are taken literally (a container's argv: no expansion).
std::shared_ptr<const Shell::Program> LiteralCommand(const std::vector<std::string>& argv);

}  // namespace pk::fakecri
