// Running a container's simulated process: launch, steps on the timer, exit, CRI log files
// and events.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "apimachinery/time.h"
#include "fake-cri/runtime_impl.h"

namespace pk::fakecri {
namespace {

// A yielding process (a loop without sleep) waits this long, in real time, per step.
constexpr auto kYieldPause = std::chrono::milliseconds(50);
// kubelet's default containerLogMaxSize: a file stops growing there (no rotation here).
constexpr uint64_t kMaxLogBytes = 10 * 1024 * 1024;

std::vector<std::string> ArgvOf(const cri::ContainerConfig& config, const ImageInfo* image) {
  // Docker's rule: a command replaces the entrypoint and drops the image's cmd.
  std::vector<std::string> argv(config.command().begin(), config.command().end());
  std::vector<std::string> args(config.args().begin(), config.args().end());
  if (argv.empty() && image != nullptr) {
    argv = image->entrypoint;
    if (args.empty()) args = image->cmd;
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string FormatWall(std::chrono::system_clock::time_point t, const char* format) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  return std::string(buf, std::strftime(buf, sizeof(buf), format, &tm));
}

}  // namespace

Status Runtime::Impl::Launch(ContainerRecord& c) {
  std::vector<std::string> argv = ArgvOf(c.config, c.image);
  if (!argv.empty() && Shell::Handles(argv)) {
    c.process.shell = std::make_unique<Shell>(argv, ContextOf(c));
  } else if (!argv.empty() && c.image != nullptr && c.image->serve) {
    c.process.serve = &*c.image->serve;
  } else {
    std::string message = fmt::format(
        "failed to create containerd task: failed to create shim task: OCI runtime create "
        "failed: runc create failed: unable to start container process: exec: \"{}\": {}: "
        "unknown",
        argv.empty() ? "" : argv[0],
        argv.empty() ? "no command specified" : "executable file not found in $PATH");
    c.status.set_state(cri::CONTAINER_EXITED);
    c.status.set_exit_code(128);
    c.status.set_reason("StartError");
    c.status.set_message(message);
    c.status.set_finished_at(WallNanos());
    Publish(c, cri::CONTAINER_STOPPED_EVENT);
    return Status(Reason::kUnknown, message);
  }
  c.status.set_state(cri::CONTAINER_RUNNING);
  c.status.set_started_at(WallNanos());
  if (c.ready_after) c.ready_at = After(*c.ready_after);
  if (c.probe_fail_after) c.probe_fail_at = After(*c.probe_fail_after);
  Publish(c, cri::CONTAINER_STARTED_EVENT);
  if (c.exit_after) {
    AtContainer(After(*c.exit_after), c.status.id(),
                [this](ContainerRecord& c) { Finish(c, c.exit_code_override.value_or(0), ""); });
  }
  if (c.oom_after) {
    AtContainer(After(*c.oom_after), c.status.id(),
                [this](ContainerRecord& c) { Finish(c, 137, "OOMKilled"); });
  }
  if (c.process.serve != nullptr) {
    Serve(c);
  } else {
    Advance(c);
  }
  return Status::OK();
}

void Runtime::Impl::Advance(ContainerRecord& c) {
  ShellStep step = c.process.shell->Run();
  Log(c, 0, step.out);
  Log(c, 1, step.err);
  const std::string& id = c.status.id();
  auto again = [this](ContainerRecord& c) { Advance(c); };
  switch (step.next) {
    case ShellStep::Next::kExit:
      return Finish(c, c.exit_code_override.value_or(step.exit_code), "");
    case ShellStep::Next::kSleep:
      if (step.sleep != ShellStep::Forever()) AtContainer(After(step.sleep), id, again);
      return;
    case ShellStep::Next::kYield:
      return AtContainer(Now() + kYieldPause, id, again);
  }
}

void Runtime::Impl::Serve(ContainerRecord& c) {
  // Each stream's start-up lines in one write, as a process printing them at once: the log
  // file is opened once a stream, not once a line (a hollow node starts many containers).
  std::string out, err;
  for (const std::string& line : c.process.serve->stdout_lines) out += Substitute(c, line) + "\n";
  for (const std::string& line : c.process.serve->stderr_lines) err += Substitute(c, line) + "\n";
  Log(c, 0, out);
  Log(c, 1, err);
  if (c.process.serve->log_every.count() > 0 && !c.process.serve->log_line.empty()) {
    AtContainer(After(c.process.serve->log_every), c.status.id(),
                [this](ContainerRecord& c) { ServeTick(c); });
  }
}

void Runtime::Impl::ServeTick(ContainerRecord& c) {
  Log(c, 0, Substitute(c, c.process.serve->log_line) + "\n");
  AtContainer(After(c.process.serve->log_every), c.status.id(),
              [this](ContainerRecord& c) { ServeTick(c); });
}

std::string Runtime::Impl::Substitute(const ContainerRecord& c, const std::string& line) const {
  auto now = options.clock->WallNow();
  std::pair<std::string, std::string> vars[] = {
      {"{ip}", sandboxes.at(c.sandbox_id).status.network().ip()},
      {"{time}", FormatWall(now, "%Y/%m/%d %H:%M:%S")},
      {"{clf_time}", FormatWall(now, "%d/%b/%Y:%H:%M:%S +0000")}};
  std::string out = line;
  for (const auto& [key, value] : vars) {
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size()))
      out.replace(at, key.size(), value);
  }
  return out;
}

