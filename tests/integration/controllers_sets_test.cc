// DaemonSets, StatefulSets and Endpoints with real processes (see controllers_test.cc): the
// pods really run on kubelets over fake-cri, placed by the scheduler.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/integration/cluster_fixture.h"

namespace pk::testing {
namespace {

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The nodes the pods of `selector` run on (Ready ones only), sorted.
std::set<std::string> NodesOf(const ClusterFixture& c, const std::string& selector) {
  std::set<std::string> out;
  for (const auto& pod : c.Pods(selector)) {
    if (PodReady(*pod)) out.insert(pod->spec().node_name());
  }
  return out;
}

TEST_CASE("a DaemonSet follows its nodes: labels, a new kubelet, a label removed, an update") {
  ClusterFixture c({Nodes("ssd", 2, {"disk=ssd"}), Nodes("hdd", 1, {"disk=hdd"})});
  c.Apply(R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {disk: ssd}
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "nginx:1.25"}]
)");
  using Set = std::set<std::string>;
  auto on = [&](const Set& nodes) {
    bool ok = Eventually(
        [&] {
          return NodesOf(c, "app=agent") == nodes &&
                 int(c.Pods("app=agent").size()) == int(nodes.size());
        },
        std::chrono::seconds(60));
    if (!ok) FAIL_CHECK("DaemonSet pods not on exactly the expected nodes\n" << c.Diagnose());
    return ok;
  };
  REQUIRE(on({"ssd-0", "ssd-1"}));

  CHECK(c.Kubectl("label node hdd disk=ssd --overwrite").find("labeled") != std::string::npos);
  REQUIRE(on({"ssd-0", "ssd-1", "hdd"}));

  REQUIRE(c.cluster().AddKubelets(Nodes("late", 1, {"disk=ssd"})).ok());
  REQUIRE(on({"ssd-0", "ssd-1", "hdd", "late"}));

  CHECK(c.Kubectl("label node ssd-0 disk-").find("unlabeled") != std::string::npos);
  REQUIRE(on({"ssd-1", "hdd", "late"}));

  CHECK(c.Kubectl("set image daemonset/agent main=nginx:1.26").find("image updated") !=
        std::string::npos);
  std::string status = c.Kubectl("rollout status daemonset/agent --timeout=90s");
  CHECK_MESSAGE(status.find("successfully rolled out") != std::string::npos, status, c.Diagnose());
  REQUIRE(on({"ssd-1", "hdd", "late"}));
  for (const auto& pod : c.Pods("app=agent")) {
    CHECK(pod->spec().containers(0).image() == "nginx:1.26");
  }
  CHECK(c.Kubectl("rollout undo daemonset/agent").find("rolled back") != std::string::npos);
  status = c.Kubectl("rollout status daemonset/agent --timeout=90s");
  CHECK_MESSAGE(status.find("successfully rolled out") != std::string::npos, status, c.Diagnose());
  REQUIRE(on({"ssd-1", "hdd", "late"}));
  for (const auto& pod : c.Pods("app=agent")) {
    CHECK(pod->spec().containers(0).image() == "nginx:1.25");
  }
  std::string ds = c.Kubectl("get daemonset agent");
  CHECK_MESSAGE(ds.find("agent   3         3         3       3            3") != std::string::npos,
                ds);
}

