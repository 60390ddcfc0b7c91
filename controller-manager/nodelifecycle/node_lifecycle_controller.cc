#include "controller-manager/nodelifecycle/node_lifecycle_controller.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "apimachinery/log.h"
#include "apimachinery/time.h"
#include "client/errors.h"
#include "controller-manager/nodelifecycle/node_health.h"
#include "controller-manager/nodelifecycle/rate_limited_queue.h"
#include "controller-manager/nodelifecycle/taints.h"
#include "controller-manager/queue_worker.h"

namespace pk::controllers {
namespace {

using client::Clock;
using k8s::coordination::v1::Lease;
using k8s::core::v1::Pod;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kComponent[] = "node-controller";
constexpr char kNodeIndex[] = "spec.nodeName";
constexpr char kNodeLeaseNamespace[] = "kube-node-lease";
constexpr char kExcludeDisruption[] = "node.kubernetes.io/exclude-disruption";

// kube-controller-manager's defaults (NodeLifecycleControllerConfiguration, 1.32).
constexpr Clock::Duration kNodeMonitorPeriod = seconds(5);
constexpr Clock::Duration kNodeMonitorGracePeriod = seconds(50);
constexpr Clock::Duration kNodeStartupGracePeriod = seconds(60);
constexpr Clock::Duration kNodeEvictionPeriod = milliseconds(100);  // NoExecute tainting pass
constexpr double kEvictionLimiterQPS = 0.1;
constexpr double kSecondaryEvictionLimiterQPS = 0.01;
constexpr int kLargeClusterThreshold = 50;
constexpr double kUnhealthyZoneThreshold = 0.55;
constexpr int kNodeHealthUpdateRetry = 5;
constexpr Clock::Duration kRetrySleepTime = milliseconds(20);

enum class ZoneState { kInitial, kNormal, kFullDisruption, kPartialDisruption };

const Taint& UnreachableTaint() {
  static const Taint t = MakeTaint(kTaintNodeUnreachable, "NoExecute");
  return t;
}
const Taint& NotReadyTaint() {
  static const Taint t = MakeTaint(kTaintNodeNotReady, "NoExecute");
  return t;
}

// nodeConditionToTaintKeyStatusMap: the NoSchedule taint key for a condition's status.
const char* TaintKeyForCondition(const NodeCondition& c) {
  if (c.type() == "Ready") {
    if (c.status() == "False") return kTaintNodeNotReady;
    if (c.status() == "Unknown") return kTaintNodeUnreachable;
    return nullptr;
  }
  if (c.status() != "True") return nullptr;
  if (c.type() == "MemoryPressure") return kTaintNodeMemoryPressure;
  if (c.type() == "DiskPressure") return kTaintNodeDiskPressure;
  if (c.type() == "NetworkUnavailable") return kTaintNodeNetworkUnavailable;
  if (c.type() == "PIDPressure") return kTaintNodePIDPressure;
  return nullptr;
}

bool IsConditionTaintKey(const std::string& key) {
  return key == kTaintNodeNotReady || key == kTaintNodeUnreachable ||
         key == kTaintNodeMemoryPressure || key == kTaintNodeDiskPressure ||
         key == kTaintNodeNetworkUnavailable || key == kTaintNodePIDPressure;
}

std::string Label(const Node& node, const std::string& key, const std::string& fallback) {
  const auto& labels = node.metadata().labels();
  auto it = labels.find(key);
  if (it == labels.end()) it = labels.find(fallback);
  return it == labels.end() ? "" : it->second;
}

// nodetopology.GetZoneKey: region and zone ("" when neither is set).
std::string ZoneKey(const Node& node) {
  std::string zone =
      Label(node, "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone");
  std::string region =
      Label(node, "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region");
  if (zone.empty() && region.empty()) return "";
  return region + std::string(":\0:", 3) + zone;
}

class NodeLifecycleController : public Controller {
 public:
  explicit NodeLifecycleController(const ControllerContext& context)
      : clientset_(*context.clientset),
        clock_(*context.clock),
        scale_(context.time_scale),
        recorder_(context.recorder(kComponent)),
        nodes_(context.factory->ForResource<Node>()),
        leases_(context.factory->ForResource<Lease>()),
        pods_(context.factory->ForResource<Pod>()),
        node_worker_("nodelifecycle", [this](const std::string& n) { return SyncNode(n); }),
        pod_worker_("nodelifecycle-pods", [this](const std::string& k) { return ProcessPod(k); }) {
    pods_.AddIndexer(kNodeIndex, [](const Pod& p) {
      return p.spec().node_name().empty() ? std::vector<std::string>{}
                                          : std::vector<std::string>{p.spec().node_name()};
    });
    nodes_.AddEventHandler({
        .on_add = [this](const client::Ptr<Node>& n,
                         bool) { node_worker_.Enqueue(n->metadata().name()); },
        .on_update =
            [this](const client::Ptr<Node>&, const client::Ptr<Node>& n) {
              node_worker_.Enqueue(n->metadata().name());
            },
        .on_delete = nullptr,
    });
    pods_.AddEventHandler({
        .on_add = [this](const client::Ptr<Pod>& p, bool) { PodUpdated(nullptr, *p); },
        .on_update = [this](const client::Ptr<Pod>& old,
                            const client::Ptr<Pod>& p) { PodUpdated(old.get(), *p); },
        .on_delete = nullptr,
    });
  }
  ~NodeLifecycleController() override { Stop(); }

