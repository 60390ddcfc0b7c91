// The step machine: runs ops until a sleep, an exit or the step budget, then hands control
// back. The budget is what keeps `while true; do echo; done` from spinning a CPU: the runtime
// pauses a yielding process in real time before the next step.
#include "fake-cri/shell.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>

#include "apimachinery/time.h"
#include "fake-cri/shell_program.h"

namespace pk::fakecri {
namespace {

constexpr int kOpsPerRun = 200;
constexpr size_t kOutputPerRun = 64 * 1024;
constexpr size_t kMaxNesting = 16;

const std::set<std::string, std::less<>> kShells = {"sh", "bash", "ash", "dash"};

}  // namespace

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool Shell::Handles(const std::vector<std::string>& argv) {
  if (argv.empty()) return false;
  std::string name = Basename(argv[0]);
  return kShells.count(name) > 0 || IsBuiltin(name);
}

Shell::Shell(const std::vector<std::string>& argv, ShellContext context)
    : context_(std::move(context)) {
  frames_.push_back(Frame{LiteralCommand(argv), 0, {}});
}

Shell::~Shell() = default;

void Shell::PushScript(const std::string& script) {
  frames_.push_back(Frame{ParseScript(script), 0, {}});
}

ShellStep Shell::Run() {
  ShellStep step;
  for (int budget = kOpsPerRun;; --budget) {
    if (exited_ || frames_.empty()) {
      exited_ = true;
      step.next = ShellStep::Next::kExit;
      step.exit_code = status_;
      return step;
    }
    if (budget == 0 || step.out.size() + step.err.size() > kOutputPerRun) {
      step.next = ShellStep::Next::kYield;
      return step;
    }
    if (StepOp(step)) return step;
  }
}

namespace {

std::string Lookup(const std::vector<std::pair<std::string, std::string>>& env,
                   const std::string& name, int status) {
  if (name == "?") return std::to_string(status);
  if (name == "$") return "1";
  if (name == "#") return "0";
  if (name == "0") return "sh";
  for (const auto& [k, v] : env) {
    if (k == name) return v;
  }
  return "";
}

void SplitInto(const std::string& value, std::string& cur, std::vector<std::string>& fields,
               bool& any) {
  size_t i = 0;
  bool first = true;
  while (i < value.size()) {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    size_t start = i;
    while (i < value.size() && !std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    if (start == i) break;
    if (!first) fields.push_back(std::move(cur)), cur.clear();
    cur += value.substr(start, i - start);
    any = true;
    first = false;
  }
}

}  // namespace

// Expands words to fields; unquoted variables split on whitespace, quoted ones never do.
static std::vector<std::string> ExpandWords(
    const std::vector<Word>& words, const std::vector<std::pair<std::string, std::string>>& env,
    int status) {
  std::vector<std::string> fields;
  for (const Word& word : words) {
    std::string cur;
    bool any = false;
    for (const Segment& s : word.segments) {
      if (s.kind == Segment::Kind::kLiteral) {
        cur += s.text;
        any = true;
        continue;
      }
      std::string value = Lookup(env, s.text, status);
      if (value.empty() && s.has_fallback) value = s.fallback;
      if (s.quoted) {
        cur += value;
        any = true;
      } else {
        SplitInto(value, cur, fields, any);
      }
    }
    if (any) fields.push_back(std::move(cur));
  }
  return fields;
}

static bool IsAssignment(const std::string& field) {
  size_t eq = field.find('=');
  if (eq == 0 || eq == std::string::npos) return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = field[i];
    if (!(c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
          (i > 0 && std::isdigit(static_cast<unsigned char>(c))))) {
      return false;
    }
  }
  return true;
}

bool Shell::StepOp(ShellStep& step) {
  Frame& frame = frames_.back();
  const Program& program = *frame.program;
  if (!program.error.empty()) {
    step.err += "sh: unsupported: " + program.error + "\n";
    status_ = 127;
    frames_.pop_back();
    return false;
  }
  if (frame.pc >= program.ops.size()) {
    frames_.pop_back();
    return false;
  }
  const Op op = program.ops[frame.pc++];
  switch (op.kind) {
    case Op::Kind::kCommand: {
      std::vector<std::string> argv = ExpandWords(program.commands[op.arg], context_.env, status_);
      // Leading NAME=value words set variables (for the rest of the script, a simplification).
      size_t n = 0;
      for (; n < argv.size() && IsAssignment(argv[n]); ++n) {
        size_t eq = argv[n].find('=');
        SetVar(argv[n].substr(0, eq), argv[n].substr(eq + 1));
      }
      argv.erase(argv.begin(), argv.begin() + static_cast<long>(n));
      Outcome outcome = argv.empty() ? Outcome{} : Execute(argv, step);
      status_ = outcome.status;
      if (outcome.exit) {
        frames_.pop_back();
        return false;
      }
      if (!outcome.sleep) return false;
      step.next = ShellStep::Next::kSleep;
      step.sleep = *outcome.sleep;
      return true;
    }
    case Op::Kind::kJump:
      frame.pc = op.target;
      return false;
    case Op::Kind::kJumpIfFail:
      if (status_ != 0) frame.pc = op.target;
      return false;
    case Op::Kind::kJumpIfOk:
      if (status_ == 0) frame.pc = op.target;
      return false;
    case Op::Kind::kStatusZero:
      status_ = 0;
      return false;
    case Op::Kind::kForInit:
      frame.loops.resize(program.loops.size());
      frame.loops[op.arg] =
          ForState{ExpandWords(program.loops[op.arg].items, context_.env, status_), 0};
      return false;
    case Op::Kind::kForNext: {
      ForState& loop = frame.loops[op.arg];
      if (loop.next >= loop.items.size()) {
        frame.pc = op.target;
      } else {
        SetVar(program.loops[op.arg].var, loop.items[loop.next++]);
      }
      return false;
    }
  }
  return false;
}

void Shell::SetVar(const std::string& name, const std::string& value) {
  for (auto& [k, v] : context_.env) {
    if (k == name) {
      v = value;
      return;
    }
  }
  context_.env.emplace_back(name, value);
}

Shell::Outcome Shell::Execute(const std::vector<std::string>& argv, ShellStep& step) {
  if (kShells.count(Basename(argv[0])) == 0) return Builtin(argv, step);
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] != "-c") continue;
    if (i + 1 >= argv.size()) {
      step.err += "sh: -c requires an argument\n";
      return Outcome::Status(2);
    }
    if (frames_.size() >= kMaxNesting) {
      step.err += "sh: unsupported: nesting deeper than 16 shells\n";
      return Outcome::Status(127);
    }
    PushScript(argv[i + 1]);
    return Outcome::Status(0);
  }
  return Outcome::Status(0);  // `sh` reading an empty stdin
}

bool ParseDuration(const std::string& text, std::chrono::nanoseconds& out) {
  if (text == "infinity" || text == "inf") {
    out = ShellStep::Forever();
    return true;
  }
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '.')) {
    return false;  // no sign: negative durations make no sense here
  }
  if (text.find_first_not_of("0123456789.") == std::string::npos) {  // a bare number: seconds
    char* end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (*end != '\0' || !std::isfinite(seconds) || seconds > 1e9) return false;
    out = std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9));
    return true;
  }
  Result<int64_t> nanos = ParseGoDuration(text);
  if (!nanos.ok()) return false;
  out = std::chrono::nanoseconds(*nanos);
  return true;
}

}  // namespace pk::fakecri
