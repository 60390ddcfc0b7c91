// The controller-manager with real processes: apiserver, scheduler, controller-manager, and
// kubelets over fake-cri (cluster::Cluster), driven by the real kubectl where a user would.
// Each case checks what a Kubernetes user sees: pods Running, rollout status, conditions.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "proto/apps/v1/apps.pb.h"
#include "proto/batch/v1/batch.pb.h"
#include "tests/integration/cluster_fixture.h"

namespace pk::testing {
namespace {

using k8s::core::v1::Pod;

std::string Deployment(const std::string& name, int replicas, const std::string& image,
                       const std::string& strategy = "") {
  return fmt::format(R"(apiVersion: apps/v1
kind: Deployment
metadata: {{name: {0}}}
spec:
  replicas: {1}
  selector: {{matchLabels: {{app: {0}}}}}
  {3}
  template:
    metadata: {{labels: {{app: {0}}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{{name: main, image: "{2}"}}]
)",
                     name, replicas, image, strategy);
}

std::set<std::string> Names(const std::vector<client::Ptr<Pod>>& pods) {
  std::set<std::string> out;
  for (const auto& p : pods) out.insert(p->metadata().name());
  return out;
}

// Counts the ready pods of a selector from a watch, and the lowest count seen once armed.
class ReadyWatcher {
 public:
  ReadyWatcher(const client::Clientset& cs, const std::string& selector) {
    client::ListOptions options;
    options.label_selector = selector;
    auto watch = cs.Pods("default").Watch(options);
    REQUIRE(watch.ok());
    watch_ = std::move(watch).value();
    thread_ = std::thread([this] { Loop(); });
  }
  ~ReadyWatcher() {
    stop_ = true;
    thread_.join();
  }
  // Starts tracking the minimum once the watch itself has seen `ready` ready pods.
  void Arm(int ready) {
    REQUIRE(Eventually([&] {
      std::lock_guard lock(mu_);
      return Count() == ready;
    }));
    std::lock_guard lock(mu_);
    armed_ = true;
    min_ = Count();
  }
  int min() {
    std::lock_guard lock(mu_);
    return min_;
  }

 private:
  int Count() {
    int n = 0;
    for (const auto& [name, ready] : ready_) n += ready;
    return n;
  }
  void Loop() {
    while (!stop_) {
      auto event = watch_->Next(std::chrono::milliseconds(50));
      if (!event || !event->object) continue;
      std::lock_guard lock(mu_);
      const std::string& name = event->object->metadata().name();
      if (event->type == client::EventType::kDeleted) {
        ready_.erase(name);
      } else {
        ready_[name] = PodReady(*event->object);
      }
      if (armed_) min_ = std::min(min_, Count());
    }
  }
  std::unique_ptr<client::TypedWatch<Pod>> watch_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, bool> ready_;
  bool armed_ = false;
  int min_ = 0;
};

TEST_CASE("a Deployment scales up and down and heals a deleted pod") {
  ClusterFixture c({Nodes("node", 3)});
  c.Apply(Deployment("web", 3, "nginx:1.25"));
  CHECK_MESSAGE(
      c.Kubectl("rollout status deployment/web --timeout=60s").find("successfully rolled out") !=
          std::string::npos,
      c.Diagnose());
  REQUIRE(c.WaitReadyPods("app=web", 3));

  CHECK(c.Kubectl("scale deployment web --replicas=5").find("scaled") != std::string::npos);
  REQUIRE(c.WaitReadyPods("app=web", 5));
  // The hollow kubelet of 3 nodes reports each pod's Events as the pod's node's kubelet.
  std::map<std::string, std::string> node_of;
  for (const auto& pod : c.Pods("app=web")) {
    node_of[pod->metadata().name()] = pod->spec().node_name();
  }
  std::map<std::string, std::string> started_on;  // pod -> source.host of its Started Event
  CHECK(Eventually(
      [&] {
        auto events = c.clientset().Events("default").List();
        if (!events.ok()) return false;
        for (const auto& e : events->items) {
          if (e->reason() == "Started" && node_of.count(e->involved_object().name())) {
            started_on[e->involved_object().name()] = e->source().host();
          }
        }
        if (started_on.size() == node_of.size()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a List is not free
        return false;
      },
      std::chrono::seconds(30)));
  CHECK(started_on == node_of);

  const std::set<std::string> before = Names(c.Pods("app=web"));
  const std::string victim = *before.begin();
  CHECK(c.Kubectl("delete pod " + victim).find("deleted") != std::string::npos);
  REQUIRE(c.WaitReadyPods("app=web", 5));
  std::set<std::string> after = Names(c.Pods("app=web"));
  CHECK(after.count(victim) == 0);
  CHECK(after.size() == 5);

  CHECK(c.Kubectl("scale deployment web --replicas=1").find("scaled") != std::string::npos);
  REQUIRE(c.WaitReadyPods("app=web", 1));
  std::string events = c.Kubectl("get events --field-selector reason=SuccessfulDelete");
  CHECK(events.find("Deleted pod: web-") != std::string::npos);
}

TEST_CASE("a rolling update never goes below maxUnavailable, and rollout undo restores") {
  ClusterFixture c({Nodes("node", 3)});
  const std::string strategy =
      "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}";
  c.Apply(Deployment("web", 6, "nginx:1.25", strategy));
  REQUIRE(c.WaitReadyPods("app=web", 6));
  ReadyWatcher watcher(c.clientset(), "app=web");
  watcher.Arm(6);

  CHECK(c.Kubectl("set image deployment/web main=nginx:1.26").find("image updated") !=
        std::string::npos);
  std::string status = c.Kubectl("rollout status deployment/web --timeout=90s");
  CHECK_MESSAGE(status.find("successfully rolled out") != std::string::npos, status, c.Diagnose());
  REQUIRE(c.WaitReadyPods("app=web", 6));
  for (const auto& pod : c.Pods("app=web"))
    CHECK(pod->spec().containers(0).image() == "nginx:1.26");
  CHECK(watcher.min() >= 5);  // 6 replicas - maxUnavailable 1

  CHECK(c.Kubectl("rollout undo deployment/web").find("rolled back") != std::string::npos);
  status = c.Kubectl("rollout status deployment/web --timeout=90s");
  CHECK_MESSAGE(status.find("successfully rolled out") != std::string::npos, status);
  REQUIRE(c.WaitReadyPods("app=web", 6));
  for (const auto& pod : c.Pods("app=web"))
    CHECK(pod->spec().containers(0).image() == "nginx:1.25");
  CHECK(watcher.min() >= 5);
  std::string history = c.Kubectl("rollout history deployment/web");
  CHECK_MESSAGE(history.find("2 ") != std::string::npos, history);
  CHECK_MESSAGE(history.find("3 ") != std::string::npos, history);
  std::string events = c.Kubectl("get events --field-selector reason=ScalingReplicaSet");
  CHECK(events.find("Scaled up replica set web-") != std::string::npos);
  CHECK(events.find("Scaled down replica set web-") != std::string::npos);
}

TEST_CASE("a Job completes, and a failing Job retries to its backoffLimit") {
  ClusterFixture c({Nodes("node", 2)});
  c.Apply(R"(apiVersion: batch/v1
kind: Job
metadata: {name: ok}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: [sh, -c, "echo done"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox, command: [sh, -c, "exit 1"]}]
)");
  std::string out = c.Kubectl("wait --for=condition=Complete job/ok --timeout=60s");
  CHECK_MESSAGE(out.find("condition met") != std::string::npos, out, c.Diagnose());
  auto ok = c.clientset().Resource<k8s::batch::v1::Job>("default").Get("ok");
  REQUIRE(ok.ok());
  CHECK((*ok)->status().succeeded() == 3);

  out = c.Kubectl("wait --for=condition=Failed job/fails --timeout=90s");
  CHECK_MESSAGE(out.find("condition met") != std::string::npos, out, c.Diagnose());
  auto fails = c.clientset().Resource<k8s::batch::v1::Job>("default").Get("fails");
  REQUIRE(fails.ok());
  CHECK((*fails)->status().failed() == 3);  // the first try and backoffLimit 2 retries
  bool reason = false;
  for (const auto& cond : (*fails)->status().conditions()) {
    reason |= cond.type() == "Failed" && cond.reason() == "BackoffLimitExceeded";
  }
  CHECK(reason);
  CHECK(c.Pods("job-name=fails").size() == 3);
}

TEST_CASE("killing a hollow node's kubelet taints its nodes and its pods move elsewhere") {
  ClusterFixture c({Nodes("lost", 2), Nodes("kept", 2)});
  c.Apply(Deployment("web", 8, "nginx:1.25"));
  REQUIRE(c.WaitReadyPods("app=web", 8));
  int on_lost = 0;
  std::set<std::string> ips;  // two hollow kubelets, disjoint pod ranges
  for (const auto& pod : c.Pods("app=web")) {
    on_lost += pod->spec().node_name().rfind("lost-", 0) == 0;
    ips.insert(pod->status().pod_ip());
  }
  CHECK(ips.size() == 8);
  REQUIRE_MESSAGE(on_lost > 0, "the scheduler put no pod on the nodes to lose");

  c.cluster().Kill("kubelet-lost");
  // 50 s grace and 300 s tolerationSeconds, scaled by 0.05: 2.5 s and 15 s.
  bool tainted = Eventually(
      [&] {
        auto node = c.clientset().Nodes().Get("lost-0");
        if (!node.ok()) return false;
        bool no_execute = false;
        for (const auto& t : (*node)->spec().taints()) {
          no_execute |= t.key() == "node.kubernetes.io/unreachable" && t.effect() == "NoExecute";
        }
        return no_execute;
      },
      std::chrono::seconds(30));
  CHECK_MESSAGE(tainted, c.Diagnose());
  std::string ready =
      c.Kubectl("get node lost-0 -o 'jsonpath={.status.conditions[?(@.type==\"Ready\")].status}'");
  CHECK(ready == "Unknown");

  bool moved = Eventually(
      [&] {
        int ready_elsewhere = 0;
        for (const auto& pod : c.Pods("app=web")) {
          ready_elsewhere += PodReady(*pod) && pod->spec().node_name().rfind("kept-", 0) == 0;
        }
        return ready_elsewhere == 8;
      },
      std::chrono::seconds(60));
  CHECK_MESSAGE(moved, c.Diagnose());
  std::string events = c.Kubectl("get events --field-selector reason=TaintManagerEviction");
  CHECK(events.find("Marking for deletion Pod default/web-") != std::string::npos);
}

TEST_CASE("deleting a namespace empties it, then the namespace goes") {
  ClusterFixture c({Nodes("node", 1)});
  CHECK(c.Kubectl("create namespace shop").find("created") != std::string::npos);
  CHECK(c.Kubectl("-n shop create deployment web --image=nginx --replicas=2").find("created") !=
        std::string::npos);
  CHECK(c.Kubectl("-n shop create configmap settings --from-literal=a=b").find("created") !=
        std::string::npos);
  REQUIRE(
      Eventually([&] { return c.ReadyPods("app=web", "shop") == 2; }, std::chrono::seconds(60)));

  c.Kubectl("delete namespace shop --wait=false");
  bool gone = Eventually(
      [&] { return c.Kubectl("get namespace shop").find("NotFound") != std::string::npos; },
      std::chrono::seconds(60));
  CHECK_MESSAGE(gone, c.Kubectl("get namespace shop -o yaml"), c.Diagnose());
  CHECK(c.Pods("", "shop").empty());
  CHECK(c.Kubectl("get configmaps -n shop").find("No resources found") != std::string::npos);
}

TEST_CASE("foreground deletion removes pods, then the ReplicaSet, then the Deployment") {
  ClusterFixture c({Nodes("node", 2)});
  c.Apply(Deployment("web", 3, "nginx:1.25"));
  REQUIRE(c.WaitReadyPods("app=web", 3));

  // The order deletions complete in, as a watch of each kind sees them.
  std::mutex mu;
  std::vector<std::string> order;
  std::atomic<bool> stop{false};
  auto watch_kind = [&](auto client, const std::string& kind) {
    auto watch = client.Watch();
    REQUIRE(watch.ok());
    return std::thread([&, kind, w = std::move(watch).value()]() mutable {
      while (!stop) {
        auto event = w->Next(std::chrono::milliseconds(50));
        if (!event || event->type != client::EventType::kDeleted) continue;
        std::lock_guard lock(mu);
        order.push_back(kind);
      }
    });
  };
  std::vector<std::thread> watchers;
  watchers.push_back(watch_kind(c.clientset().Pods("default"), "pod"));
  watchers.push_back(
      watch_kind(c.clientset().Resource<k8s::apps::v1::ReplicaSet>("default"), "replicaset"));
  watchers.push_back(
      watch_kind(c.clientset().Resource<k8s::apps::v1::Deployment>("default"), "deployment"));

  std::string out = c.Kubectl("delete deployment web --cascade=foreground --timeout=60s");
  CHECK_MESSAGE(out.find("deleted") != std::string::npos, out);
  bool done = Eventually([&] {
    std::lock_guard lock(mu);
    return !order.empty() && order.back() == "deployment";
  });
  stop = true;
  for (auto& t : watchers) t.join();
  CHECK_MESSAGE(done, c.Diagnose());
  std::vector<std::string> expected{"pod", "pod", "pod", "replicaset", "deployment"};
  CHECK(order == expected);
}

}  // namespace
}  // namespace pk::testing