  void Run(int workers) override {
    node_worker_.Run(std::max(1, workers));
    pod_worker_.Run(std::max(1, workers));
    std::lock_guard lock(mu_);
    if (!loop_.joinable() && !stopping_) loop_ = std::thread([this] { Loop(); });
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (loop_.joinable()) loop_.join();
    node_worker_.Stop();
    pod_worker_.Stop();
  }

 private:
  Clock::Duration Scaled(Clock::Duration d) const {
    return std::chrono::duration_cast<Clock::Duration>(d * scale_);
  }
  double ScaledQPS(double qps) const { return qps / scale_; }

  // The monitor (every nodeMonitorPeriod) and the NoExecute tainting pass (every
  // NodeEvictionPeriod) on one thread, which alone owns the zone and known-node state.
  void Loop() {
    const Clock::Duration monitor_period = Scaled(kNodeMonitorPeriod);
    const Clock::Duration taint_period =
        std::max<Clock::Duration>(Scaled(kNodeEvictionPeriod), milliseconds(10));
    Clock::TimePoint next_monitor = clock_.Now(), next_taint = clock_.Now();
    std::unique_lock lock(mu_);
    while (!stopping_) {
      Clock::TimePoint now = clock_.Now();
      if (now >= next_monitor || now >= next_taint) {
        lock.unlock();
        if (now >= next_monitor) {
          MonitorNodeHealth();
          next_monitor = clock_.Now() + monitor_period;
        }
        if (now >= next_taint) {
          DoNoExecuteTaintingPass();
          next_taint = clock_.Now() + taint_period;
        }
        lock.lock();
        continue;
      }
      clock_.WaitUntil(cv_, lock, std::min(next_monitor, next_taint));
    }
  }

  // --- monitorNodeHealth ---

  void MonitorNodeHealth() {
    std::vector<client::Ptr<Node>> nodes = nodes_.GetLister().List();
    std::set<std::string> seen;
    for (const auto& node : nodes) {
      const std::string& name = node->metadata().name();
      seen.insert(name);
      if (!known_.count(name)) {
        recorder_.Eventf(*node, "Normal", "RegisteredNode",
                         "Node {} event: Registered Node {} in Controller", name, name);
        known_[name] = node;
        AddZone(*node);
        MarkNodeAsReachable(*node);
      } else {
        AddZone(*node);  // a known node in a zone not seen yet
      }
    }
    for (auto it = known_.begin(); it != known_.end();) {
      if (seen.count(it->first)) {
        ++it;
        continue;
      }
      recorder_.Eventf(*it->second, "Normal", "RemovingNode",
                       "Node {} event: Removing Node {} from Controller", it->first, it->first);
      health_.Erase(it->first);
      nodes_to_retry_.erase(it->first);
      it = known_.erase(it);
    }
    std::map<std::string, std::vector<std::optional<NodeCondition>>> zone_conditions;
    for (const auto& node : nodes) UpdateNode(*node, zone_conditions);
    HandleDisruption(zone_conditions, nodes);
  }

