#include "controller-manager/podgc/podgc_controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "apimachinery/log.h"
#include "apimachinery/time.h"
#include "client/errors.h"
#include "controller-manager/queue_worker.h"
#include "proto/core/v1/node.pb.h"
#include "proto/core/v1/pod.pb.h"

namespace pk::controllers {
namespace {

using k8s::core::v1::Node;
using k8s::core::v1::Pod;
using Clock = client::Clock;

constexpr double kCheckPeriodSeconds = 20;  // gcCheckPeriod
constexpr double kQuarantineSeconds = 40;   // quarantineTime
constexpr char kOrphanMessage[] = "PodGC: node no longer exists";

bool Terminated(const Pod& p) {
  const std::string& phase = p.status().phase();
  return phase != "Pending" && phase != "Running" && phase != "Unknown" && !phase.empty();
}

std::string Key(const Pod& p) { return p.metadata().namespace_() + "/" + p.metadata().name(); }

class PodGCController : public Controller {
 public:
  explicit PodGCController(const ControllerContext& context)
      : clientset_(*context.clientset),
        clock_(*context.clock),
        time_scale_(context.time_scale),
        threshold_(context.terminated_pod_gc_threshold),
        pods_(context.factory->ForResource<Pod>()),
        nodes_(context.factory->ForResource<Node>()),
        worker_("pod-garbage-collector", [this](const std::string&) { return Gc(); }) {}

  void Run(int) override {
    worker_.Run(1);  // one pass at a time, as Kubernetes' wait.Until loop
    worker_.Enqueue("gc");
  }
  void Stop() override { worker_.Stop(); }

 private:
  Clock::Duration Scaled(double seconds) const {
    return std::chrono::duration_cast<Clock::Duration>(
        std::chrono::duration<double>(seconds * time_scale_));
  }

  Status Gc() {
    std::vector<client::Ptr<Pod>> pods = pods_.GetLister().List();
    std::set<std::string> nodes;
    for (const auto& n : nodes_.GetLister().List()) nodes.insert(n->metadata().name());
    if (threshold_ > 0) GcTerminated(pods);
    GcOrphaned(pods, nodes);
    GcUnscheduledTerminating(pods);
    worker_.EnqueueAfter("gc", Scaled(kCheckPeriodSeconds));
    return {};
  }

  // gcTerminated: the oldest terminated pods beyond the threshold, by creation time.
  void GcTerminated(std::vector<client::Ptr<Pod>> pods) {
    std::erase_if(pods, [](const auto& p) { return !Terminated(*p); });
    const int excess = static_cast<int>(pods.size()) - threshold_;
    if (excess <= 0) return;
    std::sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
      const auto &ta = a->metadata().creation_timestamp(), &tb = b->metadata().creation_timestamp();
      if (ta.seconds() != tb.seconds()) return ta.seconds() < tb.seconds();
      return Key(*a) < Key(*b);
    });
    for (int i = 0; i < excess; ++i) Log(Key(*pods[i]), ForceDelete(*pods[i], nullptr));
  }

  // gcOrphaned: pods on nodes missing past the quarantine and confirmed gone by a fresh read.
  void GcOrphaned(const std::vector<client::Ptr<Pod>>& pods, const std::set<std::string>& nodes) {
    const Clock::TimePoint now = clock_.Now();
    std::set<std::string> gone;
    for (const auto& p : pods) {
      const std::string& node = p->spec().node_name();
      if (node.empty() || nodes.count(node) > 0) continue;
      auto [it, fresh] = missing_since_.try_emplace(node, now);
      if (fresh || now - it->second < Scaled(kQuarantineSeconds)) continue;
      if (gone.count(node) > 0 || NodeGone(node)) gone.insert(node);
    }
    std::erase_if(missing_since_, [&](const auto& kv) { return nodes.count(kv.first) > 0; });
    for (const auto& p : pods) {
      if (gone.count(p->spec().node_name()) == 0) continue;
      pk::Logf(
          "pod-garbage-collector: pod %s is bound to node %s, which no longer "
          "exists: deleting\n",
          Key(*p).c_str(), p->spec().node_name().c_str());
      Log(Key(*p), ForceDelete(*p, kOrphanMessage));
    }
  }

  // A GET, not the informer, decides: the node may have come back since the list.
  bool NodeGone(const std::string& node) {
    auto fresh = clientset_.Nodes().Get(node);
    return !fresh.ok() && client::IsNotFound(fresh.status());
  }

  void GcUnscheduledTerminating(const std::vector<client::Ptr<Pod>>& pods) {
    for (const auto& p : pods) {
      if (p->metadata().has_deletion_timestamp() && p->spec().node_name().empty()) {
        Log(Key(*p), ForceDelete(*p, nullptr));
      }
    }
  }

  // markFailedAndDeletePodWithCondition: a pod not yet terminated is marked Failed (with the
  // DisruptionTarget condition when there is a reason), then deleted with grace period 0.
  Status ForceDelete(const Pod& pod, const char* disruption_message) {
    auto client = clientset_.Pods(pod.metadata().namespace_());
    if (!Terminated(pod)) {
      nlohmann::json status = {{"phase", "Failed"}};
      if (disruption_message != nullptr) {
        status["conditions"] = nlohmann::json::array(
            {{{"type", "DisruptionTarget"},
              {"status", "True"},
              {"reason", "DeletionByPodGC"},
              {"message", disruption_message},
              {"lastTransitionTime", FormatRfc3339(NowTimestamp().seconds)}}});
      }
      auto patched =
          client.PatchStatus(pod.metadata().name(), "application/strategic-merge-patch+json",
                             nlohmann::json{{"status", status}}.dump());
      if (!patched.ok() && !client::IsNotFound(patched.status())) return patched.take_status();
    }
    client::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = pod.metadata().uid();
    auto deleted = client.Delete(pod.metadata().name(), options);
    if (!deleted.ok() && !client::IsNotFound(deleted.status())) return deleted.take_status();
    return {};
  }

  static void Log(const std::string& key, const Status& status) {
    if (!status.ok()) {
      pk::Logf("pod-garbage-collector: deleting pod %s: %s\n", key.c_str(),
               status.message().c_str());
    }
  }

  const client::Clientset& clientset_;
  const Clock& clock_;
  const double time_scale_;
  const int threshold_;
  client::SharedIndexInformer<Pod> pods_;
  client::SharedIndexInformer<Node> nodes_;
  std::map<std::string, Clock::TimePoint> missing_since_;  // the worker's only
  QueueWorker worker_;  // last: its thread uses the members above
};

}  // namespace

Result<std::unique_ptr<Controller>> NewPodGCController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new PodGCController(context));
}

}  // namespace pk::controllers