void Runtime::Impl::Finish(ContainerRecord& c, int exit_code, std::string reason,
                           std::string message) {
  if (c.status.state() != cri::CONTAINER_RUNNING) return;
  FlushLog(c);
  c.status.set_state(cri::CONTAINER_EXITED);
  c.status.set_exit_code(exit_code);
  c.status.set_reason(!reason.empty() ? reason : exit_code == 0 ? "Completed" : "Error");
  c.status.set_message(message);
  c.status.set_finished_at(WallNanos());
  ++c.generation;
  c.process = ProcessRecord{};
  for (auto& w : c.stop_waiters) Defer([w] { w(Status::OK()); });
  c.stop_waiters.clear();
  std::vector<uint64_t> orphans;
  for (const auto& [exec_id, e] : execs) {
    if (e.container_id == c.status.id()) orphans.push_back(exec_id);
  }
  for (uint64_t exec_id : orphans) EndExec(exec_id, 137);  // killed with the container
  Publish(c, cri::CONTAINER_STOPPED_EVENT);
}

void Runtime::Impl::Remove(const std::string& id) {
  ContainerRecord* c = FindContainer(id);
  if (c == nullptr) return;
  Finish(*c, 137, "Error", "killed: the container was removed");
  Publish(*c, cri::CONTAINER_DELETED_EVENT);
  containers_by_pod.Remove(c->status.labels(), id);
  containers.erase(id);
}

std::string Runtime::Impl::LogPath(const ContainerRecord& c) const {
  std::string dir = sandboxes.at(c.sandbox_id).config.log_directory();
  if (dir.empty()) dir = options.state_dir;
  std::string rel = c.config.log_path().empty() ? c.status.id() + ".log" : c.config.log_path();
  return (std::filesystem::path(dir) / rel).string();
}

namespace {

// Appends `text` to the file at `path`. The directory is made only when the file cannot be
// opened for want of it (the first line of a container, usually), not for every line.
void AppendLog(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "ae");
  if (f == nullptr && errno == ENOENT) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    f = std::fopen(path.c_str(), "ae");
  }
  if (f == nullptr) return;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

}  // namespace

// CRI log lines: "<RFC 3339 nano> <stream> F <line>"; text after the last newline waits.
void Runtime::Impl::Log(ContainerRecord& c, int stream, const std::string& text) {
  if (text.empty()) return;
  std::string& partial = c.partial[stream];
  partial += text;
  size_t end = partial.rfind('\n');
  if (end == std::string::npos) return;
  std::string lines = partial.substr(0, end + 1);
  partial.erase(0, end + 1);
  if (c.log_bytes >= kMaxLogBytes) return;
  Nanos now(WallNanos());
  std::string stamp = FormatRfc3339(now.count() / 1000000000);
  stamp.pop_back();  // "Z"
  stamp +=
      fmt::format(".{:09d}Z {} F ", now.count() % 1000000000, stream == 0 ? "stdout" : "stderr");
  std::string out;
  for (size_t start = 0; start < lines.size();) {
    size_t nl = lines.find('\n', start);
    out += stamp + lines.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  AppendLog(c.status.log_path(), out);
  c.log_bytes += out.size();
}

void Runtime::Impl::FlushLog(ContainerRecord& c) {
  for (int stream = 0; stream < 2; ++stream) {
    if (!c.partial[stream].empty()) Log(c, stream, "\n");
  }
}

ShellContext Runtime::Impl::ContextOf(const ContainerRecord& c) const {
  const SandboxRecord& sandbox = sandboxes.at(c.sandbox_id);
  std::string hostname = sandbox.config.hostname().empty() ? sandbox.config.metadata().name()
                                                           : sandbox.config.hostname();
  ShellContext context;
  context.env.emplace_back("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  context.env.emplace_back("HOSTNAME", hostname);
  if (c.image != nullptr)
    context.env.insert(context.env.end(), c.image->env.begin(), c.image->env.end());
  for (const auto& kv : c.config.envs()) context.env.emplace_back(kv.key(), kv.value());
  for (size_t i = 0; i < context.env.size(); ++i) {  // later definitions win, first place kept
    for (size_t j = i + 1; j < context.env.size();) {
      if (context.env[j].first == context.env[i].first) {
        context.env[i].second = context.env[j].second;
        context.env.erase(context.env.begin() + static_cast<long>(j));
      } else {
        ++j;
      }
    }
  }
  const std::string& ip = sandbox.status.network().ip();
  const std::string& ns = sandbox.config.metadata().namespace_();
  context.files["/etc/hostname"] = hostname + "\n";
  context.files["/etc/hosts"] =
      "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost "
      "ip6-localhost ip6-loopback\n" +
      ip + "\t" + hostname + "\n";
  context.files["/etc/resolv.conf"] = "search " + ns +
                                      ".svc.cluster.local svc.cluster.local "
                                      "cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n";
  context.now = [clock = options.clock] { return clock->WallNow(); };
  return context;
}

void Runtime::Impl::Publish(const ContainerRecord& c, cri::ContainerEventType type) {
  if (subscribers.empty()) return;
  cri::ContainerEventResponse event;
  event.set_container_id(c.status.id());
  event.set_container_event_type(type);
  event.set_created_at(WallNanos());
  *event.mutable_pod_sandbox_status() = sandboxes.at(c.sandbox_id).status;
  for (const auto& [id, other] : containers) {
    if (other.sandbox_id == c.sandbox_id) *event.add_containers_statuses() = other.status;
  }
  for (const auto& [sub, on_event] : subscribers) Defer([on_event, event] { on_event(event); });
}

}  // namespace pk::fakecri