  // One node's look (updateNodeFunc): its health, its NoExecute taint, its pods' readiness.
  void UpdateNode(const Node& cached,
                  std::map<std::string, std::vector<std::optional<NodeCondition>>>& zones) {
    Node node = cached;
    auto check = TryUpdateNodeHealth(node);
    if (!check) return;
    if (!node.metadata().labels().count(kExcludeDisruption)) {
      zones[ZoneKey(node)].push_back(check->current);
    }
    if (!check->current) return;
    const std::string& name = node.metadata().name();
    ProcessTaintBaseEviction(node, check->observed);
    bool went_down = check->current->status() != "True" && check->observed.status() == "True";
    bool retry = nodes_to_retry_.count(name) && check->observed.status() != "True";
    if (went_down) {
      recorder_.Eventf(node, "Normal", "NodeNotReady", "Node {} status is now: {}", name,
                       "NodeNotReady");
    }
    if (went_down || retry) {
      if (!MarkPodsNotReady(pods_.GetLister().ByIndex(kNodeIndex, name), name).ok()) {
        nodes_to_retry_.insert(name);
        return;
      }
    }
    nodes_to_retry_.erase(name);
  }

  // tryUpdateNodeHealth with its retries: the status is written when it went Unknown.
  std::optional<HealthCheck> TryUpdateNodeHealth(Node& node) {
    const std::string name = node.metadata().name();
    for (int attempt = 0; attempt < kNodeHealthUpdateRetry; ++attempt) {
      auto lease = leases_.GetLister().Get(kNodeLeaseNamespace, name);
      std::optional<NodeHealth> health = health_.Get(name);
      Clock::TimePoint now = clock_.Now();
      HealthCheck check = CheckNodeHealth(node, lease.ok() ? lease->get() : nullptr, health, now,
                                          CreationOnClock(node), Scaled(kNodeMonitorGracePeriod),
                                          Scaled(kNodeStartupGracePeriod));
      if (!check.status_changed) {
        health_.Set(name, *health);
        return check;
      }
      auto updated = clientset_.Nodes().UpdateStatus(node);
      if (updated.ok()) {
        health->status = (*updated)->status();
        health->ready_transition = now;
        health_.Set(name, *health);
        return check;
      }
      health_.Set(name, *health);
      pk::Logf("node-controller: updating the status of node %s: %s\n", name.c_str(),
               updated.status().message().c_str());
      std::this_thread::sleep_for(kRetrySleepTime);
      auto fresh = clientset_.Nodes().Get(name);
      if (!fresh.ok()) return std::nullopt;  // deleted, probably
      node = **fresh;
    }
    return std::nullopt;
  }

  // The node's creation time on the controller's clock.
  Clock::TimePoint CreationOnClock(const Node& node) const {
    auto created = std::chrono::system_clock::time_point(
        seconds(node.metadata().creation_timestamp().seconds()));
    return clock_.Now() - std::chrono::duration_cast<Clock::Duration>(clock_.WallNow() - created);
  }

  void ProcessTaintBaseEviction(const Node& node, const NodeCondition& observed) {
    const auto& taints = node.spec().taints();
    const std::string& name = node.metadata().name();
    if (observed.status() == "False") {
      if (TaintExists(taints, UnreachableTaint())) {
        LogIfFailed(SwapNodeTaints(clientset_, name, {NotReadyTaint()}, {UnreachableTaint()}),
                    name);
      } else {
        MarkNodeForTainting(node, "False");
      }
    } else if (observed.status() == "Unknown") {
      if (TaintExists(taints, NotReadyTaint())) {
        LogIfFailed(SwapNodeTaints(clientset_, name, {UnreachableTaint()}, {NotReadyTaint()}),
                    name);
      } else {
        MarkNodeForTainting(node, "Unknown");
      }
    } else if (observed.status() == "True") {
      MarkNodeAsReachable(node);
    }
  }

