// The runtime's state and the helpers its files share. Internal to fake-cri/.
//
// One mutex guards everything. Callbacks owed to callers are queued with Defer() while it is
// held and run by Locked's destructor after it is released, so a callback may re-enter.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "fake-cri/runtime.h"
#include "fake-cri/shell.h"
#include "fake-cri/timer.h"

namespace pk::fakecri {

using Clock = client::Clock;
using Nanos = std::chrono::nanoseconds;

// Ids of sandboxes or containers by the value of one label, the kubelet's pod uid: a listing
// filtered by it (the kubelet's per-pod look) visits that pod's objects, not the runtime's.
class LabelIndex {
 public:
  using Labels = google::protobuf::Map<std::string, std::string>;
  static constexpr const char* kLabel = "io.kubernetes.pod.uid";

  void Add(const Labels& labels, const std::string& id);
  void Remove(const Labels& labels, const std::string& id);
  void Clear() { ids_.clear(); }
  // The ids, in order, whose label has the value `selector` asks for; null when `selector`
  // does not name the label (every id is then a candidate).
  const std::set<std::string>* Candidates(const Labels& selector) const;

 private:
  std::map<std::string, std::set<std::string>> ids_;  // by label value
};

struct SandboxRecord {
  cri::PodSandboxStatus status;
  cri::PodSandboxConfig config;
  std::string cidr;  // the range its IP came from ("" when none was allocated)
};

// A simulated process: the container's main process or an exec.
struct ProcessRecord {
  std::unique_ptr<Shell> shell;           // null for an image's server behaviour
  const ServeBehaviour* serve = nullptr;  // the catalog's, when serving
};

struct ExecRecord {
  std::string container_id;
  ProcessRecord process;
  std::function<void(const std::string&, const std::string&)> output;
  std::function<void(Result<int>)> done;
};

struct ContainerRecord {
  cri::ContainerStatus status;
  std::string sandbox_id;
  cri::ContainerConfig config;
  const ImageInfo* image = nullptr;
  ProcessRecord process;
  uint64_t generation = 0;  // bumped on exit: older timer callbacks are ignored
  // From the annotations (durations kept until the start turns them into times).
  std::optional<Nanos> exit_after, oom_after, ready_after, probe_fail_after;
  std::optional<int> exit_code_override;
  std::optional<Clock::TimePoint> ready_at, probe_fail_at;
  bool stopping = false;
  std::vector<std::function<void(Status)>> stop_waiters;
  std::string partial[2];  // stdout, stderr text after the last newline
  uint64_t log_bytes = 0;
};

struct PullRecord {
  std::vector<std::function<void(Result<std::string>)>> waiters;
};

struct FailRule {
  int remaining = 0;
  std::string image;  // canonical; "" = any
};

struct Runtime::Impl {
  explicit Impl(RuntimeOptions o) : options(std::move(o)), timer(*options.clock) {}

  // Holds mu; runs the deferred callbacks once released.
  class Locked {
   public:
    explicit Locked(Impl& impl) : impl_(impl), lock_(impl.mu) {}
    ~Locked();

   private:
    Impl& impl_;
    std::unique_lock<std::mutex> lock_;
  };
  void Defer(std::function<void()> f) { deferred.push_back(std::move(f)); }

  // Helpers below expect mu held.
  Clock::TimePoint Now() const { return options.clock->Now(); }
  int64_t WallNanos() const;
  Clock::TimePoint After(Nanos simulated) const;  // now + simulated * time_scale
  std::string NextId(const char* kind);
  // Runs `f(container)` at `when` if the container still exists in this generation.
  void AtContainer(Clock::TimePoint when, const std::string& id,
                   std::function<void(ContainerRecord&)> f);

  // runtime_sandbox.cc
  Result<std::string> AllocateIp(const std::string& cidr);
  void ReleaseIp(const SandboxRecord& sandbox);

  // runtime_process.cc
  Status Launch(ContainerRecord& c);
  void Advance(ContainerRecord& c);
  void Finish(ContainerRecord& c, int exit_code, std::string reason, std::string message = "");
  void Serve(ContainerRecord& c);
  void ServeTick(ContainerRecord& c);
  std::string Substitute(const ContainerRecord& c, const std::string& line) const;
  void Log(ContainerRecord& c, int stream, const std::string& text);
  void FlushLog(ContainerRecord& c);
  std::string LogPath(const ContainerRecord& c) const;
  ShellContext ContextOf(const ContainerRecord& c) const;
  void Publish(const ContainerRecord& c, cri::ContainerEventType type);
  void Remove(const std::string& id);

  // runtime_exec.cc
  void AdvanceExec(uint64_t exec_id);
  void EndExec(uint64_t exec_id, Result<int> result);

  ContainerRecord* FindContainer(const std::string& id);
  const cri::Image* FindImage(const std::string& image);  // by reference or id

  const RuntimeOptions options;
  Timer timer;

  std::mutex mu;
  std::vector<std::function<void()>> deferred;
  uint64_t next_id = 0;
  uint64_t epoch = 0;  // bumped by Reboot: pulls in flight are forgotten
  std::string default_cidr = "10.244.0.0/24";
  std::map<std::string, SandboxRecord> sandboxes;
  std::map<std::string, ContainerRecord> containers;
  LabelIndex sandboxes_by_pod, containers_by_pod;  // kept with the two maps above
  std::map<std::string, cri::Image> images;        // by canonical reference
  std::map<std::string, PullRecord> pulls;         // in flight, by canonical reference
  std::vector<FailRule> fail_rules;
  std::map<std::string, std::set<uint32_t>> used_ips;  // by CIDR
  std::map<uint64_t, ExecRecord> execs;
  uint64_t next_exec = 0;
  std::map<uint64_t, std::function<void(const cri::ContainerEventResponse&)>> subscribers;
  uint64_t next_subscriber = 0;
};

}  // namespace pk::fakecri
