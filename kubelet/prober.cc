#include "kubelet/prober.h"

#include <fmt/format.h>

#include <algorithm>

namespace pk::kubelet {

using k8s::core::v1::Container;
using k8s::core::v1::Pod;
using k8s::core::v1::Probe;
using Clock = std::chrono::steady_clock;

// One probe of one container instance.
struct Prober::Worker {
  Pod pod;  // as it was when the worker started
  std::string uid, key, container, container_id;
  std::string type;  // liveness, readiness, startup
  Probe probe;
  Clock::time_point next;
  int successes = 0, failures = 0;
  bool result = false;   // the current result
  bool decided = false;  // a threshold was reached at least once
};

namespace {

int PortOf(const Container& c, const k8s::util::IntOrString& port) {
  if (port.type() == 0) return port.int_val();
  for (const auto& p : c.ports()) {
    if (p.name() == port.str_val()) return p.container_port();
  }
  return 0;
}

Clock::duration Seconds(double s, double scale) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s * scale));
}

// What a container's probe gives before it has run (Kubernetes' initial values).
bool InitialResult(const std::string& type) { return type == "liveness"; }

std::string Capitalized(const std::string& type) {
  std::string s = type;
  if (!s.empty()) s[0] = char(std::toupper(s[0]));
  return s;
}

}  // namespace

Prober::Prober(RuntimeClient* runtime, double time_scale,
               std::function<void(const std::string&)> on_change, Unhealthy unhealthy)
    : runtime_(runtime),
      time_scale_(time_scale),
      on_change_(std::move(on_change)),
      unhealthy_(std::move(unhealthy)),
      thread_([this] { Loop(); }) {}

Prober::~Prober() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Prober::Update(const Pod& pod, const PodRuntimeState& runtime) {
  std::lock_guard lock(mu_);
  const std::string& uid = pod.metadata().uid();
  std::set<std::string> live;
  for (const Container& c : pod.spec().containers()) {
    const ContainerInstance* latest = runtime.Latest(c.name());
    if (latest == nullptr || latest->state != ContainerInstance::State::kRunning) continue;
    const std::pair<const char*, const Probe*> probes[] = {
        {"startup", c.has_startup_probe() ? &c.startup_probe() : nullptr},
        {"liveness", c.has_liveness_probe() ? &c.liveness_probe() : nullptr},
        {"readiness", c.has_readiness_probe() ? &c.readiness_probe() : nullptr}};
    for (const auto& [type, probe] : probes) {
      if (probe == nullptr) continue;
      std::string id = latest->id + "/" + type;
      live.insert(id);
      if (workers_.count(id)) continue;
      auto w = std::make_unique<Worker>();
      w->pod = pod;
      w->uid = uid;
      w->key = pod.metadata().namespace_() + "/" + pod.metadata().name();
      w->container = c.name();
      w->container_id = latest->id;
      w->type = type;
      w->probe = *probe;
      w->result = InitialResult(type);
      w->next = Clock::now() + Seconds(probe->initial_delay_seconds(), time_scale_);
      workers_[id] = std::move(w);
      ProbeResults& r = results_[uid];
      if (std::string(type) == "readiness") r.ready[c.name()] = false;
      if (std::string(type) == "startup") r.started[c.name()] = false;
      if (std::string(type) == "liveness") r.liveness_failed[c.name()] = false;
    }
  }
  std::erase_if(workers_,
                [&](const auto& w) { return w.second->uid == uid && !live.count(w.first); });
  wake_.notify_all();
}

void Prober::Forget(const std::string& uid) {
  std::lock_guard lock(mu_);
  std::erase_if(workers_, [&](const auto& w) { return w.second->uid == uid; });
  results_.erase(uid);
}

ProbeResults Prober::Results(const std::string& uid) const {
  std::lock_guard lock(mu_);
  auto it = results_.find(uid);
  return it == results_.end() ? ProbeResults{} : it->second;
}

void Prober::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    Worker* due = nullptr;
    for (auto& [id, w] : workers_) {
      if (due == nullptr || w->next < due->next) due = w.get();
    }
    if (due == nullptr) {
      wake_.wait(lock);
      continue;
    }
    if (due->next > Clock::now()) {
      wake_.wait_until(lock, due->next);
      continue;
    }
    // A startup probe that has not succeeded holds the others back.
    auto started = results_[due->uid].started.find(due->container);
    bool held =
        due->type != "startup" && started != results_[due->uid].started.end() && !started->second;
    due->next = Clock::now() + Seconds(std::max(1, due->probe.period_seconds()), time_scale_);
    if (held) continue;
    Worker copy = *due;  // probed without the lock
    std::string id = due->container_id + "/" + due->type;
    lock.unlock();
    RunOne(copy);
    lock.lock();
    auto it = workers_.find(id);
    if (it == workers_.end()) continue;  // the container went meanwhile
    bool before = it->second->result;
    it->second->successes = copy.successes;
    it->second->failures = copy.failures;
    it->second->result = copy.result;
    if (copy.result == before) continue;
    ProbeResults& r = results_[copy.uid];
    if (copy.type == "readiness") r.ready[copy.container] = copy.result;
    if (copy.type == "startup") r.started[copy.container] = copy.result;
    if (copy.type == "liveness") r.liveness_failed[copy.container] = !copy.result;
    if (copy.type == "startup" && copy.result) workers_.erase(it);  // done once it succeeded
    lock.unlock();
    on_change_(copy.key);
    lock.lock();
  }
}

void Prober::RunOne(Worker& w) {
  const Container* c = nullptr;
  for (const auto& each : w.pod.spec().containers()) {
    if (each.name() == w.container) c = &each;
  }
  if (c == nullptr) return;
  bool ok = false;
  std::string message;
  int timeout = std::max(1, w.probe.timeout_seconds());
  if (w.probe.has_exec()) {
    std::vector<std::string> cmd(w.probe.exec().command().begin(), w.probe.exec().command().end());
    auto out = runtime_->ExecSync(w.container_id, cmd, timeout);
    ok = out.ok() && out->exit_code() == 0;
    message = out.ok() ? out->stdout() + out->stderr() : out.status().message();
  } else {
    runtime::v1::ProbeContainerRequest in;
    in.set_container_id(w.container_id);
    in.set_probe_type(w.type);
    if (w.probe.has_http_get()) {
      in.set_kind("httpGet");
      in.set_port(PortOf(*c, w.probe.http_get().port()));
      in.set_path(w.probe.http_get().path().empty() ? "/" : w.probe.http_get().path());
    } else {
      in.set_kind("tcpSocket");
      in.set_port(w.probe.has_tcp_socket() ? PortOf(*c, w.probe.tcp_socket().port())
                                           : w.probe.grpc().port());
    }
    auto out = runtime_->Probe(in);
    ok = out.ok() && out->success();
    message = out.ok() ? out->message() : out.status().message();
  }
  int success_threshold = std::max(1, w.probe.success_threshold());
  int failure_threshold =
      std::max(1, w.probe.failure_threshold() == 0 ? 3 : w.probe.failure_threshold());
  if (ok) {
    w.failures = 0;
    if (++w.successes >= success_threshold) w.result = true;
    return;
  }
  w.successes = 0;
  if (unhealthy_) {
    unhealthy_(w.pod, w.container,
               fmt::format("{} probe failed: {}", Capitalized(w.type), message));
  }
  if (++w.failures >= failure_threshold) w.result = false;
}

}  // namespace pk::kubelet
