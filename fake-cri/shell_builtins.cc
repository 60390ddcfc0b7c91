// The shell's commands. Messages and exit codes follow busybox, what most images' `sh` is.
#include <algorithm>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "fake-cri/shell.h"
#include "fake-cri/shell_program.h"

namespace pk::fakecri {

namespace {

using Args = std::vector<std::string>;

std::optional<long> ToInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t used = 0;
  try {
    long v = std::stol(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  return std::nullopt;
}

// Backslash escapes of `printf` and `echo -e`; `\c` stops output (sets *stop).
std::string Unescape(const std::string& s, bool* stop) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case 'c':
        if (stop) *stop = true;
        return out;
      default:
        out += '\\';
        out += c;
    }
  }
  return out;
}

std::string Echo(const Args& a) {
  bool newline = true, escapes = false;
  size_t i = 1;
  for (; i < a.size() && a[i].size() > 1 && a[i][0] == '-' &&
         a[i].find_first_not_of("neE", 1) == std::string::npos;
       ++i) {
    if (a[i].find('n') != std::string::npos) newline = false;
    if (a[i].find('e') != std::string::npos) escapes = true;
  }
  std::string out;
  bool stop = false;
  for (size_t j = i; j < a.size() && !stop; ++j) {
    if (j > i) out += ' ';
    out += escapes ? Unescape(a[j], &stop) : a[j];
  }
  return stop || !newline ? out : out + '\n';
}

// One pass of the format; returns how many arguments it consumed.
size_t PrintfOnce(const std::string& format, const Args& a, size_t next, std::string& out) {
  size_t used = 0;
  std::string f = Unescape(format, nullptr);
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%' || i + 1 >= f.size()) {
      out += f[i];
      continue;
    }
    size_t j = i + 1;
    while (j < f.size() && std::string_view("-0123456789.").find(f[j]) != std::string_view::npos)
      ++j;
    if (j >= f.size()) break;
    char conv = f[j];
    std::string arg = next + used < a.size() ? a[next + used] : "";
    if (conv == '%') {
      out += '%';
    } else if (conv == 's' || conv == 'b') {
      out += conv == 'b' ? Unescape(arg, nullptr) : arg, ++used;
    } else if (conv == 'd' || conv == 'i') {
      out += std::to_string(ToInt(arg).value_or(0)), ++used;
    } else if (conv == 'c') {
      out += arg.substr(0, 1), ++used;
    } else {
      out += f.substr(i, j - i + 1);
    }
    i = j;
  }
  return used;
}

std::string Printf(const Args& a) {
  if (a.size() < 2) return "";
  std::string out;
  size_t next = 2;
  do {
    size_t used = PrintfOnce(a[1], a, next, out);
    if (used == 0) break;
    next += used;
  } while (next < a.size());
  return out;
}

std::set<std::string> Children(const std::map<std::string, std::string>& files,
                               const std::string& dir) {
  static const std::set<std::string> kRoot = {"bin",  "dev", "etc", "home", "lib", "proc",
                                              "root", "sys", "tmp", "usr",  "var"};
  std::set<std::string> out = dir == "/" ? kRoot : std::set<std::string>{};
  std::string prefix = dir == "/" ? "/" : dir + "/";
  for (const auto& [path, content] : files) {
    if (path.rfind(prefix, 0) != 0) continue;
    std::string rest = path.substr(prefix.size());
    out.insert(rest.substr(0, rest.find('/')));
  }
  return out;
}

// test / [ with -z -n -e -f -d = != -eq -ne -lt -le -gt -ge and a leading !.
int Test(Args a, const std::map<std::string, std::string>& files, std::string& err) {
  bool negate = !a.empty() && a[0] == "!";
  if (negate) a.erase(a.begin());
  bool result = false;
  if (a.size() == 1) {
    result = !a[0].empty();
  } else if (a.size() == 2) {
    if (a[0] == "-z")
      result = a[1].empty();
    else if (a[0] == "-n")
      result = !a[1].empty();
    else if (a[0] == "-e" || a[0] == "-f")
      result = files.count(a[1]) > 0;
    else if (a[0] == "-d")
      result = a[1] == "/" || !Children(files, a[1]).empty();
    else
      return err += "sh: test: " + a[0] + ": unknown operand\n", 2;
  } else if (a.size() == 3 && (a[1] == "=" || a[1] == "==" || a[1] == "!=")) {
    result = (a[0] == a[2]) == (a[1] != "!=");
  } else if (a.size() == 3) {
    auto l = ToInt(a[0]), r = ToInt(a[2]);
    if (!l || !r) return err += "sh: test: bad number\n", 2;
    static const std::map<std::string, std::function<bool(long, long)>> kOps = {
        {"-eq", std::equal_to<long>()}, {"-ne", std::not_equal_to<long>()},
        {"-lt", std::less<long>()},     {"-le", std::less_equal<long>()},
        {"-gt", std::greater<long>()},  {"-ge", std::greater_equal<long>()}};
    auto op = kOps.find(a[1]);
    if (op == kOps.end()) return err += "sh: test: " + a[1] + ": unknown operand\n", 2;
    result = op->second(*l, *r);
  } else if (!a.empty()) {
    return err += "sh: test: unsupported expression\n", 2;
  }
  return result != negate ? 0 : 1;
}

}  // namespace