  static void LogIfFailed(const Status& s, const std::string& node) {
    if (!s.ok() && !client::IsNotFound(s)) {
      pk::Logf("node-controller: tainting node %s: %s\n", node.c_str(), s.message().c_str());
    }
  }

  // --- the NoExecute taints, rate-limited per zone ---

  void AddZone(const Node& node) {
    std::string zone = ZoneKey(node);
    if (zone_states_.count(zone)) return;
    zone_states_[zone] = ZoneState::kInitial;
    tainters_.try_emplace(zone, ScaledQPS(kEvictionLimiterQPS), clock_);
  }

  bool MarkNodeForTainting(const Node& node, const std::string& status) {
    RateLimitedTimedQueue& q = tainters_.at(ZoneKey(node));
    const Taint& wanted = status == "False" ? NotReadyTaint() : UnreachableTaint();
    if (!TaintExists(node.spec().taints(), wanted)) q.Remove(node.metadata().name());
    return q.Add(node.metadata().name());
  }

  void MarkNodeAsReachable(const Node& node) {
    Status s = RemoveTaintsOffNode(clientset_, node, {UnreachableTaint(), NotReadyTaint()});
    LogIfFailed(s, node.metadata().name());
    if (!s.ok()) return;
    auto it = tainters_.find(ZoneKey(node));
    if (it != tainters_.end()) it->second.Remove(node.metadata().name());
  }

  void DoNoExecuteTaintingPass() {
    for (auto& [zone, queue] : tainters_) {
      queue.Try([this](const std::string& name) -> std::pair<bool, Clock::Duration> {
        auto node = nodes_.GetLister().Get("", name);
        if (!node.ok()) return {true, {}};
        const NodeCondition* ready = FindCondition((*node)->status(), "Ready");
        if (ready == nullptr) return {false, milliseconds(50)};
        // not-ready and unreachable are exclusive, as Ready's values are.
        Status s;
        if (ready->status() == "False") {
          s = SwapNodeTaints(clientset_, name, {NotReadyTaint()}, {UnreachableTaint()});
        } else if (ready->status() == "Unknown") {
          s = SwapNodeTaints(clientset_, name, {UnreachableTaint()}, {NotReadyTaint()});
        } else {
          return {true, {}};  // Ready again meanwhile
        }
        LogIfFailed(s, name);
        return {s.ok() || client::IsNotFound(s), {}};
      });
    }
  }

  // --- zone disruption (handleDisruption) ---

  std::pair<int, ZoneState> ComputeZoneState(const std::vector<std::optional<NodeCondition>>& c) {
    int ready = 0, not_ready = 0;
    for (const auto& cond : c) (cond && cond->status() == "True" ? ready : not_ready)++;
    if (ready == 0 && not_ready > 0) return {not_ready, ZoneState::kFullDisruption};
    if (not_ready > 2 &&
        static_cast<double>(not_ready) / (not_ready + ready) >= kUnhealthyZoneThreshold) {
      return {not_ready, ZoneState::kPartialDisruption};
    }
    return {not_ready, ZoneState::kNormal};
  }

  void SetLimiterInZone(const std::string& zone, size_t size, ZoneState state) {
    RateLimitedTimedQueue& q = tainters_.at(zone);
    if (state == ZoneState::kNormal || state == ZoneState::kFullDisruption) {
      q.SwapLimiter(ScaledQPS(kEvictionLimiterQPS));
    } else if (state == ZoneState::kPartialDisruption) {
      q.SwapLimiter(static_cast<int>(size) > kLargeClusterThreshold
                        ? ScaledQPS(kSecondaryEvictionLimiterQPS)
                        : 0);
    }
  }

