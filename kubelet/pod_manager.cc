#include "kubelet/pod_manager.h"

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "apimachinery/codec.h"
#include "apimachinery/log.h"
#include "apimachinery/maps.h"
#include "apimachinery/slow_motion.h"
#include "apimachinery/time.h"
#include "client/errors.h"
#include "kubelet/pod_actions.h"
#include "kubelet/pod_status.h"
#include "trace/trace.h"

namespace pk::kubelet {
namespace {

using k8s::core::v1::Pod;

std::string KeyOf(const Pod& pod) {
  return pod.metadata().namespace_() + "/" + pod.metadata().name();
}

// Kubernetes' podsDifferSemantically: whether the spec, labels, annotations or deletion
// changed; also true when the Ready condition may need the readiness gates again, or the
// pod failed (an eviction), as HandlePodReconcile syncs those. Comparing serialized specs
// may see a difference where there is none (map order): then the pod is synced, which is
// always safe.
bool NeedsSync(const Pod& old, const Pod& cur) {
  const auto& a = old.metadata();
  const auto& b = cur.metadata();
  const bool same =
      a.has_deletion_timestamp() == b.has_deletion_timestamp() &&
      a.deletion_timestamp().SerializeAsString() == b.deletion_timestamp().SerializeAsString() &&
      a.has_deletion_grace_period_seconds() == b.has_deletion_grace_period_seconds() &&
      a.deletion_grace_period_seconds() == b.deletion_grace_period_seconds() &&
      SameMap(a.labels(), b.labels()) && SameMap(a.annotations(), b.annotations()) &&
      old.spec().SerializeAsString() == cur.spec().SerializeAsString();
  if (!same) return true;
  return !cur.spec().readiness_gates().empty() || cur.status().phase() == "Failed";
}

client::FactoryOptions FactoryOptionsFor(const PodManagerOptions& options) {
  client::FactoryOptions f;
  // One node: only its pods. Hollow nodes: every bound pod, filtered by node here.
  f.reflector.field_selector =
      options.nodes.size() == 1 ? "spec.nodeName=" + options.nodes[0] : "spec.nodeName!=";
  return f;
}

// What the PLEG compares between relists: the sandbox and every container's state.
std::string Fingerprint(const PodRuntimeState& r) {
  std::string f = r.sandbox_id + (r.sandbox_ready ? "+" : "-");
  std::vector<std::string> parts;
  for (const auto& c : r.containers) parts.push_back(c.id + ":" + std::to_string(int(c.state)));
  std::sort(parts.begin(), parts.end());
  for (const auto& p : parts) f += "," + p;
  return f;
}

bool HasBackoff(const PodSyncState& sync) {
  for (const auto& [name, w] : sync.waiting) {
    if (w.reason == "CrashLoopBackOff" || w.reason == "ImagePullBackOff" ||
        w.reason == "ErrImagePull") {
      return true;
    }
  }
  return false;
}

// The keys of a compact JSON object as written (quoted and escaped), in order.
std::vector<std::string_view> TopLevelKeys(std::string_view object) {
  std::vector<std::string_view> keys;
  int depth = 0;
  bool expect_key = false;
  for (size_t i = 0; i < object.size(); ++i) {
    char c = object[i];
    if (c == '"') {
      size_t end = i + 1;
      while (object[end] != '"') end += object[end] == '\\' ? 2 : 1;
      if (depth == 1 && expect_key) keys.push_back(object.substr(i, end + 1 - i));
      expect_key = false;
      i = end;
    } else if (c == '{') {
      expect_key = ++depth == 1;
    } else if (c == '[') {
      ++depth;
      expect_key = false;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',') {
      expect_key = depth == 1;
    }
  }
  return keys;
}

// The merge patch {"status": NOW} for pods/status. A merge patch leaves out what it does not
// name: a field the status no longer has (the podIP of a lost sandbox) is sent as null.
std::string StatusPatch(const k8s::core::v1::PodStatus& before,
                        const k8s::core::v1::PodStatus& now) {
  std::string now_json = json::Encode(now);
  const std::string before_json = json::Encode(before);
  std::vector<std::string_view> now_keys = TopLevelKeys(now_json);
  std::string patch = "{\"status\":";
  patch.append(now_json, 0, now_json.size() - 1);  // without its closing brace
  bool first = now_keys.empty();
  for (std::string_view key : TopLevelKeys(before_json)) {
    if (std::find(now_keys.begin(), now_keys.end(), key) != now_keys.end()) continue;
    patch += first ? "" : ",";
    patch.append(key).append(":null");
    first = false;
  }
  patch += "}}";
  return patch;
}

}  // namespace

PodManager::PodManager(const client::Clientset& clientset, RuntimeClient* runtime,
                       PodEvents* events, PodManagerOptions options)
    : clientset_(clientset),
      runtime_(runtime),
      events_(events),
      options_(std::move(options)),
      crash_backoff_(options_.crash_backoff_initial, options_.crash_backoff_max),
      pull_backoff_(options_.crash_backoff_initial, options_.crash_backoff_max),
      factory_(clientset_, FactoryOptionsFor(options_)),
      pods_(factory_.ForResource<Pod>()) {
  prober_ = std::make_unique<Prober>(
      runtime_, options_.probe_time_scale, [this](const std::string& key) { queue_.Add(key); },
      [this](const Pod& pod, const std::string& container, const std::string& message) {
        if (events_ != nullptr) {
          events_->Record(pod, "spec.containers{" + container + "}", "Warning", "Unhealthy",
                          message);
        }
      });
  pods_.AddIndexer("uid", [](const Pod& p) { return std::vector{p.metadata().uid()}; });
  auto mine = [this](const Pod& p) { return IsMine(p); };
  pods_.AddEventHandler({
      .on_add =
          [this, mine](const client::Ptr<Pod>& p, bool) {
            if (!mine(*p)) return;
            TraceSeen(*p);
            queue_.Add(KeyOf(*p));
          },
      .on_update =
          [this, mine](const client::Ptr<Pod>& old, const client::Ptr<Pod>& p) {
            if (!mine(*p)) return;
            if (!mine(*old)) TraceSeen(*p);
            if (NeedsSync(*old, *p) || !IsOwnStatus(*p)) queue_.Add(KeyOf(*p));
          },
      .on_delete = [this](const client::Deleted<Pod>& d) { queue_.Add(d.key); },
  });
}

PodManager::~PodManager() { Stop(); }

// The pod-flow trace: the kubelet learns that a pod is bound to one of its nodes.
void PodManager::TraceSeen(const Pod& pod) {
  trace::Global().Event(trace::PodRef::Of(pod), "pod seen",
                        "bound to " + pod.spec().node_name() + ": queued for a sync");
}

bool PodManager::IsOwnStatus(const Pod& pod) {
  std::lock_guard lock(mu_);
  auto it = reported_.find(pod.metadata().uid());
  return it != reported_.end() && it->second == pod.status().SerializeAsString();
}

bool PodManager::IsMine(const Pod& pod) const {
  const auto& nodes = options_.nodes;
  return std::find(nodes.begin(), nodes.end(), pod.spec().node_name()) != nodes.end();
}

bool PodManager::Start(std::chrono::milliseconds sync_timeout) {
  factory_.Start();
  bool synced = client::AllSynced(factory_.WaitForCacheSync(sync_timeout));
  threads_.emplace_back([this] {
    while (!stopping_) {
      Relist();
      auto until = std::chrono::steady_clock::now() + options_.relist_period;
      while (!stopping_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  for (int i = 0; i < std::max(1, options_.workers); ++i)
    threads_.emplace_back([this] { Worker(); });
  return synced;
}

void PodManager::Stop() {
  if (stopping_.exchange(true)) return;
  queue_.ShutDown();
  for (auto& t : threads_) t.join();
  threads_.clear();
  factory_.Shutdown();
  prober_.reset();
}

client::Ptr<Pod> PodManager::Get(const std::string& ns, const std::string& name) const {
  auto pod = pods_.GetLister().Get(ns, name);
  return pod.ok() && IsMine(**pod) ? *pod : nullptr;
}

void PodManager::TakeProbeResults(const std::string& uid, PodSyncState* sync) {
  ProbeResults results = prober_->Results(uid);
  sync->ready = std::move(results.ready);
  sync->started = std::move(results.started);
  sync->liveness_failed = std::move(results.liveness_failed);
}

void PodManager::Worker() {
  for (;;) {
    auto item = queue_.Get();
    if (item.shutdown) return;
    Status s = Sync(item.key);
    if (!s.ok())
      pk::Logf("kubelet: sync of pod %s failed: %s\n", item.key.c_str(), s.message().c_str());
    if (s.ok()) {
      queue_.Forget(item.key);
    } else {
      queue_.AddRateLimited(item.key);
    }
    queue_.Done(item.key);
  }
}

void PodManager::Relist() {
  const auto listed_at = RuntimeCache::Time::clock::now();
  auto pods = runtime_->ListPods(options_.nodes.size() == 1 ? options_.nodes[0] : "");
  if (!pods.ok()) {  // the runtime is away: the node status says so
    if (runtime_up_)
      pk::Logf("kubelet: runtime unreachable: %s\n", pods.status().message().c_str());
    runtime_up_ = false;
    return;
  }
  if (!runtime_up_) pk::Logf("kubelet: runtime reachable again\n");
  runtime_up_ = true;
  // Orphans: runtime pods the API no longer has are stopped and removed.
  for (const auto& [uid, state] : *pods) {
    if (!pods_.raw().indexer().ByIndex("uid", uid).empty()) continue;
    SyncContext ctx = ContextFor("");
    (void)KillPod(nullptr, state, 0, ctx);
    RemoveDeadInstances(state, true, ctx);
  }
  // Every pod of the API whose runtime picture changed since it was last seen (by a relist
  // or a sync) is synced; a pod the runtime lost entirely (a reboot) changes to "".
  std::map<std::string, std::string> seen;
  std::vector<std::string> changed;
  std::unique_lock lock(mu_);
  for (const auto& pod : pods_.GetLister().List()) {
    if (!IsMine(*pod)) continue;
    const std::string& uid = pod->metadata().uid();
    auto state = pods->find(uid);
    std::string fingerprint = state == pods->end() ? "" : Fingerprint(state->second);
    auto last = last_seen_.find(uid);
    if (last == last_seen_.end() || last->second != fingerprint) changed.push_back(KeyOf(*pod));
    seen[uid] = std::move(fingerprint);
  }
  last_seen_ = std::move(seen);
  lock.unlock();
  cache_.SetAll(std::move(*pods), listed_at);  // before the syncs it queues read it
  for (const std::string& key : changed) queue_.Add(key);
}

SyncContext PodManager::ContextFor(const std::string& node) {
  SyncContext ctx;
  ctx.runtime = runtime_;
  ctx.events = events_;
  ctx.crash_backoff = &crash_backoff_;
  ctx.pull_backoff = &pull_backoff_;
  ctx.node_name = node;
  auto cidr = options_.pod_cidrs.find(node);
  if (cidr != options_.pod_cidrs.end()) ctx.pod_cidr = cidr->second;
  ctx.log_root = options_.log_root;
  return ctx;
}

PodRuntimeState PodManager::RuntimeOf(const std::string& uid, bool fresh) {
  if (!fresh) {
    if (auto cached = cache_.Get(uid)) return std::move(*cached);
  }
  const auto listed_at = RuntimeCache::Time::clock::now();
  auto pods = runtime_->ListPods("", uid);
  if (!pods.ok()) return {};
  auto it = pods->find(uid);
  PodRuntimeState state = it == pods->end() ? PodRuntimeState{} : std::move(it->second);
  cache_.Set(uid, state, listed_at);
  return state;
}

Status PodManager::Sync(const std::string& key) {
  auto slash = key.find('/');
  auto got = pods_.GetLister().Get(key.substr(0, slash), key.substr(slash + 1));
  if (!got.ok()) return Status::OK();  // gone: the PLEG removes what is left
  const Pod& pod = **got;
  const std::string& uid = pod.metadata().uid();
  PodSyncState sync;
  {
    std::lock_guard lock(mu_);
    sync = sync_[uid];
  }
  SyncContext ctx = ContextFor(pod.spec().node_name());
  bool reported_early = false;
  ctx.report_before_slow_step = [&](const PodSyncState& now) {
    if (std::exchange(reported_early, true)) return;
    (void)ReportStatus(pod, RuntimeOf(uid, /*fresh=*/true), now);
  };
  if (pod.metadata().has_deletion_timestamp()) {
    prober_->Forget(uid);
    Status s = SyncTerminating(pod, ctx, &sync);
    std::lock_guard lock(mu_);
    if (s.ok()) {
      sync_.erase(uid);
      reported_.erase(uid);
    }
    return s;
  }
  const std::string& phase = pod.status().phase();
  PodRuntimeState runtime = RuntimeOf(uid);
  Status synced;
  bool acts = false;
  if (phase != "Succeeded" && phase != "Failed") {
    TakeProbeResults(uid, &sync);
    // A sync with nothing to do leaves the runtime as listed: no second listing then.
    acts = ComputePodActions(pod, runtime, sync).TouchesRuntime();
    synced = SyncPod(pod, runtime, &sync, ctx);
    if (acts) runtime = RuntimeOf(uid, /*fresh=*/true);
  }
  prober_->Update(pod, runtime);
  TakeProbeResults(uid, &sync);
  Status reported = ReportStatus(pod, runtime, sync);
  if (!synced.ok()) reported = synced;
  RemoveDeadInstances(runtime, false, ctx);
  if (HasBackoff(sync)) queue_.AddAfter(key, options_.relist_period);
  std::lock_guard lock(mu_);
  sync_[uid] = std::move(sync);
  // A runtime picture this sync found nothing to do about is seen: a relist compares with
  // it, so a change right after (a reboot before any relist saw the pod running) is still
  // noticed. After actions, the relist's own view stays: what they led to is synced next.
  if (!acts) last_seen_[uid] = Fingerprint(runtime);
  return reported;
}

Status PodManager::SyncTerminating(const Pod& pod, const SyncContext& ctx, PodSyncState* sync) {
  sync->terminating = true;
  int64_t grace = pod.metadata().has_deletion_grace_period_seconds()
                      ? pod.metadata().deletion_grace_period_seconds()
                      : 30;
  const std::string& uid = pod.metadata().uid();
  PK_RETURN_IF_ERROR(KillPod(&pod, RuntimeOf(uid), grace, ctx));
  PodRuntimeState runtime = RuntimeOf(uid, /*fresh=*/true);
  PK_RETURN_IF_ERROR(ReportStatus(pod, runtime, *sync));
  client::DeleteOptions options;
  options.grace_period_seconds = 0;
  options.precondition_uid = uid;
  auto deleted =
      clientset_.Pods(pod.metadata().namespace_()).Delete(pod.metadata().name(), options);
  if (!deleted.ok() && !client::IsNotFound(deleted.status()) &&
      !client::IsConflict(deleted.status())) {
    return deleted.take_status();
  }
  RemoveDeadInstances(runtime, true, ctx);
  return Status::OK();
}

// Kubernetes' status manager compares with the status it last sent, not only with the
// informer's copy, which lags right after a write: a sync in that window (the relist that
// sees the container just started) would otherwise send the same status again.
bool PodManager::SameAsReported(const std::string& uid, const k8s::core::v1::PodStatus& status) {
  std::lock_guard lock(mu_);
  auto it = reported_.find(uid);
  if (it == reported_.end()) return false;
  k8s::core::v1::PodStatus last;
  return last.ParseFromString(it->second) &&
         google::protobuf::util::MessageDifferencer::Equals(status, last);
}

Status PodManager::ReportStatus(const Pod& pod, const PodRuntimeState& runtime,
                                const PodSyncState& sync) {
  StatusContext sctx;
  sctx.host_ip = options_.host_ip;
  sctx.now = NowTime();
  auto status = GeneratePodStatus(pod, runtime, sync, sctx);
  if (google::protobuf::util::MessageDifferencer::Equals(status, pod.status()) ||
      SameAsReported(pod.metadata().uid(), status)) {
    return Status::OK();
  }
  slowmotion::Pause("kubelet: patch the status of " + pod.metadata().name() + " (phase " +
                    status.phase() + ")");
  trace::ScopedSpan span(trace::PodRef::Of(pod), "status write");
  span.set_detail("PATCH pods/" + pod.metadata().name() + "/status: phase " + status.phase());
  auto patched = clientset_.Pods(pod.metadata().namespace_())
                     .PatchStatus(pod.metadata().name(), "application/merge-patch+json",
                                  StatusPatch(pod.status(), status));
  if (!patched.ok() && !client::IsNotFound(patched.status())) return patched.take_status();
  if (patched.ok()) {
    std::lock_guard lock(mu_);
    reported_[pod.metadata().uid()] = (*patched)->status().SerializeAsString();
  }
  return Status::OK();
}

}  // namespace pk::kubelet