bool IsBuiltin(const std::string& name) {
  static const std::set<std::string> kNames = {
      "echo",     "printf",   "sleep", "exit", "true", "false",  ":",      "env",
      "printenv", "cat",      "ls",    "test", "[",    "export", "unset",  "cd",
      "date",     "hostname", "pwd",   "trap", "wait", "uname",  "whoami", "id"};
  return kNames.count(name) > 0;
}

std::string Shell::Hostname() const {
  for (const auto& [k, v] : context_.env) {
    if (k == "HOSTNAME") return v;
  }
  return "localhost";
}

Shell::Outcome Shell::Builtin(const Args& a, ShellStep& step) {
  const std::string name = Basename(a[0]);
  if (name == "echo") return step.out += Echo(a), Outcome{};
  if (name == "printf") return step.out += Printf(a), Outcome{};
  if (name == "true" || name == ":" || name == "cd" || name == "trap" || name == "wait") {
    return Outcome{};  // trap: busybox runs handlers only after the foreground command ends
  }
  if (name == "false") return Outcome::Status(1);
  if (name == "exit") {
    if (a.size() < 2) return Outcome::Exited(status_);
    auto code = ToInt(a[1]);
    if (!code) return step.err += "sh: exit: Illegal number: " + a[1] + "\n", Outcome::Exited(2);
    return Outcome::Exited(static_cast<int>(*code & 0xff));
  }
  if (name == "sleep") {
    std::chrono::nanoseconds total{0};
    for (size_t i = 1; i < a.size(); ++i) {
      std::chrono::nanoseconds d;
      if (!ParseDuration(a[i], d))
        return step.err += "sleep: invalid number '" + a[i] + "'\n", Outcome::Status(1);
      total = d == ShellStep::Forever() || total == ShellStep::Forever() ? d : total + d;
    }
    if (a.size() < 2) return step.err += "sleep: missing operand\n", Outcome::Status(1);
    return Outcome::Slept(total);
  }
  if (name == "env" || name == "printenv" || name == "export" || name == "unset") {
    return Environment(a, step);
  }
  if (name == "hostname") return step.out += Hostname() + "\n", Outcome{};
  if (name == "pwd") return step.out += "/\n", Outcome{};
  if (name == "uname") return step.out += "Linux\n", Outcome{};
  if (name == "whoami") return step.out += "root\n", Outcome{};
  if (name == "id") return step.out += "uid=0(root) gid=0(root) groups=0(root)\n", Outcome{};
  if (name == "date") return step.out += Date(a), Outcome{};
  if (name == "cat" || name == "ls") return Files(a, step);
  if (name == "test" || name == "[") {
    Args rest(a.begin() + 1, a.end());
    if (name == "[") {
      if (rest.empty() || rest.back() != "]")
        return step.err += "sh: [: missing ]\n", Outcome::Status(2);
      rest.pop_back();
    }
    return Outcome::Status(Test(rest, context_.files, step.err));
  }
  step.err += "sh: " + a[0] + ": not found\n";
  return Outcome::Status(127);
}

Shell::Outcome Shell::Environment(const Args& a, ShellStep& step) {
  const std::string name = Basename(a[0]);
  if (name == "export" || name == "unset") {
    for (size_t i = 1; i < a.size(); ++i) {
      size_t eq = a[i].find('=');
      if (name == "unset") {
        std::erase_if(context_.env, [&](const auto& kv) { return kv.first == a[i]; });
      } else if (eq != std::string::npos) {
        SetVar(a[i].substr(0, eq), a[i].substr(eq + 1));
      }
    }
    return Outcome{};
  }
  if (name == "printenv" && a.size() > 1) {
    for (const auto& [k, v] : context_.env) {
      if (k == a[1]) return step.out += v + "\n", Outcome{};
    }
    return Outcome::Status(1);
  }
  for (const auto& [k, v] : context_.env) step.out += k + "=" + v + "\n";
  return Outcome{};
}

Shell::Outcome Shell::Files(const Args& a, ShellStep& step) {
  const bool cat = Basename(a[0]) == "cat";
  int status = 0;
  Args paths(a.begin() + 1, a.end());
  std::erase_if(paths, [](const std::string& p) { return !p.empty() && p[0] == '-'; });
  if (paths.empty() && !cat) paths.push_back("/");
  for (const std::string& p : paths) {
    auto file = context_.files.find(p);
    if (file != context_.files.end()) {
      step.out += cat ? file->second : p + "\n";
      continue;
    }
    std::string dir = p.size() > 1 && p.back() == '/' ? p.substr(0, p.size() - 1) : p;
    auto children = Children(context_.files, dir);
    if (cat && (dir == "/" || !children.empty())) {
      step.err += "cat: read error: Is a directory\n", status = 1;
    } else if (cat) {
      step.err += "cat: can't open '" + p + "': No such file or directory\n", status = 1;
    } else if (children.empty()) {
      step.err += "ls: " + p + ": No such file or directory\n", status = 1;
    } else {
      for (const std::string& c : children) step.out += c + "\n";
    }
  }
  return Outcome::Status(status);
}

std::string Shell::Date(const Args& a) const {
  auto now = context_.now ? context_.now() : std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string format = a.size() > 1 && a[1].size() > 1 && a[1][0] == '+'
                           ? a[1].substr(1)
                           : std::string("%a %b %e %H:%M:%S UTC %Y");
  char buf[256];
  size_t n = std::strftime(buf, sizeof(buf), format.c_str(), &tm);
  return std::string(buf, n) + "\n";
}

}  // namespace pk::fakecri
