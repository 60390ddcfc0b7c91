#include "controller-manager/tainteviction/taint_eviction_controller.h"

#include <fmt/format.h>
#include <google/protobuf/util/message_differencer.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "apimachinery/log.h"
#include "apimachinery/time.h"
#include "client/errors.h"
#include "controller-manager/nodelifecycle/taints.h"
#include "controller-manager/queue_worker.h"

namespace pk::controllers {
namespace {

using client::Clock;
using k8s::core::v1::Node;
using k8s::core::v1::Pod;

constexpr char kComponent[] = "taint-eviction-controller";
constexpr char kNodeIndex[] = "spec.nodeName";
constexpr int kDeleteRetries = 5;  // tainteviction's `retries`
constexpr int64_t kDefaultTolerationSeconds = 300;

std::vector<Taint> NoExecuteTaints(const Node& node) {
  std::vector<Taint> out;
  for (const Taint& t : node.spec().taints()) {
    if (t.effect() == "NoExecute") out.push_back(t);
  }
  return out;
}

bool SameTolerations(const Pod& a, const Pod& b) {
  const auto& x = a.spec().tolerations();
  const auto& y = b.spec().tolerations();
  if (x.size() != y.size()) return false;
  for (int i = 0; i < x.size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(x[i], y[i])) return false;
  }
  return true;
}

std::string PodKey(const std::string& ns, const std::string& name) { return ns + "/" + name; }

// getMinTolerationTime, scaled: the shortest tolerationSeconds of `used`; nullopt when none
// has one (tolerated forever); zero when there are no tolerations at all.
std::optional<Clock::Duration> MinTolerationTime(const std::vector<Toleration>& used,
                                                 double time_scale) {
  if (used.empty()) return Clock::Duration::zero();
  std::optional<int64_t> min;
  for (const Toleration& t : used) {
    if (!t.has_toleration_seconds()) continue;
    if (t.toleration_seconds() <= 0) return Clock::Duration::zero();
    if (!min || t.toleration_seconds() < *min) min = t.toleration_seconds();
  }
  if (!min) return std::nullopt;
  return std::chrono::duration_cast<Clock::Duration>(
      std::chrono::duration<double>(static_cast<double>(*min) * time_scale));
}

class TaintEvictionController : public Controller {
 public:
  explicit TaintEvictionController(const ControllerContext& context)
      : clientset_(*context.clientset),
        clock_(*context.clock),
        time_scale_(context.time_scale),
        recorder_(context.recorder(kComponent)),
        pods_(context.factory->ForResource<Pod>()),
        nodes_(context.factory->ForResource<Node>()),
        updates_(kComponent, [this](const std::string& key) { return SyncUpdate(key); }),
        evictions_("taint-eviction", [this](const std::string& key) { return Evict(key); }) {
    pods_.AddIndexer(kNodeIndex, [](const Pod& p) {
      return p.spec().node_name().empty() ? std::vector<std::string>{}
                                          : std::vector<std::string>{p.spec().node_name()};
    });
    pods_.AddEventHandler({
        .on_add = [this](const client::Ptr<Pod>& p, bool) { EnqueuePod(*p); },
        .on_update =
            [this](const client::Ptr<Pod>& old, const client::Ptr<Pod>& p) {
              if (SameTolerations(*old, *p) && old->spec().node_name() == p->spec().node_name()) {
                return;
              }
              EnqueuePod(*p);
            },
        .on_delete = [this](const client::Deleted<Pod>& d) { EnqueuePod(*d.object); },
    });
    nodes_.AddEventHandler({
        .on_add = [this](const client::Ptr<Node>& n,
                         bool) { updates_.Enqueue("node:" + n->metadata().name()); },
        .on_update =
            [this](const client::Ptr<Node>& old, const client::Ptr<Node>& n) {
              if (SameTaints(NoExecuteTaints(*old), NoExecuteTaints(*n))) return;
              updates_.Enqueue("node:" + n->metadata().name());
            },
        .on_delete =
            [this](const client::Deleted<Node>& d) {
              updates_.Enqueue("node:" + d.object->metadata().name());
            },
    });
  }

  void Run(int workers) override {
    updates_.Run(std::max(1, workers));
    evictions_.Run(std::max(1, workers));
  }
  void Stop() override {
    updates_.Stop();
    evictions_.Stop();
  }

 private:
  // A pod's planned deletion (TimedWorker): `fired` once it ran, so that it is not planned
  // again until cancelled (the pod went away or became tolerated).
  struct Scheduled {
    Clock::TimePoint created_at;
    Clock::TimePoint fire_at;
    bool fired = false;
  };