TEST_CASE("a StatefulSet starts its pods in order and scales down in reverse") {
  ClusterFixture c({Nodes("node", 2)});
  PodLog log(c.clientset());
  c.Apply(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "nginx:1.25"}]
)");
  std::string status = c.Kubectl("rollout status statefulset/web --timeout=90s");
  // kubectl's wording for the default strategy (RollingUpdate, partition 0), as on Kubernetes.
  CHECK_MESSAGE(status.find("partitioned roll out complete: 3 new pods") != std::string::npos,
                status, c.Diagnose());
  REQUIRE(c.WaitReadyPods("app=web", 3));
  // Each ordinal is created only once the one before it is Ready.
  for (int i = 1; i < 3; ++i) {
    int ready_before = log.IndexOf(fmt::format("ready web-{}", i - 1));
    int added = log.IndexOf(fmt::format("added web-{}", i));
    CHECK_MESSAGE(ready_before >= 0, JoinLines(log.lines()));
    CHECK_MESSAGE(ready_before < added, JoinLines(log.lines()));
  }
  auto web1 = c.clientset().Pods("default").Get("web-1");
  REQUIRE(web1.ok());
  CHECK((*web1)->spec().hostname() == "web-1");
  CHECK((*web1)->spec().subdomain() == "web");

  // A rolling update replaces the pods from the highest ordinal down, then undo restores.
  PodLog update_log(c.clientset());
  CHECK(c.Kubectl("set image statefulset/web main=nginx:1.26").find("image updated") !=
        std::string::npos);
  status = c.Kubectl("rollout status statefulset/web --timeout=90s");
  CHECK_MESSAGE(status.find("partitioned roll out complete: 3 new pods") != std::string::npos,
                status, c.Diagnose());
  REQUIRE(c.WaitReadyPods("app=web", 3));
  for (const auto& pod : c.Pods("app=web")) {
    CHECK(pod->spec().containers(0).image() == "nginx:1.26");
  }
  CHECK(Eventually([&] { return update_log.IndexOf("deleted web-0") >= 0; }));
  for (int i = 2; i > 0; --i) {
    int newer = update_log.IndexOf(fmt::format("deleted web-{}", i));
    int older = update_log.IndexOf(fmt::format("deleted web-{}", i - 1));
    CHECK_MESSAGE(newer >= 0, JoinLines(update_log.lines()));
    CHECK_MESSAGE(newer < older, JoinLines(update_log.lines()));
  }
  CHECK(c.Kubectl("rollout undo statefulset/web").find("rolled back") != std::string::npos);
  status = c.Kubectl("rollout status statefulset/web --timeout=90s");
  CHECK_MESSAGE(status.find("partitioned roll out complete: 3 new pods") != std::string::npos,
                status, c.Diagnose());
  REQUIRE(c.WaitReadyPods("app=web", 3));
  for (const auto& pod : c.Pods("app=web")) {
    CHECK(pod->spec().containers(0).image() == "nginx:1.25");
  }

  PodLog scale_log(c.clientset());
  CHECK(c.Kubectl("scale statefulset web --replicas=1").find("scaled") != std::string::npos);
  REQUIRE(c.WaitReadyPods("app=web", 1));
  CHECK(c.Pods("app=web").front()->metadata().name() == "web-0");
  CHECK(Eventually([&] { return scale_log.IndexOf("deleted web-1") >= 0; }));
  int deleted2 = scale_log.IndexOf("deleted web-2"), deleted1 = scale_log.IndexOf("deleted web-1");
  CHECK_MESSAGE(deleted2 >= 0, JoinLines(scale_log.lines()));
  CHECK_MESSAGE(deleted2 < deleted1, JoinLines(scale_log.lines()));
  std::string events = c.Kubectl("get events --field-selector reason=SuccessfulDelete");
  CHECK(events.find("delete Pod web-2 in StatefulSet web successful") != std::string::npos);
}

TEST_CASE("a Service's Endpoints list the IPs of its ready pods") {
  ClusterFixture c({Nodes("node", 2)});
  c.Apply(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: main, image: "nginx:1.25", ports: [{name: http, containerPort: 80}]}]
)");
  REQUIRE(c.WaitReadyPods("app=web", 2));
  std::set<std::string> expected;
  for (const auto& pod : c.Pods("app=web")) expected.insert(pod->status().pod_ip() + ":80");
  std::string jsonpath =
      "get endpoints web -o 'jsonpath={range .subsets[*].addresses[*]}{.ip}:80 {end}'";
  bool listed = Eventually([&] {
    std::string out = c.Kubectl(jsonpath);
    std::set<std::string> got;
    for (size_t i = 0, j; (j = out.find(' ', i)) != std::string::npos; i = j + 1)
      got.insert(out.substr(i, j - i));
    return got == expected;
  });
  CHECK_MESSAGE(listed, c.Kubectl("get endpoints web -o yaml"), c.Diagnose());
  std::string table = c.Kubectl("get endpoints web");
  CHECK_MESSAGE(table.find("ENDPOINTS") != std::string::npos, table);
  CHECK(table.find(*expected.begin()) != std::string::npos);

  CHECK(c.Kubectl("scale deployment web --replicas=0").find("scaled") != std::string::npos);
  bool emptied = Eventually(
      [&] { return c.Kubectl("get endpoints web").find("<none>") != std::string::npos; });
  CHECK_MESSAGE(emptied, c.Kubectl("get endpoints web -o yaml"));
}

}  // namespace
}  // namespace pk::testing