  void HandleDisruption(
      const std::map<std::string, std::vector<std::optional<NodeCondition>>>& zone_conditions,
      const std::vector<client::Ptr<Node>>& nodes) {
    std::map<std::string, ZoneState> new_states;
    bool all_are_fully_disrupted = true;
    for (const auto& [zone, conditions] : zone_conditions) {
      ZoneState state = ComputeZoneState(conditions).second;
      if (state != ZoneState::kFullDisruption) all_are_fully_disrupted = false;
      new_states[zone] = state;
      if (!zone_states_.count(zone)) zone_states_[zone] = ZoneState::kInitial;
    }
    bool all_were_fully_disrupted = true;
    for (auto it = zone_states_.begin(); it != zone_states_.end();) {
      if (!zone_conditions.count(it->first)) {
        it = zone_states_.erase(it);
        continue;
      }
      if (it->second != ZoneState::kFullDisruption) {
        all_were_fully_disrupted = false;
        break;
      }
      ++it;
    }
    if (all_are_fully_disrupted && all_were_fully_disrupted) return;
    if (all_are_fully_disrupted) {
      // No node is Ready anywhere: the control plane, not the nodes, is probably the
      // problem. Taint nothing (and untaint everything) until some node is Ready.
      for (const auto& node : nodes) MarkNodeAsReachable(*node);
      for (auto& [zone, state] : zone_states_) {
        tainters_.at(zone).SwapLimiter(0);
        state = ZoneState::kFullDisruption;
      }
      return;
    }
    if (all_were_fully_disrupted) {
      // Leaving it: every node's grace starts again now.
      Clock::TimePoint now = clock_.Now();
      for (const auto& node : nodes) {
        auto h = health_.Get(node->metadata().name());
        if (!h) continue;
        h->probe = h->ready_transition = now;
        health_.Set(node->metadata().name(), *h);
      }
      for (auto& [zone, state] : zone_states_) {
        SetLimiterInZone(zone, SizeOf(zone_conditions, zone), new_states[zone]);
        state = new_states[zone];
      }
      return;
    }
    for (auto& [zone, state] : zone_states_) {
      if (state == new_states[zone]) continue;
      SetLimiterInZone(zone, SizeOf(zone_conditions, zone), new_states[zone]);
      state = new_states[zone];
    }
  }

  static size_t SizeOf(
      const std::map<std::string, std::vector<std::optional<NodeCondition>>>& zone_conditions,
      const std::string& zone) {
    auto it = zone_conditions.find(zone);
    return it == zone_conditions.end() ? 0 : it->second.size();
  }

  // --- pods ---

  // MarkPodsNotReady: Ready=False on each pod of the node, and a NodeNotReady Event on it.
  Status MarkPodsNotReady(const std::vector<client::Ptr<Pod>>& pods, const std::string& node) {
    Status first;
    for (const auto& cached : pods) {
      if (cached->spec().node_name() != node) continue;
      Pod pod = *cached;
      auto* conditions = pod.mutable_status()->mutable_conditions();
      auto ready = std::find_if(conditions->begin(), conditions->end(),
                                [](const auto& c) { return c.type() == "Ready"; });
      if (ready == conditions->end() || ready->status() == "False") continue;
      ready->set_status("False");
      *ready->mutable_last_transition_time() = NowTime();
      auto updated = clientset_.Pods(pod.metadata().namespace_()).UpdateStatus(pod);
      if (!updated.ok()) {
        if (client::IsNotFound(updated.status())) continue;
        if (first.ok()) first = updated.take_status();
      }
      recorder_.Event(pod, "Warning", "NodeNotReady", "Node is not ready");
    }
    return first;
  }

  // podUpdated: a pod newly bound to a node is looked at (a pod bound to a node that is not
  // Ready is marked not Ready at once, not at the next monitor pass).
  void PodUpdated(const Pod* old, const Pod& pod) {
    if (pod.spec().node_name().empty()) return;
    if (old != nullptr && old->spec().node_name() == pod.spec().node_name()) return;
    pod_worker_.Enqueue(pod.metadata().namespace_() + "/" + pod.metadata().name());
  }

  Status ProcessPod(const std::string& key) {
    auto slash = key.find('/');
    auto pod = pods_.GetLister().Get(key.substr(0, slash), key.substr(slash + 1));
    if (!pod.ok()) return {};
    const std::string& node_name = (*pod)->spec().node_name();
    auto health = health_.Get(node_name);
    if (!health) return {};
    auto node = nodes_.GetLister().Get("", node_name);
    if (!node.ok()) return node.take_status();
    const NodeCondition* ready = FindCondition(health->status, "Ready");
    if (ready == nullptr || ready->status() == "True") return {};
    return MarkPodsNotReady({*pod}, node_name);
  }