  static bool SameTaints(const std::vector<Taint>& a, const std::vector<Taint>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!google::protobuf::util::MessageDifferencer::Equals(a[i], b[i])) return false;
    }
    return true;
  }

  void EnqueuePod(const Pod& p) {
    updates_.Enqueue("pod:" + PodKey(p.metadata().namespace_(), p.metadata().name()));
  }

  Status SyncUpdate(const std::string& key) {
    if (key.rfind("node:", 0) == 0) return HandleNodeUpdate(key.substr(5));
    if (key.rfind("pod:", 0) == 0) return HandlePodUpdate(key.substr(4));
    return {};
  }

  // handlePodUpdate: a pod appeared, moved or changed its tolerations.
  Status HandlePodUpdate(const std::string& pod_key) {
    auto slash = pod_key.find('/');
    std::string ns = pod_key.substr(0, slash), name = pod_key.substr(slash + 1);
    auto pod = pods_.GetLister().Get(ns, name);
    if (!pod.ok()) {
      CancelWithEvent(ns, name);
      return {};
    }
    const std::string& node_name = (*pod)->spec().node_name();
    if (node_name.empty()) return {};
    auto node = nodes_.GetLister().Get("", node_name);
    if (!node.ok()) return {};
    std::vector<Taint> taints = NoExecuteTaints(**node);
    if (taints.empty()) return {};
    ProcessPodOnNode(**pod, taints, clock_.Now());
    return {};
  }

  // handleNodeUpdate: a node's NoExecute taints changed; every pod on it is weighed again.
  Status HandleNodeUpdate(const std::string& node_name) {
    auto node = nodes_.GetLister().Get("", node_name);
    if (!node.ok()) return {};
    std::vector<Taint> taints = NoExecuteTaints(**node);
    Clock::TimePoint now = clock_.Now();
    for (const auto& pod : pods_.GetLister().ByIndex(kNodeIndex, node_name)) {
      if (taints.empty()) {
        CancelWithEvent(pod->metadata().namespace_(), pod->metadata().name());
      } else {
        ProcessPodOnNode(*pod, taints, now);
      }
    }
    return {};
  }

  // processPodOnNode: plans the pod's deletion now, after its shortest tolerationSeconds, or
  // never.
  void ProcessPodOnNode(const Pod& pod, const std::vector<Taint>& taints, Clock::TimePoint now) {
    const std::string& ns = pod.metadata().namespace_();
    const std::string& name = pod.metadata().name();
    auto match = GetMatchingTolerations(taints, TolerationsWithDefaults(pod));
    if (!match.all_tolerated) {
      CancelWithEvent(ns, name);
      AddWork(PodKey(ns, name), now, now);
      return;
    }
    auto min = MinTolerationTime(match.used, time_scale_);
    if (!min) {
      CancelWithEvent(ns, name);
      return;
    }
    Clock::TimePoint start = now, trigger = now + *min;
    {
      std::lock_guard lock(mu_);
      auto it = scheduled_.find(PodKey(ns, name));
      if (it != scheduled_.end()) {
        start = it->second.created_at;
        if (start + *min < trigger) return;  // the earlier plan stands
      }
    }
    CancelWithEvent(ns, name);
    AddWork(PodKey(ns, name), start, trigger);
  }

  void AddWork(const std::string& key, Clock::TimePoint created, Clock::TimePoint fire) {
    {
      std::lock_guard lock(mu_);
      if (scheduled_.count(key)) return;
      scheduled_[key] = Scheduled{created, fire};
    }
    evictions_.EnqueueAfter(key, std::max(Clock::Duration::zero(), fire - clock_.Now()));
  }

  void CancelWithEvent(const std::string& ns, const std::string& name) {
    {
      std::lock_guard lock(mu_);
      auto it = scheduled_.find(PodKey(ns, name));
      if (it == scheduled_.end()) return;
      bool pending = !it->second.fired;
      scheduled_.erase(it);
      if (!pending) return;
    }
    PodEvent(ns, name, "Cancelling deletion of Pod {}/{}");
  }

  void PodEvent(const std::string& ns, const std::string& name,
                fmt::format_string<const std::string&, const std::string&> format) {
    Pod ref;
    auto cached = pods_.GetLister().Get(ns, name);
    if (cached.ok()) {
      *ref.mutable_metadata() = (*cached)->metadata();
    } else {
      ref.mutable_metadata()->set_namespace_(ns);
      ref.mutable_metadata()->set_name(name);
    }
    recorder_.Event(ref, "Normal", "TaintManagerEviction", fmt::format(format, ns, name));
  }

  // The timer of a planned deletion fired (deletePodHandler).
  Status Evict(const std::string& key) {
    {
      std::lock_guard lock(mu_);
      auto it = scheduled_.find(key);
      if (it == scheduled_.end() || it->second.fired) return {};  // cancelled meanwhile
      Clock::Duration left = it->second.fire_at - clock_.Now();
      if (left > Clock::Duration::zero()) {
        evictions_.EnqueueAfter(key, left);
        return {};
      }
      it->second.fired = true;
    }
    auto slash = key.find('/');
    std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
    PodEvent(ns, name, "Marking for deletion Pod {}/{}");
    Status last;
    for (int i = 0; i < kDeleteRetries; ++i) {
      last = AddConditionAndDeletePod(ns, name);
      if (last.ok() || client::IsNotFound(last)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pk::Logf("taint-eviction-controller: deleting pod %s: %s\n", key.c_str(),
             last.message().c_str());
    std::lock_guard lock(mu_);
    scheduled_.erase(key);  // as Kubernetes: a failed deletion is forgotten
    return {};
  }

  // addConditionAndDeletePod: DisruptionTarget=True (DeletionByTaintManager), then DELETE.
  Status AddConditionAndDeletePod(const std::string& ns, const std::string& name) {
    auto client = clientset_.Pods(ns);
    auto pod = client.Get(name);
    if (!pod.ok()) return pod.take_status();
    static const std::string kMessage = "Taint manager: deleting due to NoExecute taint";
    bool marked = false;
    for (const auto& c : (*pod)->status().conditions()) {
      marked |= c.type() == "DisruptionTarget" && c.status() == "True" &&
                c.reason() == "DeletionByTaintManager" && c.message() == kMessage;
    }
    if (!marked) {
      nlohmann::json condition = {{"type", "DisruptionTarget"},
                                  {"status", "True"},
                                  {"reason", "DeletionByTaintManager"},
                                  {"message", kMessage},
                                  {"lastTransitionTime", FormatRfc3339(NowTimestamp().seconds)}};
      nlohmann::json patch = {{"status", {{"conditions", nlohmann::json::array({condition})}}}};
      auto patched =
          client.PatchStatus(name, "application/strategic-merge-patch+json", patch.dump());
      if (!patched.ok()) return patched.take_status();
    }
    client::DeleteOptions options;
    options.precondition_uid = (*pod)->metadata().uid();
    auto deleted = client.Delete(name, options);
    return deleted.ok() ? Status() : deleted.take_status();
  }

  const client::Clientset& clientset_;
  const Clock& clock_;
  const double time_scale_;
  client::EventRecorder& recorder_;
  client::SharedIndexInformer<Pod> pods_;
  client::SharedIndexInformer<Node> nodes_;
  std::mutex mu_;
  std::map<std::string, Scheduled> scheduled_;  // guarded by mu_; by "namespace/name"
  QueueWorker updates_;                         // "node:NAME" and "pod:NS/NAME"
  QueueWorker evictions_;                       // "NS/NAME" when its deletion is due
};

}  // namespace

std::vector<Toleration> TolerationsWithDefaults(const Pod& pod) {
  std::vector<Toleration> out(pod.spec().tolerations().begin(), pod.spec().tolerations().end());
  // defaulttolerationseconds: a toleration with the key (or none) and NoExecute (or no
  // effect) counts as one.
  auto tolerates = [&](const std::string& key) {
    for (const Toleration& t : pod.spec().tolerations()) {
      if ((t.key() == key || t.key().empty()) &&
          (t.effect() == "NoExecute" || t.effect().empty())) {
        return true;
      }
    }
    return false;
  };
  for (const char* key : {kTaintNodeNotReady, kTaintNodeUnreachable}) {
    if (tolerates(key)) continue;
    Toleration t;
    t.set_key(key);
    t.set_operator_("Exists");
    t.set_effect("NoExecute");
    t.set_toleration_seconds(kDefaultTolerationSeconds);
    out.push_back(t);
  }
  return out;
}

Result<std::unique_ptr<Controller>> NewTaintEvictionController(const ControllerContext& context) {
  return std::unique_ptr<Controller>(new TaintEvictionController(context));
}

}  // namespace pk::controllers