  // --- NoSchedule taints (doNoScheduleTaintingPass), on every node change ---

  Status SyncNode(const std::string& name) {
    Status taints = NoScheduleTaintingPass(name);
    Status labels = ReconcileNodeLabels(name);
    return taints.ok() ? labels : taints;
  }

  // reconcileNodeLabels: the beta OS and arch labels follow the stable ones.
  Status ReconcileNodeLabels(const std::string& name) {
    auto found = nodes_.GetLister().Get("", name);
    if (!found.ok()) return {};
    const auto& labels = (*found)->metadata().labels();
    nlohmann::json update = nlohmann::json::object();
    for (auto [primary, secondary] : {std::pair{"kubernetes.io/os", "beta.kubernetes.io/os"},
                                      std::pair{"kubernetes.io/arch", "beta.kubernetes.io/arch"}}) {
      auto p = labels.find(primary);
      if (p == labels.end()) continue;
      auto s = labels.find(secondary);
      if (s == labels.end() || s->second != p->second) update[secondary] = p->second;
    }
    if (update.empty()) return {};
    nlohmann::json patch = {{"metadata", {{"labels", update}}}};
    auto patched = clientset_.Nodes().Patch(name, "application/merge-patch+json", patch.dump());
    if (!patched.ok() && !client::IsNotFound(patched.status())) return patched.take_status();
    return {};
  }

  Status NoScheduleTaintingPass(const std::string& name) {
    auto found = nodes_.GetLister().Get("", name);
    if (!found.ok()) return {};
    const Node& node = **found;
    std::vector<Taint> wanted;
    for (const auto& c : node.status().conditions()) {
      if (const char* key = TaintKeyForCondition(c)) wanted.push_back(MakeTaint(key, "NoSchedule"));
    }
    if (node.spec().unschedulable()) {
      wanted.push_back(MakeTaint(kTaintNodeUnschedulable, "NoSchedule"));
    }
    std::vector<Taint> have;
    for (const Taint& t : node.spec().taints()) {
      if (t.effect() == "NoSchedule" &&
          (t.key() == kTaintNodeUnschedulable || IsConditionTaintKey(t.key()))) {
        have.push_back(t);
      }
    }
    auto missing_from = [](const std::vector<Taint>& from, const std::vector<Taint>& in) {
      std::vector<Taint> out;
      for (const Taint& t : from) {
        if (std::none_of(in.begin(), in.end(), [&](const Taint& o) { return MatchTaint(t, o); })) {
          out.push_back(t);
        }
      }
      return out;
    };
    std::vector<Taint> add = missing_from(wanted, have), remove = missing_from(have, wanted);
    if (add.empty() && remove.empty()) return {};
    Status s = SwapNodeTaints(clientset_, name, add, remove);
    return client::IsNotFound(s) ? Status() : s;
  }

  const client::Clientset& clientset_;
  const Clock& clock_;
  const double scale_;
  client::EventRecorder& recorder_;
  client::SharedIndexInformer<Node> nodes_;
  client::SharedIndexInformer<Lease> leases_;
  client::SharedIndexInformer<Pod> pods_;
  NodeHealthMap health_;  // thread-safe: the loop writes, the pod workers read

  // Owned by the loop thread.
  std::map<std::string, client::Ptr<Node>> known_;  // knownNodeSet
  std::map<std::string, ZoneState> zone_states_;
  std::map<std::string, RateLimitedTimedQueue> tainters_;  // zoneNoExecuteTainter
  std::set<std::string> nodes_to_retry_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread loop_;
  QueueWorker node_worker_;  // NoSchedule taints and labels, by node name
  QueueWorker pod_worker_;   // pods newly bound, by "namespace/name"
};

}  // namespace

Result<std::unique_ptr<Controller>> NewNodeLifecycleController(const ControllerContext& context) {
  if (!(context.time_scale > 0)) return Status::BadRequest("time_scale must be positive");
  return std::unique_ptr<Controller>(new NodeLifecycleController(context));
}

}  // namespace pk::controllers
